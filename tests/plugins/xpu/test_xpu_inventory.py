"""The node's Intel GPUs from Level Zero, sysfs or torch, and which of them count."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from hwcore_xpu import inventory
from hwcore_xpu.inventory import IntelGpu, Inventory, NoGpu

GIB = 1 << 30
NO_PYZES = (
    "Level Zero not used: pyzes is not installed (pip install 'hwcore-xpu[levelzero]' for "
    "Level Zero)"
)
NO_TORCH = "torch is not imported (detection never imports it)"


def probe(root: str | Path) -> Inventory:
    found = inventory.probe(str(root))
    assert isinstance(found, Inventory), found
    return found


@pytest.mark.parametrize(
    ("node", "name", "segment", "architecture", "tiles"),
    [
        ("Max1550", "Intel(R) Data Center GPU Max 1550", "data-center", "Xe-HPC", (64 * GIB,) * 2),
        ("Max1100", "Intel(R) Data Center GPU Max 1100", "data-center", "Xe-HPC", (48 * GIB,)),
        ("Flex170", "Intel(R) Data Center GPU Flex 170", "data-center", "Xe-HPG", (16 * GIB,)),
        ("A770", "Intel(R) Arc(TM) A770 Graphics", "client", "Xe-HPG", (16 * GIB,)),
        ("B580", "Intel(R) Arc(TM) B580 Graphics", "client", "Xe2-HPG", (12 * GIB,)),
    ],
)
def test_each_model_from_sysfs_and_from_level_zero(
    sysfs_node: Callable[..., str], pyzes_node: Callable[..., ModuleType],
    node: str, name: str, segment: str, architecture: str, tiles: tuple[int, ...],
) -> None:
    root = sysfs_node(node)
    from_sysfs = probe(root)
    assert from_sysfs.source == "sysfs"
    assert from_sysfs.evidence == f"PCI sysfs lists 1 GPU: 1x {name}"
    assert from_sysfs.skipped_sources == (NO_PYZES,)
    (gpu,) = from_sysfs.gpus
    assert (gpu.name, gpu.segment, gpu.architecture, gpu.tile_memory) == (
        name, segment, architecture, tiles)
    assert (gpu.pci_address, gpu.numa_node, gpu.kernel_driver) == ("0000:3a:00.0", 0, "xe")

    pyzes_node(node)
    from_level_zero = probe(root)
    assert from_level_zero.source == "levelzero"
    assert from_level_zero.evidence == (
        f"Level Zero Sysman reports 1 GPU: 1x {name} (driver 1.6.32224.5)")
    (gpu,) = from_level_zero.gpus
    assert (gpu.name, gpu.segment, gpu.architecture, gpu.tile_memory) == (
        name, segment, architecture, tiles)
    # Level Zero gives the driver version; sysfs (found by address) adds NUMA and kernel driver.
    assert (gpu.driver_version, gpu.numa_node, gpu.kernel_driver) == ("1.6.32224.5", 0, "xe")


def test_integrated_only_laptop_counts_its_core_ultra_gpu(
    sysfs_node: Callable[..., str],
) -> None:
    found = probe(sysfs_node("laptop"))
    (gpu,) = found.gpus
    assert (gpu.name, gpu.integrated, gpu.tile_memory, gpu.kernel_driver) == (
        "Intel(R) Arc(TM) Graphics", True, (None,), "i915")
    assert found.ignored == (
        "0000:00:0b.0 (8086:7d1d): Intel accelerator device not in hwcore-xpu's table of "
        "XPU GPUs",
    )


def test_an_old_desktop_igpu_is_not_an_xpu(sysfs_node: Callable[..., str]) -> None:
    root = sysfs_node("old-desktop")
    assert inventory.probe(str(root)) == NoGpu(
        f"{NO_PYZES}; {root}/bus/pci/devices lists no GPU torch.xpu runs on: "
        "0000:00:02.0 (8086:4680) Intel(R) UHD/Iris(R) Xe Graphics (Alder Lake) (Xe-LP): "
        f"not a PyTorch XPU target; {NO_TORCH}"
    )


def test_an_old_igpu_from_level_zero_is_not_an_xpu_either(
    sysfs_node: Callable[..., str], pyzes_node: Callable[..., ModuleType],
) -> None:
    pyzes_node("old-desktop")
    assert inventory.probe(sysfs_node("old-desktop")) == NoGpu(
        "Level Zero Sysman reports no GPU that torch.xpu runs on; 0000:00:02.0 Intel(R) UHD "
        "Graphics 770 (Xe-LP): not a PyTorch XPU target"
    )


def test_a_gpu_passed_to_a_vm_does_not_count(tmp_path: Path, fakes: ModuleType) -> None:
    vfio = dataclasses.replace(fakes.gpus("A770")[0], driver="vfio-pci")
    root = fakes.write_sysfs(tmp_path, [vfio])
    assert inventory.probe(str(root)) == NoGpu(
        f"{NO_PYZES}; {root}/bus/pci/devices lists no GPU torch.xpu runs on: 0000:3a:00.0 "
        "(8086:56a0) Intel(R) Arc(TM) A770 Graphics: bound to vfio-pci, not i915 or xe, so "
        f"Level Zero cannot use it; {NO_TORCH}"
    )


def test_an_unknown_intel_display_device(tmp_path: Path, fakes: ModuleType) -> None:
    unknown = dataclasses.replace(fakes.gpus("A770")[0], device_id=0x1234)
    root = fakes.write_sysfs(tmp_path, [unknown])
    found = inventory.probe(str(root))
    assert isinstance(found, NoGpu)
    assert "0000:3a:00.0 (8086:1234): Intel display device not in hwcore-xpu's table" in (
        found.reason)


def test_this_machine_without_intel_gpus(tmp_path: Path, fakes: ModuleType) -> None:
    root = fakes.write_sysfs(tmp_path, [])
    assert inventory.probe(str(root)) == NoGpu(
        f"{NO_PYZES}; {root}/bus/pci/devices lists no Intel display or accelerator device; "
        f"{NO_TORCH}"
    )


def test_no_sysfs_and_torch_as_the_last_resort(
    tmp_path: Path, imported_torch: Callable[..., SimpleNamespace],
) -> None:
    imported_torch(devices=2)
    found = probe(tmp_path / "no-sysfs")
    assert found.source == "torch"
    assert found.evidence == "torch 2.13.0+xpu sees 2 XPU device(s)"
    assert found.skipped_sources == (
        NO_PYZES, f"{tmp_path / 'no-sysfs'}/bus/pci/devices cannot be read (No such file or "
        "directory)")
    assert [(g.name, g.tile_memory, g.compute_units) for g in found.gpus] == [
        ("Intel(R) Data Center GPU Max 1550", (64 * GIB,), 512)] * 2
    _, visibility = found.visible({"ZE_AFFINITY_MASK": "garbage, torch applied it"})
    assert [d.label for d in visibility.devices] == ["0", "1"]
    assert visibility.hierarchy == "as torch.xpu applies it"


def test_uninitialised_torch_gives_counts_without_names(
    tmp_path: Path, imported_torch: Callable[..., SimpleNamespace],
) -> None:
    imported_torch(devices=1, initialised=False)
    found = probe(tmp_path)
    assert found.evidence == (
        "torch 2.13.0+xpu sees 1 XPU device(s) (properties not read: XPU is not initialised)")
    assert [(g.name, g.segment, g.tile_memory) for g in found.gpus] == [
        ("Intel GPU", "client", (None,))]


def test_level_zero_that_reports_nothing(
    sysfs_node: Callable[..., str], pyzes_node: Callable[..., ModuleType],
) -> None:
    pyzes_node("empty")
    assert inventory.probe(sysfs_node("laptop")) == NoGpu(
        "Level Zero Sysman reports no GPU that torch.xpu runs on")


def test_mixed_node_in_level_zero_order(sysfs_node: Callable[..., str]) -> None:
    found = probe(sysfs_node("mixed"))
    gpus, visibility = found.visible({})
    assert [g.name for g in gpus] == [
        "Intel(R) Arc(TM) A770 Graphics", "Intel(R) Arc(TM) B580 Graphics",
        "Intel(R) Arc(TM) Graphics"]
    assert [d.label for d in visibility.devices] == ["0", "1"]
    assert visibility.evidence == (
        "integrated GPU (card 2) left out: torch.xpu counts integrated GPUs only when no "
        "discrete GPU is visible",)
    gpus, _ = found.visible({"ZE_ENABLE_PCI_ID_DEVICE_ORDER": "1"})
    assert gpus[0].name == "Intel(R) Arc(TM) Graphics"


def test_memory_of_chosen_tiles() -> None:
    gpu = IntelGpu("g", "data-center", (4, None), 0)
    assert (gpu.memory((0,)), gpu.memory((1,)), gpu.memory((0, 1))) == (4, None, None)
    assert IntelGpu("g", "client", (4, 5), 0).memory((0, 1)) == 9
