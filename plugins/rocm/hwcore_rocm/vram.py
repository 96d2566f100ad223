"""VRAM in use from amdgpu's sysfs attributes, for when amdsmi cannot be used.

The amdgpu driver publishes ``mem_info_vram_used`` (bytes, all processes) under each GPU's
PCI device directory; reading it needs no library and no device context.
"""

from __future__ import annotations

import os


def vram_used(sysfs: str, pci_bus_id: str) -> int | None:
    """Bytes of VRAM in use on the GPU at ``pci_bus_id``, ``None`` when not published."""
    try:
        with open(os.path.join(sysfs, "bus/pci/devices", pci_bus_id, "mem_info_vram_used")) as file:
            return int(file.read())
    except (OSError, ValueError):
        return None
