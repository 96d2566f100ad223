"""A fake amdsmi node for tests: device tables of real AMD GPUs behind amdsmi's API.

The real ``amdsmi`` cannot be imported without ``libamd_smi.so`` and rejects any handle
that is not a ctypes pointer, so the fake replaces the whole module. Used two ways: in
process, ``module("8xMI300X")`` builds a module a test puts in ``sys.modules``; in a
subprocess, the ``amdsmi`` package next to this file is found first on ``PYTHONPATH`` and
installs the node named by ``HWCORE_FAKE_AMDSMI``. Node names: ``"8xMI300X"``,
``"MI210+RX7900XTX"``, ... (see ``MODELS``), ``"no-gpus"``, ``"driver-not-loaded"``, and the
import failures ``"missing"`` and ``"version-mismatch"``.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

MIB = 1 << 20
PCIE, XGMI = 1, 2  # AMDSMI_LINK_TYPE_*
NOT_INIT, DRIVER_NOT_LOADED = 32, 34  # AMDSMI_STATUS_*

# market name, device id, gfx target, VRAM (MiB, as amd-smi reports it), compute units,
# and how a node of these GPUs is wired: "xgmi" (every pair one hop), "xgmi-pairs" (MI250X:
# the two dies of a card are one hop apart, other dies two), "pcie".
MODELS: dict[str, tuple[str, str, str, int, int, str]] = {
    "MI300X": ("AMD Instinct MI300X", "0x74a1", "gfx942", 196592, 304, "xgmi"),
    "MI325X": ("AMD Instinct MI325X", "0x74a5", "gfx942", 262128, 304, "xgmi"),
    "MI355X": ("AMD Instinct MI355X", "0x75a3", "gfx950", 294896, 256, "xgmi"),
    "MI250X": ("AMD Instinct MI250X/MI250", "0x740c", "gfx90a", 65520, 110, "xgmi-pairs"),
    "MI210": ("AMD Instinct MI210", "0x740f", "gfx90a", 65520, 104, "pcie"),
    "RX7900XTX": ("Radeon RX 7900 XTX", "0x744c", "gfx1100", 24560, 96, "pcie"),
    "RX9070XT": ("AMD Radeon RX 9070 XT", "0x7550", "gfx1201", 16304, 64, "pcie"),
}

# What the real wrapper prints before failing, and the exception it raises.
IMPORT_FAILURES: dict[str, tuple[tuple[str, ...], BaseException]] = {
    "missing": (
        (
            "/opt/rocm/lib/libamd_smi.so: cannot open shared object file: No such file or "
            "directory",
            "Unable to find libamd_smi.so library try installing amd-smi-lib from your "
            "package manager",
        ),
        KeyError("libamd_smi.so"),
    ),
    "version-mismatch": (
        (),
        AttributeError(
            "/opt/rocm/lib/libamd_smi.so: undefined symbol: amdsmi_get_gpu_enumeration_info"
        ),
    ),
}


def fail_import(spec: str) -> None:
    """Behave like the real ``import amdsmi`` on a broken install: print, then raise."""
    lines, error = IMPORT_FAILURES[spec]
    for line in lines:
        print(line)
    raise error


@dataclass
class FakeGpu:
    market_name: str
    device_id: str
    target: str
    vram: int
    compute_units: int
    wiring: str
    uuid: str
    hip_uuid: str
    bdf: str
    numa_node: int
    hip_id: int
    vram_used: int = 512 * MIB


@dataclass
class FakeAmdSmi:
    """A node: its GPUs, how ``amdsmi_init`` behaves, and what amdsmi release it mimics."""

    gpus: list[FakeGpu]
    init_error: int | None = None
    enumeration: bool = True  # amdsmi 7's amdsmi_get_gpu_enumeration_info (hip_id)
    library_version: tuple[int, int, int] = (25, 5, 1)
    driver_version: str = "6.12.12"
    initialised: int = 0
    calls: list[str] = field(default_factory=list)

    def link(self, first: int, second: int) -> tuple[int, int]:
        """``(hops, link type)`` between GPUs ``first`` and ``second``."""
        wirings = {self.gpus[first].wiring, self.gpus[second].wiring}
        if wirings == {"xgmi"}:
            return 1, XGMI
        if wirings == {"xgmi-pairs"}:
            return (1 if first // 2 == second // 2 else 2), XGMI
        return 2, PCIE

    def populate(self, module: ModuleType) -> None:
        """Give ``module`` amdsmi's exceptions, enums and this node's functions."""
        namespace = _exceptions()
        namespace.update(self._functions(namespace))
        if not self.enumeration:
            del namespace["amdsmi_get_gpu_enumeration_info"]
        for name, value in namespace.items():
            setattr(module, name, value)

    def _functions(self, errors: dict[str, Any]) -> dict[str, Any]:
        library_error = errors["AmdSmiLibraryException"]

        def init(flag: object = None) -> None:
            self.calls.append("amdsmi_init")
            if self.init_error is not None:
                raise library_error(self.init_error)
            self.initialised += 1

        def shut_down() -> None:
            need_init()
            self.calls.append("amdsmi_shut_down")
            self.initialised -= 1

        def need_init() -> None:
            if not self.initialised:
                raise library_error(NOT_INIT)

        def gpu(handle: _Handle) -> FakeGpu:
            need_init()
            return self.gpus[handle.index]

        def asic(handle: _Handle) -> dict[str, Any]:
            g = gpu(handle)
            return {
                "market_name": g.market_name, "vendor_id": "0x1002", "vendor_name": "AMD",
                "device_id": g.device_id, "rev_id": "0x00", "asic_serial": "0x0",
                "num_compute_units": g.compute_units, "target_graphics_version": g.target,
            }

        def link_type(first: _Handle, second: _Handle) -> dict[str, int]:
            need_init()
            self.calls.append(f"link {first.index} {second.index}")
            hops, kind = self.link(first.index, second.index)
            return {"hops": hops, "type": kind}

        def memory(kind: str) -> Callable[[_Handle, Any], int]:
            def query(handle: _Handle, memory_type: Any) -> int:
                if memory_type != MemoryType.VRAM:
                    raise errors["AmdSmiParameterException"](memory_type, MemoryType)
                g = gpu(handle)
                return g.vram * MIB if kind == "total" else g.vram_used
            return query

        def handles() -> list[_Handle]:
            need_init()
            return [_Handle(i) for i in range(len(self.gpus))]

        def lib_version() -> dict[str, Any]:
            major, minor, release = self.library_version
            return {"major": major, "minor": minor, "release": release, "build": "0"}

        return {
            "AmdSmiMemoryType": MemoryType,
            "AmdSmiInitFlags": InitFlags,
            "amdsmi_init": init,
            "amdsmi_shut_down": shut_down,
            "amdsmi_get_processor_handles": handles,
            "amdsmi_get_gpu_asic_info": asic,
            "amdsmi_get_gpu_device_uuid": lambda h: gpu(h).uuid,
            "amdsmi_get_gpu_device_bdf": lambda h: gpu(h).bdf,
            "amdsmi_topo_get_numa_node_number": lambda h: gpu(h).numa_node,
            "amdsmi_get_gpu_enumeration_info": lambda h: {
                "drm_render": 128 + h.index, "drm_card": h.index, "hsa_id": h.index + 1,
                "hip_id": gpu(h).hip_id, "hip_uuid": gpu(h).hip_uuid,
            },
            "amdsmi_topo_get_link_type": link_type,
            "amdsmi_get_gpu_memory_total": memory("total"),
            "amdsmi_get_gpu_memory_usage": memory("used"),
            "amdsmi_get_gpu_driver_info": lambda h: {
                "driver_name": "amdgpu", "driver_version": (need_init(), self.driver_version)[1],
                "driver_date": "2015/01/01 00:00",
            },
            "amdsmi_get_lib_version": lib_version,
        }


class MemoryType(enum.IntEnum):  # amdsmi.AmdSmiMemoryType
    VRAM = 0
    VIS_VRAM = 1
    GTT = 2


class InitFlags(enum.IntEnum):  # amdsmi.AmdSmiInitFlags
    INIT_ALL_PROCESSORS = 0xFFFFFFFF
    INIT_AMD_GPUS = 2


@dataclass(frozen=True)
class _Handle:  # an opaque processor handle (a ctypes pointer in the real module)
    index: int


def _exceptions() -> dict[str, Any]:
    class AmdSmiException(Exception):
        pass

    class AmdSmiLibraryException(AmdSmiException):
        def __init__(self, err_code: int) -> None:
            super().__init__(err_code)
            self.err_code = abs(err_code)

        def __str__(self) -> str:
            info = {
                NOT_INIT: "AMDSMI_STATUS_NOT_INIT - Device not initialized",
                DRIVER_NOT_LOADED: "AMDSMI_STATUS_DRIVER_NOT_LOADED - Driver not loaded",
            }.get(self.err_code, "AMDSMI_STATUS_UNKNOWN_ERROR - An unknown error occurred")
            return f"Error code:\n\t{self.err_code} | {info}"

        def get_error_code(self) -> int:
            return self.err_code

    class AmdSmiParameterException(AmdSmiException):
        def __init__(self, received: object, expected: object) -> None:
            super().__init__(f"Invalid parameter {received!r}, expected {expected!r}")

    return {
        "AmdSmiException": AmdSmiException,
        "AmdSmiLibraryException": AmdSmiLibraryException,
        "AmdSmiParameterException": AmdSmiParameterException,
    }


def gpus(models: list[str], hip_ids: list[int] | None = None) -> list[FakeGpu]:
    """GPUs of the given ``MODELS`` keys in amdsmi order, with stable made-up identities."""
    table = []
    for index, model in enumerate(models):
        market, device_id, target, vram, units, wiring = MODELS[model]
        serial = uuid.uuid5(uuid.NAMESPACE_OID, f"hwcore-fake-amd-{model}-{index}")
        table.append(FakeGpu(
            market_name=market, device_id=device_id, target=target, vram=vram,
            compute_units=units, wiring=wiring,
            uuid=f"{serial.hex[:2]}ff{device_id[2:]}-{str(serial)[9:]}",
            hip_uuid=f"GPU-{serial.hex[16:]}",
            bdf=f"0000:{0x0c + 0x10 * index:02x}:00.0",
            numa_node=0 if index < max(1, len(models) // 2) else 1,
            hip_id=index if hip_ids is None else hip_ids[index],
        ))
    return table


def node(spec: str) -> FakeAmdSmi:
    """A node by name; ``"A+B"`` mixes models and numbers HIP in the reverse order of
    amdsmi (as a PCI layout can), ``"...@amdsmi6"`` mimics amdsmi 6 (no ``hip_id``)."""
    spec, _, release = spec.partition("@")
    if spec == "no-gpus":
        return FakeAmdSmi([])
    if spec == "driver-not-loaded":
        return FakeAmdSmi([], init_error=DRIVER_NOT_LOADED)
    models: list[str] = []
    for part in spec.split("+"):
        count, _, model = part.rpartition("x")
        models += [model] * (int(count) if count else 1)
    mixed = len(set(models)) > 1
    hip_ids = list(reversed(range(len(models)))) if mixed else None
    library = (6, 4, 3) if release == "amdsmi6" else (25, 5, 1)
    return FakeAmdSmi(gpus(models, hip_ids), enumeration=release != "amdsmi6",
                      library_version=library)


def module(spec: str | FakeAmdSmi) -> ModuleType:
    """An ``amdsmi`` module serving the node ``spec``; ``module.fake_node`` is the node."""
    fake = node(spec) if isinstance(spec, str) else spec
    result = ModuleType("amdsmi")
    fake.populate(result)
    result.fake_node = fake  # type: ignore[attr-defined]
    return result
