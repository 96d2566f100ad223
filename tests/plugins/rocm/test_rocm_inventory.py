"""The node's GPUs: amdsmi first, the KFD topology when amdsmi cannot be used."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from hwcore.plugin_api import DeviceCapability
from hwcore_rocm import inventory

GIB = 1 << 30


@pytest.mark.parametrize(
    ("model", "name", "architecture", "capability", "memory_gib", "units"),
    [
        ("MI300X", "AMD Instinct MI300X", "gfx942", (9, 4), 192.0, 304),
        ("MI325X", "AMD Instinct MI325X", "gfx942", (9, 4), 256.0, 304),
        ("MI355X", "AMD Instinct MI355X", "gfx950", (9, 5), 288.0, 256),
        ("MI250X", "AMD Instinct MI250X/MI250", "gfx90a", (9, 0), 64.0, 110),
        ("MI210", "AMD Instinct MI210", "gfx90a", (9, 0), 64.0, 104),
        ("RX7900XTX", "AMD Radeon RX7900XTX", "gfx1100", (11, 0), 24.0, 96),
        ("RX9070XT", "AMD Radeon RX9070XT", "gfx1201", (12, 0), 15.9, 64),
    ],
)
def test_each_model_through_amdsmi(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path], model: str, name: str,
    architecture: str, capability: tuple[int, int], memory_gib: float, units: int,
) -> None:
    fake_amdsmi(f"2x{model}")
    found = inventory.probe(*empty_roots)
    assert isinstance(found, inventory.Inventory)
    assert found.source == "amdsmi"
    assert found.evidence == f"amdsmi 25.5.1 reports 2 AMD GPUs: 2x {name} ({architecture})"
    gpu = found.gpu(1)
    assert (gpu.physical_index, gpu.name, gpu.architecture) == (1, name, architecture)
    assert gpu.capability == DeviceCapability(*capability)
    assert round(gpu.total_memory / GIB, 1) == memory_gib  # type: ignore[operator]
    assert gpu.compute_units == units
    assert found.hip_order == (0, 1)


@pytest.mark.parametrize(
    ("node", "connected"),
    [("8xMI300X", True), ("8xMI325X", True), ("8xMI355X", True), ("8xMI250X", False),
     ("4xMI210", False), ("2xRX7900XTX", False)],
)
def test_xgmi_full_connectivity(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path], node: str,
    connected: bool,
) -> None:
    fake_amdsmi(node)
    found = inventory.probe(*empty_roots)
    assert isinstance(found, inventory.Inventory)
    everyone = list(range(len(found.gpus)))
    assert found.fully_connected(everyone) is connected


def test_mi250x_dies_of_one_card_are_one_hop_apart(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    fake_amdsmi("8xMI250X")
    found = inventory.probe(*empty_roots)
    assert isinstance(found, inventory.Inventory)
    assert found.fully_connected([0, 1]) is True
    assert found.fully_connected([0, 1, 2]) is False
    assert found.fully_connected([5]) is True  # one GPU has no pair to check


def test_a_mixed_node_maps_amdsmi_order_to_hip_order(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    fake_amdsmi("MI210+RX7900XTX")  # the fake numbers HIP in reverse on mixed nodes
    found = inventory.probe(*empty_roots)
    assert isinstance(found, inventory.Inventory)
    assert [g.name for g in found.gpus] == ["AMD Instinct MI210", "AMD Radeon RX7900XTX"]
    assert found.hip_order == (1, 0)
    assert found.notes == ()


def test_without_hip_ids_amdsmi_order_is_assumed_and_said(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    fake_amdsmi("MI210+RX7900XTX@amdsmi6")
    found = inventory.probe(*empty_roots)
    assert isinstance(found, inventory.Inventory)
    assert found.hip_order == (0, 1)
    assert found.notes == (
        "amdsmi does not report HIP device ids (amdsmi 7 does), so HIP is assumed to number "
        "the GPUs in amdsmi's order",
    )


def test_amdsmi_unavailable_falls_back_to_the_kfd_topology(
    broken_amdsmi: Callable[[str], None], kfd_tree: Callable[..., tuple[Path, Path]],
) -> None:
    broken_amdsmi("missing")
    sysfs, dev = kfd_tree(["MI300X"] * 8)
    found = inventory.probe(sysfs, dev)
    assert isinstance(found, inventory.Inventory)
    assert found.source == "kfd"
    assert found.evidence == (
        f"the KFD topology at {sysfs / 'class/kfd/kfd/topology/nodes'} lists 8 AMD GPUs: "
        "8x AMD Instinct MI300X (gfx942) (amdsmi not used: amdsmi cannot load libamd_smi.so "
        "(KeyError: 'libamd_smi.so'; it printed: Unable to find libamd_smi.so library try "
        "installing amd-smi-lib from your package manager); install ROCm's amd-smi-lib or "
        "point ROCM_PATH at the ROCm install)"
    )
    assert found.fully_connected(list(range(8))) is True
    assert found.gpu(3).runtime_uuid == found.gpu(3).uuid == "GPU-5a2c3f1e8b7d4c03"
    assert found.gpu(0).capability == DeviceCapability(9, 4)


def test_kfd_names_gpus_the_table_does_not_know_by_architecture(
    kfd_tree: Callable[..., tuple[Path, Path]],
) -> None:
    found = inventory.probe(*kfd_tree(["MI210"]))
    assert isinstance(found, inventory.Inventory)
    assert found.gpu(0).name == "AMD GPU gfx90a (device 0x740f)"


def test_amdsmi_with_no_gpus_still_tries_kfd(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    fake_amdsmi("no-gpus")
    sysfs, _ = empty_roots
    assert inventory.probe(*empty_roots) == inventory.NoGpu(
        "amdsmi reports no AMD GPU; no KFD topology at "
        f"{sysfs / 'class/kfd/kfd/topology/nodes'} (amdgpu driver not loaded)"
    )


def test_nothing_found_names_both_paths(empty_roots: tuple[Path, Path]) -> None:
    sysfs, _ = empty_roots
    assert inventory.probe(*empty_roots) == inventory.NoGpu(
        "amdsmi is not installed (pip install 'hwcore-rocm[amdsmi]', matching your ROCm "
        f"release); no KFD topology at {sysfs / 'class/kfd/kfd/topology/nodes'} (amdgpu "
        "driver not loaded)"
    )


def test_an_architecture_vllm_does_not_know_keeps_its_error(
    fake_amdsmi: Callable[..., object], fakes: ModuleType, empty_roots: tuple[Path, Path],
) -> None:
    node = fakes.node("MI300X")
    node.gpus[0].target = "gfx1300"
    fake_amdsmi(node)
    found = inventory.probe(*empty_roots)
    assert isinstance(found, inventory.Inventory)
    gpu = found.gpu(0)
    assert (gpu.capability, gpu.predates_gfx9) == (None, False)
    assert gpu.capability_error == (
        "Parsed unknown ROCm architecture from GCN arch 'gfx1300': major=13, minor=0. Major "
        "version > 12 is beyond currently known AMD generations. Please file an hwcore-rocm "
        "issue naming your GPU model."
    )


def test_a_gpu_before_gfx9_is_marked(
    fake_amdsmi: Callable[..., object], fakes: ModuleType, empty_roots: tuple[Path, Path],
) -> None:
    node = fakes.node("RX7900XTX")
    node.gpus[0].target, node.gpus[0].device_id = "gfx803", "0x67df"  # an RX 580
    fake_amdsmi(node)
    found = inventory.probe(*empty_roots)
    assert isinstance(found, inventory.Inventory)
    gpu = found.gpu(0)
    assert (gpu.name, gpu.capability, gpu.predates_gfx9) == ("Radeon RX 7900 XTX", None, True)
    assert gpu.capability_error is not None and "major=8" in gpu.capability_error
