"""The node's Intel GPUs, from the best source available, and the ones this process sees.

Sources, in order: Level Zero Sysman (``pyzes``, names, tiles, memory and driver version as
the runtime sees them), then PCI sysfs (always there on Linux, ids looked up in
``hwcore_xpu.pci_ids``), then ``torch.xpu`` when the engine has already imported torch.
The first source that answers is used; the report names it and says why the earlier ones
were skipped.

Which GPUs count (from Level Zero or sysfs; torch.xpu has already decided for itself):

* Data Center GPU Max and Flex, Arc A- and B-series, and the Core Ultra integrated GPUs
  (Xe-LPG and newer) count; integrated ones carry the integrated flag.
* Older integrated GPUs (Xe-LP: Tiger Lake to Raptor Lake) and DG1 are not PyTorch XPU
  targets and do not count, so a desktop with UHD Graphics does not turn into an XPU host.
* From sysfs only: a GPU must be bound to the ``i915`` or ``xe`` kernel driver (a GPU
  passed to a VM through ``vfio-pci`` cannot run here), and its id must be in the table.
* When a discrete GPU is visible, integrated GPUs are left out (``torch.xpu``'s rule,
  applied with the visibility variables in ``hwcore_xpu.visibility``).

``probe`` reads the hardware once per detection; ``visible`` applies the environment on
every call, because Ray and launchers set the visibility variables per worker.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from hwcore_xpu import levelzero, sysfs, torch_xpu
from hwcore_xpu.pci_ids import DATA_CENTER, INTEGRATED, INTEL_VENDOR_ID, XE_HPC, XE_LP, lookup
from hwcore_xpu.visibility import (
    Card,
    LevelZeroDevice,
    Visibility,
    card_order,
    map_visible_devices,
)

LEVEL_ZERO = "levelzero"
SYSFS = "sysfs"
TORCH = "torch"
KERNEL_DRIVERS = ("i915", "xe")


@dataclass(frozen=True)
class IntelGpu:
    """One physical GPU, whichever source found it; ``None``: the source cannot tell."""

    name: str
    segment: str
    tile_memory: tuple[int | None, ...]  # one entry per tile
    source_index: int  # its index in the source's own list (Sysman's device order)
    device_id: int | None = None
    architecture: str | None = None
    pci_address: str | None = None
    numa_node: int | None = None
    uuid: str | None = None
    kernel_driver: str | None = None
    driver_version: str | None = None
    compute_units: int | None = None

    @property
    def integrated(self) -> bool:
        return self.segment == INTEGRATED

    @property
    def tiles(self) -> int:
        return len(self.tile_memory)

    def memory(self, tiles: tuple[int, ...]) -> int | None:
        """Local memory of ``tiles``, or ``None`` if any of them is unknown."""
        sizes = [self.tile_memory[tile] for tile in tiles]
        return None if None in sizes else sum(size for size in sizes if size is not None)


@dataclass(frozen=True)
class Inventory:
    """Every counted GPU of the node (in the source's order) and how they were found."""

    source: str
    gpus: tuple[IntelGpu, ...]
    evidence: str
    skipped_sources: tuple[str, ...] = ()  # why earlier sources were not used
    ignored: tuple[str, ...] = ()  # devices found but not counted, and why

    def visible(self, environ: Mapping[str, str]) -> tuple[tuple[IntelGpu, ...], Visibility]:
        """The GPUs in Level Zero's order and the devices ``environ`` lets this process
        see; raises ``VisibleDevicesError`` for a value that cannot be used.

        torch.xpu applied the variables itself when it is the source."""
        if self.source == TORCH:
            devices = tuple(
                LevelZeroDevice(i, i, tuple(range(gpu.tiles)), whole_card=True)
                for i, gpu in enumerate(self.gpus)
            )
            return self.gpus, Visibility("as torch.xpu applies it", devices)
        order = card_order(
            [_address_key(gpu) for gpu in self.gpus],
            [gpu.integrated for gpu in self.gpus],
            environ,
        )
        ordered = tuple(self.gpus[i] for i in order)
        return ordered, map_visible_devices([_card(gpu) for gpu in ordered], environ)


@dataclass(frozen=True)
class NoGpu:
    """Why no Intel GPU was found, naming every source that was tried."""

    reason: str


def probe(sysfs_root: str) -> Inventory | NoGpu:
    """Find the node's Intel GPUs: Level Zero, then sysfs under ``sysfs_root``, then torch."""
    table = levelzero.read_device_table()
    pci = sysfs.list_intel_gpus(sysfs_root)
    if isinstance(table, levelzero.ZesTable):
        return _from_level_zero(table, pci)
    skipped = [f"Level Zero not used: {table.reason}"]
    if not isinstance(pci, sysfs.SysfsUnavailable):
        found = _from_sysfs(pci, sysfs_root, tuple(skipped))
        if isinstance(found, Inventory):
            return found
        skipped.append(found.reason)
    else:
        skipped.append(pci.reason)
    torch_table = torch_xpu.read_device_table()
    if isinstance(torch_table, torch_xpu.TorchXpuTable):
        return _from_torch(torch_table, tuple(skipped))
    return NoGpu("; ".join([*skipped, torch_table.reason]))


# ---------------------------------------------------------------------- Level Zero


def _from_level_zero(
    table: levelzero.ZesTable, pci: tuple[sysfs.PciGpu, ...] | sysfs.SysfsUnavailable
) -> Inventory | NoGpu:
    by_address = {} if isinstance(pci, sysfs.SysfsUnavailable) else {g.address: g for g in pci}
    gpus: list[IntelGpu] = []
    ignored: list[str] = []
    for index, device in enumerate(table.devices):
        model = lookup(device.device_id) if device.vendor_id == INTEL_VENDOR_ID else None
        if model is not None and not model.is_xpu_target:
            ignored.append(_not_a_target(device.pci_address or f"device {index}", device.name))
            continue
        pci_gpu = by_address.get(device.pci_address or "")
        gpus.append(IntelGpu(
            name=device.name,
            segment=_segment(device.name, device.integrated),
            tile_memory=device.tile_memory,
            source_index=index,
            device_id=device.device_id,
            architecture=None if model is None else model.architecture,
            pci_address=device.pci_address,
            numa_node=None if pci_gpu is None else pci_gpu.numa_node,
            uuid=device.uuid,
            kernel_driver=None if pci_gpu is None else pci_gpu.driver,
            driver_version=device.driver_version,
        ))
    if not gpus:
        return NoGpu("; ".join(["Level Zero Sysman reports no GPU that torch.xpu runs on",
                                *ignored]))
    drivers = sorted({gpu.driver_version for gpu in gpus if gpu.driver_version})
    driver = f" (driver {', '.join(drivers)})" if drivers else ""
    return Inventory(
        LEVEL_ZERO, tuple(gpus), f"Level Zero Sysman reports {_summary(gpus)}{driver}",
        ignored=tuple(ignored),
    )


def _segment(name: str, integrated: bool) -> str:
    # vLLM's is_data_center_gpu: the name says "Data Center GPU".
    if integrated:
        return INTEGRATED
    return DATA_CENTER if "data center gpu" in name.lower() else "client"


# ---------------------------------------------------------------------------- sysfs


def _from_sysfs(
    pci: tuple[sysfs.PciGpu, ...], root: str, skipped: tuple[str, ...]
) -> Inventory | NoGpu:
    gpus: list[IntelGpu] = []
    ignored: list[str] = []
    for function in pci:
        gpu_or_reason = _counted(function, len(gpus))
        if isinstance(gpu_or_reason, str):
            ignored.append(gpu_or_reason)
        else:
            gpus.append(gpu_or_reason)
    if not gpus:
        where = os.path.join(root, sysfs.PCI_DEVICES)
        if not ignored:
            return NoGpu(f"{where} lists no Intel display or accelerator device")
        return NoGpu(f"{where} lists no GPU torch.xpu runs on: {'; '.join(ignored)}")
    return Inventory(
        SYSFS, tuple(gpus), f"PCI sysfs lists {_summary(gpus)}",
        skipped_sources=skipped, ignored=tuple(ignored),
    )


def _counted(function: sysfs.PciGpu, index: int) -> IntelGpu | str:
    """The GPU, or why this PCI function does not count."""
    model = lookup(function.device_id)
    where = f"{function.address} (8086:{function.device_id:04x})"
    if model is None:
        kind = "display" if function.base_class == sysfs.DISPLAY_CLASS else "accelerator"
        return f"{where}: Intel {kind} device not in hwcore-xpu's table of XPU GPUs"
    if not model.is_xpu_target:
        return _not_a_target(where, model.name)
    if function.driver not in KERNEL_DRIVERS:
        bound = "no kernel driver" if function.driver is None else function.driver
        return (f"{where} {model.name}: bound to {bound}, not i915 or xe, so Level Zero "
                "cannot use it")
    tiles = function.tile_memory or (None,) * model.tiles
    return IntelGpu(
        name=model.name,
        segment=model.segment,
        tile_memory=tiles,
        source_index=index,
        device_id=function.device_id,
        architecture=model.architecture,
        pci_address=function.address,
        numa_node=function.numa_node,
        kernel_driver=function.driver,
    )


def _not_a_target(where: str, name: str) -> str:
    return f"{where} {name} ({XE_LP}): not a PyTorch XPU target"


# ---------------------------------------------------------------------------- torch


def _from_torch(table: torch_xpu.TorchXpuTable, skipped: tuple[str, ...]) -> Inventory:
    gpus = tuple(
        IntelGpu(
            name=device.name or "Intel GPU",
            segment=_segment(device.name or "", bool(device.integrated)),
            tile_memory=(device.total_memory,),
            source_index=index,
            driver_version=device.driver_version,
            compute_units=device.compute_units,
        )
        for index, device in enumerate(table.devices)
    )
    how = "" if table.properties_read else " (properties not read: XPU is not initialised)"
    return Inventory(
        TORCH, gpus, f"torch {table.torch_version} sees {len(gpus)} XPU device(s){how}",
        skipped_sources=skipped,
    )


# ------------------------------------------------------------------------- helpers


def _card(gpu: IntelGpu) -> Card:
    # Only Xe-HPC (Max series) has several tiles; an id the table lacks but Level Zero
    # reports with tiles is one too.
    flat = gpu.architecture == XE_HPC or (gpu.architecture is None and gpu.tiles > 1)
    return Card(tiles=gpu.tiles, integrated=gpu.integrated, multi_tile_default_flat=flat)


def _address_key(gpu: IntelGpu) -> tuple[int, int, int, int]:
    if gpu.pci_address is None:  # unknown address: keep the source's order
        return (1 << 32, gpu.source_index, 0, 0)
    domain, bus, rest = gpu.pci_address.split(":")
    device, function = rest.split(".")
    return int(domain, 16), int(bus, 16), int(device, 16), int(function, 16)


def _summary(gpus: list[IntelGpu] | tuple[IntelGpu, ...]) -> str:
    counts: dict[str, int] = {}
    for gpu in gpus:
        counts[gpu.name] = counts.get(gpu.name, 0) + 1
    noun = "GPU" if len(gpus) == 1 else "GPUs"
    return f"{len(gpus)} {noun}: " + ", ".join(f"{n}x {name}" for name, n in counts.items())
