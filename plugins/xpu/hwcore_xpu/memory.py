"""Free device memory without a device context: Level Zero Sysman first, then torch.

Memory in use is torch's answer (the core's ``torch_memory_in_use("xpu", ...)``); block
copies are the core's, on ``xpu`` tensors. Free memory is asked of Sysman where
``pyzes`` works, since that creates no XPU context, and of ``torch.xpu.mem_get_info``
only once the engine has initialised XPU itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from hwcore.plugin_api import DeviceInfo, sysfs_root
from hwcore_xpu import inventory, levelzero, torch_xpu


def free_memory(device: DeviceInfo, environ: Mapping[str, str]) -> int | None:
    """Free bytes on ``device``, or ``None`` when neither Sysman nor torch can say."""
    from_level_zero = _from_level_zero(device, environ)
    if from_level_zero is not None:
        return from_level_zero
    return torch_xpu.free_memory(device.index)


def _from_level_zero(device: DeviceInfo, environ: Mapping[str, str]) -> int | None:
    found = inventory.probe(sysfs_root(environ))
    if not isinstance(found, inventory.Inventory) or found.source != inventory.LEVEL_ZERO:
        return None
    gpus, visibility = found.visible(environ)
    if device.index >= len(visibility.devices):
        return None
    visible = visibility.devices[device.index]
    if visible.index != device.physical_index:  # the variables changed since detection
        return None
    return levelzero.free_memory(gpus[visible.card].source_index, visible.tiles)
