"""The node's GPUs, from NVML or (on Jetson) the filesystem, and the ones this process sees.

``probe`` reads the hardware once per detection; ``visible`` applies
``CUDA_VISIBLE_DEVICES`` with the core's visibility mapping (integers, ``GPU-<uuid>``
prefixes and ``MIG-<uuid>`` slices).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hwcore.plugin_api import (
    DeviceCapability,
    PhysicalDevice,
    Visibility,
    VisibleDevice,
    map_visible_devices,
)
from hwcore_cuda import nvml, tegra

VARIABLE = "CUDA_VISIBLE_DEVICES"


@dataclass(frozen=True)
class Gpu:
    """One physical GPU's facts, whichever source found them; ``None``: unknown."""

    index: int
    name: str
    uuid: str | None
    capability: DeviceCapability | None
    total_memory: int | None
    mig_instances: tuple[nvml.MigInstance, ...] = ()


@dataclass(frozen=True)
class Inventory:
    """Every GPU of the node and how they were found (``source`` is "nvml" or "tegra")."""

    source: str
    gpus: tuple[Gpu, ...]
    evidence: str
    driver_version: str | None = None
    cuda_driver_version: int | None = None

    def visible(self, environ: Mapping[str, str]) -> Visibility:
        """The GPUs ``CUDA_VISIBLE_DEVICES`` lets this process see, in logical order.

        Raises ``VisibleDevicesError`` when the variable cannot be mapped.
        """
        physical = [PhysicalDevice(g.index, g.uuid or "", _mig_uuids(g)) for g in self.gpus]
        return map_visible_devices(
            VARIABLE, environ.get(VARIABLE), physical, uuid_prefixes=("GPU-",),
            sub_uuid_prefix="MIG-", listing_hint="`nvidia-smi -L`",
        )

    def gpu(self, device: VisibleDevice) -> Gpu:
        """The facts of a visible device; a MIG slice reports its own UUID and memory."""
        gpu = self.gpus[device.physical_index]
        if device.sub_uuid is None:
            return gpu
        memory = next(m.total_memory for m in gpu.mig_instances if m.uuid == device.sub_uuid)
        return Gpu(gpu.index, gpu.name, device.sub_uuid, gpu.capability, memory)


@dataclass(frozen=True)
class NoGpu:
    """Why no GPU was found, naming every path that was tried."""

    reason: str


def probe(root: Path = Path("/")) -> Inventory | NoGpu:
    """Find the node's GPUs: NVML first, then the Jetson markers under ``root``."""
    table = nvml.read_device_table()
    if isinstance(table, nvml.DeviceTable):
        if not table.devices:
            return NoGpu(f"NVML reports no GPUs (driver {table.driver_version})")
        return _from_nvml(table)
    board = tegra.find_tegra_board(root)
    if board is None:
        return NoGpu(
            f"{table.reason}; no Tegra release file (/{tegra.RELEASE_FILE}) or "
            f"/{tegra.FIRMWARE_DIR}"
        )
    return _from_tegra(board, table)


def _from_nvml(table: nvml.DeviceTable) -> Inventory:
    gpus = tuple(
        Gpu(
            index=d.index,
            name=d.name,
            uuid=d.uuid,
            capability=None if d.capability is None else DeviceCapability(*d.capability),
            total_memory=d.total_memory,
            mig_instances=d.mig_instances,
        )
        for d in table.devices
    )
    return Inventory(
        source="nvml",
        gpus=gpus,
        evidence=f"NVML reports {_summary(gpus)} (driver {table.driver_version})",
        driver_version=table.driver_version,
        cuda_driver_version=table.cuda_driver_version,
    )


def _from_tegra(board: tegra.TegraBoard, failure: nvml.NvmlUnavailable) -> Inventory:
    capability = None if board.capability is None else DeviceCapability(*board.capability)
    gpu = Gpu(0, board.model, None, capability, board.total_memory)
    return Inventory(
        source="tegra",
        gpus=(gpu,),
        evidence=f"{board.evidence}: {board.model} (NVML unavailable: {failure.reason})",
    )


def _summary(gpus: tuple[Gpu, ...]) -> str:
    counts: dict[str, int] = {}
    for gpu in gpus:
        counts[gpu.name] = counts.get(gpu.name, 0) + 1
    noun = "GPU" if len(gpus) == 1 else "GPUs"
    return f"{len(gpus)} {noun}: " + ", ".join(f"{n}x {name}" for name, n in counts.items())


def _mig_uuids(gpu: Gpu) -> tuple[str, ...]:
    return tuple(instance.uuid for instance in gpu.mig_instances)
