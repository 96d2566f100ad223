"""A fake NVML node for tests: device tables of real GPU models behind pynvml's API.

Used two ways: in process, ``FakeNvml.install`` patches the real ``pynvml`` module (its
``NVMLError`` classes and constants stay genuine); in a subprocess, the ``pynvml.py`` next
to this file shadows the real module and installs a node named by ``HWCORE_FAKE_NVML``
(``"8xH100"``, ``"A100+H100"``, ``"missing"``, ``"driver-not-loaded"``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

MIB = 1 << 20

# name, compute capability, total memory as NVML reports it (MiB, from nvidia-smi).
MODELS: dict[str, tuple[str, tuple[int, int], int]] = {
    "A100": ("NVIDIA A100-SXM4-80GB", (8, 0), 81920 * MIB),
    "H100": ("NVIDIA H100 80GB HBM3", (9, 0), 81559 * MIB),
    "H200": ("NVIDIA H200", (9, 0), 143771 * MIB),
    "B200": ("NVIDIA B200", (10, 0), 183359 * MIB),
    "L4": ("NVIDIA L4", (8, 9), 23034 * MIB),
    "RTX4090": ("NVIDIA GeForce RTX 4090", (8, 9), 24564 * MIB),
    "RTX3090": ("NVIDIA GeForce RTX 3090", (8, 6), 24576 * MIB),
    "RTX5090": ("NVIDIA GeForce RTX 5090", (12, 0), 32607 * MIB),
    "T4": ("Tesla T4", (7, 5), 15360 * MIB),
}


@dataclass
class FakeGpu:
    name: str
    uuid: str
    capability: tuple[int, int]
    total_memory: int
    mig: tuple[tuple[str, int], ...] = ()  # (MIG uuid, memory)


@dataclass
class FakeNvml:
    """A node: its GPUs, which pairs have NVLink, and how ``nvmlInit`` behaves."""

    gpus: list[FakeGpu]
    nvlink: bool | set[frozenset[int]] = True  # True: every pair; a set: these pairs
    init_error: int | None = None  # an NVML error code nvmlInit raises
    driver_version: str = "580.82.07"
    cuda_driver_version: int = 12080
    initialised: int = 0
    calls: list[str] = field(default_factory=list)

    def install(self, pynvml: ModuleType, setattr_: Callable[[Any, str, Any], None]) -> None:
        """Replace pynvml's functions with this node's (``setattr_`` is
        ``monkeypatch.setattr`` in process, ``setattr`` in the shadow module)."""
        for name, function in self._functions(pynvml).items():
            setattr_(pynvml, name, function)

    def _functions(self, nv: ModuleType) -> dict[str, Callable[..., Any]]:
        def init() -> None:
            self.calls.append("nvmlInit")
            if self.init_error is not None:
                raise nv.NVMLError(self.init_error)
            self.initialised += 1

        def shutdown() -> None:
            need_init()
            self.initialised -= 1

        def need_init() -> None:
            if not self.initialised:
                raise nv.NVMLError(nv.NVML_ERROR_UNINITIALIZED)

        def handle(index: int) -> tuple[str, int]:
            need_init()
            if not 0 <= index < len(self.gpus):
                raise nv.NVMLError(nv.NVML_ERROR_INVALID_ARGUMENT)
            return ("gpu", index)

        def gpu(h: tuple[Any, ...]) -> FakeGpu:
            need_init()
            return self.gpus[h[1]]

        def uuid_of(h: tuple[Any, ...]) -> str:
            return gpu(h).mig[h[2]][0] if h[0] == "mig" else gpu(h).uuid

        def memory(h: tuple[Any, ...], version: object = None) -> Any:
            total = gpu(h).mig[h[2]][1] if h[0] == "mig" else gpu(h).total_memory
            return _Memory(total, total - 512 * MIB, 512 * MIB)

        def mig_handle(h: tuple[Any, ...], slot: int) -> tuple[str, int, int]:
            if slot >= len(gpu(h).mig):
                raise nv.NVMLError(nv.NVML_ERROR_NOT_FOUND)
            return ("mig", h[1], slot)

        def p2p(first: tuple[Any, ...], second: tuple[Any, ...], index: int) -> int:
            need_init()
            self.calls.append(f"p2p {first[1]} {second[1]} {index}")
            pair = frozenset((first[1], second[1]))
            linked = self.nvlink is True or (isinstance(self.nvlink, set) and pair in self.nvlink)
            if index == nv.NVML_P2P_CAPS_INDEX_NVLINK and linked:
                return int(nv.NVML_P2P_STATUS_OK)
            return int(nv.NVML_P2P_STATUS_NOT_SUPPORTED)

        return {
            "nvmlInit": init,
            "nvmlShutdown": shutdown,
            "nvmlSystemGetDriverVersion": lambda: (need_init(), self.driver_version)[1],
            "nvmlSystemGetCudaDriverVersion": lambda: (need_init(), self.cuda_driver_version)[1],
            "nvmlDeviceGetCount": lambda: (need_init(), len(self.gpus))[1],
            "nvmlDeviceGetHandleByIndex": handle,
            "nvmlDeviceGetName": lambda h: gpu(h).name,
            "nvmlDeviceGetUUID": uuid_of,
            "nvmlDeviceGetCudaComputeCapability": lambda h: gpu(h).capability,
            "nvmlDeviceGetMemoryInfo": memory,
            "nvmlDeviceGetMigMode": lambda h: (1, 1) if gpu(h).mig else (0, 0),
            "nvmlDeviceGetMaxMigDeviceCount": lambda h: 7 if gpu(h).mig else 0,
            "nvmlDeviceGetMigDeviceHandleByIndex": mig_handle,
            "nvmlDeviceGetP2PStatus": p2p,
        }


@dataclass
class _Memory:  # the shape of pynvml.c_nvmlMemory_t
    total: int
    free: int
    used: int


def gpus(models: Iterable[str]) -> list[FakeGpu]:
    """GPUs of the given ``MODELS`` keys, in physical order, with stable made-up UUIDs."""
    table = []
    for index, model in enumerate(models):
        name, capability, memory = MODELS[model]
        serial = uuid.uuid5(uuid.NAMESPACE_OID, f"hwcore-fake-{model}-{index}")
        table.append(FakeGpu(name, f"GPU-{serial}", capability, memory))
    return table


def node(spec: str) -> FakeNvml:
    """``"8xH100"``, ``"A100+H100"``, ``"4xA100+4xH100"``, ``"missing"``, ``"driver-not-loaded"``."""
    if spec == "missing":
        return FakeNvml([], init_error=12)  # NVML_ERROR_LIBRARY_NOT_FOUND
    if spec == "driver-not-loaded":
        return FakeNvml([], init_error=9)  # NVML_ERROR_DRIVER_NOT_LOADED
    models: list[str] = []
    for part in spec.split("+"):
        count, _, model = part.rpartition("x")
        models += [model] * (int(count) if count else 1)
    return FakeNvml(gpus(models))
