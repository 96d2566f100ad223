"""Free memory: Level Zero Sysman first (no device context), torch only once initialised."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType, SimpleNamespace

from hwcore.plugin_api import DeviceInfo
from hwcore_xpu.memory import free_memory

GIB = 1 << 30
FREE_TILE = 64 * GIB - (512 << 20)


def tile(index: int, physical: int) -> DeviceInfo:
    return DeviceInfo(index=index, physical_index=physical, name="Intel(R) Data Center GPU Max 1550")


def test_each_tile_of_two_cards(
    sysfs_node: Callable[..., str], pyzes_node: Callable[..., ModuleType],
) -> None:
    pyzes_node("2xMax1550")
    environ = {"HWCORE_SYSFS_ROOT": sysfs_node("2xMax1550"), "ZE_AFFINITY_MASK": "1,3"}
    assert free_memory(tile(0, 1), environ) == FREE_TILE
    assert free_memory(tile(1, 3), environ) == FREE_TILE


def test_a_changed_visibility_is_not_guessed(
    sysfs_node: Callable[..., str], pyzes_node: Callable[..., ModuleType],
    imported_torch: Callable[..., SimpleNamespace],
) -> None:
    pyzes_node("2xMax1550")
    environ = {"HWCORE_SYSFS_ROOT": sysfs_node("2xMax1550"), "ZE_AFFINITY_MASK": "2"}
    # Detected as physical tile 1, but the mask now says tile 2: ask torch, not Sysman.
    assert free_memory(tile(0, 1), environ) is None
    imported_torch(devices=1, initialised=True)
    assert free_memory(tile(0, 1), environ) == 60 * GIB


def test_sysfs_alone_cannot_tell(sysfs_node: Callable[..., str]) -> None:
    assert free_memory(tile(0, 0), {"HWCORE_SYSFS_ROOT": sysfs_node("Max1550")}) is None
