"""Intel GPUs as the kernel lists them under ``<sysfs root>/bus/pci/devices``.

No driver library is loaded and no device is opened: every fact is a small text file or a
symlink the kernel publishes for any PCI device, plus two the ``xe`` driver adds:

* ``vendor`` (``0x8086``), ``device``, ``class`` (``0x03xxxx`` display or ``0x12xxxx``
  processing accelerator), ``numa_node`` (``-1``: none), and ``driver`` (a symlink whose
  name is the bound kernel driver: ``i915``, ``xe``, ``vfio-pci``; absent when unbound);
* ``tile<N>/`` per tile, holding the tile's local memory in bytes as
  ``physical_vram_size_bytes`` or, in newer kernels, ``memory/physical_vram_size_bytes``
  (``drivers/gpu/drm/xe/xe_tile_sysfs.c``). The ``i915`` driver publishes neither, so
  memory on i915 comes only from Level Zero (install ``hwcore-xpu[levelzero]``).

The root is injectable (``HWCORE_SYSFS_ROOT``), so tests and containers that mount the
host's ``/sys`` elsewhere point it at the right tree. Paths are strings and reads plain
``open`` calls: detection runs in every process, and pathlib costs start-up time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hwcore_xpu.pci_ids import INTEL_VENDOR_ID

PCI_DEVICES = "bus/pci/devices"
DISPLAY_CLASS = 0x03
ACCELERATOR_CLASS = 0x12
_TILE_MEMORY_FILES = ("physical_vram_size_bytes", "memory/physical_vram_size_bytes")


@dataclass(frozen=True)
class PciGpu:
    """One Intel display or accelerator PCI function; ``None``: the file is not there."""

    address: str
    device_id: int
    class_code: int
    driver: str | None
    numa_node: int | None
    tile_memory: tuple[int | None, ...]  # one entry per xe ``tile<N>`` directory

    @property
    def base_class(self) -> int:
        return self.class_code >> 16


@dataclass(frozen=True)
class SysfsUnavailable:
    """The PCI device directory cannot be read (no Linux sysfs, or it is not mounted)."""

    reason: str


def list_intel_gpus(root: str) -> tuple[PciGpu, ...] | SysfsUnavailable:
    """Every Intel PCI function of display or accelerator class under ``root``, by address."""
    directory = os.path.join(root, PCI_DEVICES)
    try:
        addresses = sorted(os.listdir(directory))
    except OSError as error:
        return SysfsUnavailable(f"{directory} cannot be read ({error.strerror or error})")
    found = []
    for address in addresses:
        gpu = _read_function(os.path.join(directory, address), address)
        if gpu is not None:
            found.append(gpu)
    return tuple(found)


def _read_function(path: str, address: str) -> PciGpu | None:
    if _read_hex(os.path.join(path, "vendor")) != INTEL_VENDOR_ID:
        return None
    class_code = _read_hex(os.path.join(path, "class"))
    device_id = _read_hex(os.path.join(path, "device"))
    if class_code is None or device_id is None:
        return None
    if class_code >> 16 not in (DISPLAY_CLASS, ACCELERATOR_CLASS):
        return None
    return PciGpu(
        address=address,
        device_id=device_id,
        class_code=class_code,
        driver=_driver(path),
        numa_node=_numa_node(path),
        tile_memory=_tile_memory(path),
    )


def _driver(path: str) -> str | None:
    try:
        return os.path.basename(os.readlink(os.path.join(path, "driver")))
    except OSError:
        return None


def _numa_node(path: str) -> int | None:
    text = _read(os.path.join(path, "numa_node"))
    if text is None or not text.lstrip("-").isdigit():
        return None
    node = int(text)
    return node if node >= 0 else None


def _tile_memory(path: str) -> tuple[int | None, ...]:
    try:
        names = os.listdir(path)
    except OSError:
        return ()
    tiles = sorted(
        int(name[4:]) for name in names if name.startswith("tile") and name[4:].isdigit()
    )
    return tuple(_tile_bytes(os.path.join(path, f"tile{tile}")) for tile in tiles)


def _tile_bytes(tile: str) -> int | None:
    for name in _TILE_MEMORY_FILES:
        text = _read(os.path.join(tile, name))
        if text is not None and text.isdigit():
            return int(text)
    return None


def _read_hex(path: str) -> int | None:
    text = _read(path)
    try:
        return None if text is None else int(text, 16)
    except ValueError:
        return None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as file:
            return file.read().strip()
    except OSError:
        return None
