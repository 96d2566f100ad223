"""Reading Intel GPUs from a PCI sysfs tree (fake trees written by the tests)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from hwcore_xpu import sysfs


def test_a_max_1550_node(sysfs_node: Callable[..., str], fakes: ModuleType) -> None:
    found = sysfs.list_intel_gpus(sysfs_node("Max1550"))
    assert found == (
        sysfs.PciGpu("0000:3a:00.0", 0x0BD5, 0x038000, "xe", 0, (64 * fakes.GIB,) * 2),
    )


def test_the_newer_xe_memory_layout(sysfs_node: Callable[..., str], fakes: ModuleType) -> None:
    (gpu,) = sysfs.list_intel_gpus(sysfs_node("B580", new_memory_layout=True))  # type: ignore[misc]
    assert gpu.tile_memory == (12 * fakes.GIB,)


def test_i915_publishes_no_tiles_and_the_npu_is_listed_as_an_accelerator(
    sysfs_node: Callable[..., str],
) -> None:
    igpu, npu = sysfs.list_intel_gpus(sysfs_node("laptop"))  # type: ignore[misc]
    assert (igpu.address, igpu.driver, igpu.tile_memory, igpu.base_class) == (
        "0000:00:02.0", "i915", (), 0x03)
    assert (npu.device_id, npu.base_class, npu.driver) == (0x7D1D, 0x12, "intel_vpu")


def test_unbound_devices_and_missing_numa(tmp_path: Path, fakes: ModuleType) -> None:
    unbound = dataclasses.replace(fakes.gpus("A770")[0], driver=None, numa_node=-1)
    root = fakes.write_sysfs(tmp_path, [unbound])
    (found,) = sysfs.list_intel_gpus(str(root))  # type: ignore[misc]
    assert (found.driver, found.numa_node) == (None, None)


def test_no_intel_devices_is_an_empty_tuple(tmp_path: Path, fakes: ModuleType) -> None:
    assert sysfs.list_intel_gpus(str(fakes.write_sysfs(tmp_path, []))) == ()


def test_unreadable_root(tmp_path: Path) -> None:
    assert sysfs.list_intel_gpus(str(tmp_path / "nowhere")) == sysfs.SysfsUnavailable(
        f"{tmp_path / 'nowhere' / 'bus/pci/devices'} cannot be read (No such file or directory)"
    )


def test_garbage_files_are_skipped_not_fatal(tmp_path: Path) -> None:
    device = tmp_path / "bus/pci/devices/0000:05:00.0"
    device.mkdir(parents=True)
    (device / "vendor").write_text("0x8086\n")
    (device / "class").write_text("not hex\n")
    (device / "device").write_text("0x56a0\n")
    assert sysfs.list_intel_gpus(str(tmp_path)) == ()
