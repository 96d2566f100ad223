"""The one seam to sysfs: Google TPU chips on the PCI bus, read as plain files.

This is what Google's ``tpu-info`` does, reimplemented over an injectable root (the
``HWCORE_SYSFS_ROOT`` of the environ given to detection, ``/sys`` by default) so tests and
containers that mount the host's sysfs elsewhere can point it at another tree. Reading
files never loads libtpu, never claims a chip and never touches the network.

A chip may expose more than one PCI function (``0000:00:05.0`` and ``.1``); functions are
grouped by their domain:bus:device, one chip each, as ``tpu_info.device.get_chips`` does.
Google PCI devices that are not TPUs (gVNIC network cards share the vendor id) are skipped.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from hwcore_tpu.chips import GOOGLE_PCI_VENDOR, ChipGeneration, generation_by_pci

PCI_DEVICES = os.path.join("bus", "pci", "devices")


class PciChip(NamedTuple):
    """One TPU chip on the PCI bus; ``None`` fields are facts sysfs did not give."""

    pci_bus_id: str  # its first function, "0000:00:04.0"
    generation: ChipGeneration
    numa_node: int | None
    iommu_group: str | None


class PciScan(NamedTuple):
    """What the PCI bus shows: ``listed`` is False when ``directory`` does not exist (a
    container without sysfs), which says nothing about TPUs either way."""

    directory: str
    listed: bool
    chips: tuple[PciChip, ...]


def scan_pci(sysfs_root: str) -> PciScan:
    """Every TPU chip under ``sysfs_root``/bus/pci/devices, in PCI address order."""
    directory = os.path.join(sysfs_root, PCI_DEVICES)
    try:
        addresses = sorted(os.listdir(directory))
    except OSError:
        return PciScan(directory, False, ())
    chips: dict[str, PciChip] = {}
    for address in addresses:
        chip = _read_chip(os.path.join(directory, address), address)
        if chip is not None:
            chips.setdefault(address.rpartition(".")[0], chip)
    return PciScan(directory, True, tuple(chips.values()))


def _read_chip(device: str, address: str) -> PciChip | None:
    if _read(device, "vendor") != GOOGLE_PCI_VENDOR:
        return None
    generation = generation_by_pci(_read(device, "device"), _read(device, "subsystem_device"))
    if generation is None:
        return None
    return PciChip(address, generation, _numa_node(device), _iommu_group(device))


def _numa_node(device: str) -> int | None:
    # The kernel writes -1 when the platform does not say which node a device is near.
    text = _read(device, "numa_node")
    return int(text) if text.isdigit() else None


def _iommu_group(device: str) -> str | None:
    # The VFIO device node of a v5e and later chip is /dev/vfio/<its IOMMU group>.
    try:
        return os.path.basename(os.readlink(os.path.join(device, "iommu_group")))
    except OSError:
        return None


def _read(device: str, name: str) -> str:
    try:
        with open(os.path.join(device, name), errors="replace") as file:
            return file.read().strip().lower()
    except OSError:
        return ""
