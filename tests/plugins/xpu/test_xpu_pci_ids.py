"""The PCI device-id table: the parts vLLM users run, named as Level Zero names them."""

from __future__ import annotations

import pytest

from hwcore_xpu.pci_ids import CLIENT, DATA_CENTER, INTEGRATED, MODELS, GpuModel, lookup


@pytest.mark.parametrize(
    ("device_id", "model"),
    [
        (0x0BD5, GpuModel("Intel(R) Data Center GPU Max 1550", "Xe-HPC", DATA_CENTER, tiles=2)),
        (0x0BDA, GpuModel("Intel(R) Data Center GPU Max 1100", "Xe-HPC", DATA_CENTER)),
        (0x56C0, GpuModel("Intel(R) Data Center GPU Flex 170", "Xe-HPG", DATA_CENTER)),
        (0x56C1, GpuModel("Intel(R) Data Center GPU Flex 140", "Xe-HPG", DATA_CENTER)),
        (0x56A0, GpuModel("Intel(R) Arc(TM) A770 Graphics", "Xe-HPG", CLIENT)),
        (0x5690, GpuModel("Intel(R) Arc(TM) A770M Graphics", "Xe-HPG", CLIENT)),
        (0xE20B, GpuModel("Intel(R) Arc(TM) B580 Graphics", "Xe2-HPG", CLIENT)),
        (0xE211, GpuModel("Intel(R) Arc(TM) Pro B60 Graphics", "Xe2-HPG", CLIENT)),
        (0x7D55, GpuModel("Intel(R) Arc(TM) Graphics", "Xe-LPG", INTEGRATED)),
        (0x64A0, GpuModel("Intel(R) Arc(TM) 130V/140V Graphics", "Xe2-LPG", INTEGRATED)),
        (0xB080, GpuModel("Intel(R) Arc(TM) B390 Graphics", "Xe3-LPG", INTEGRATED)),
    ],
)
def test_parts_vllm_users_run(device_id: int, model: GpuModel) -> None:
    assert lookup(device_id) == model
    assert model.is_xpu_target


def test_every_max_series_part_but_the_1100_has_two_tiles() -> None:
    max_series = {i: m for i, m in MODELS.items() if m.architecture == "Xe-HPC"}
    assert {i for i, m in max_series.items() if m.tiles == 1} == {0x0BD9, 0x0BDA, 0x0BDB, 0x0B6E}
    assert all(m.tiles in (1, 2) for m in max_series.values())
    assert all(m.tiles == 1 for m in MODELS.values() if m.architecture != "Xe-HPC")


def test_xe_lp_graphics_are_named_but_not_xpu_targets() -> None:
    uhd770 = lookup(0x4680)
    assert uhd770 is not None
    assert (uhd770.architecture, uhd770.is_xpu_target) == ("Xe-LP", False)


def test_names_carry_no_doubled_spaces_and_unknown_ids_are_none() -> None:
    assert all("  " not in m.name and m.name == m.name.strip() for m in MODELS.values())
    assert lookup(0x7D1D) is None  # Meteor Lake's NPU is not a GPU
