"""ONEAPI_DEVICE_SELECTOR after the mask (through map_visible_devices)."""

from __future__ import annotations

import pytest

from hwcore_xpu.visibility import (
    Card,
    VisibleDevicesError,
    map_visible_devices,
)

MAX1550 = Card(tiles=2, multi_tile_default_flat=True)
ARC = Card(tiles=1)
TWO_MAX = [MAX1550, MAX1550]


def labels(cards: list[Card], **environ: str) -> list[str]:
    return [device.label for device in map_visible_devices(cards, environ).devices]



def error(cards: list[Card], **environ: str) -> str:
    with pytest.raises(VisibleDevicesError) as raised:
        map_visible_devices(cards, environ)
    return str(raised.value)


# ------------------------------------------------------------------------ SYCL selector


def test_selector_as_ray_sets_it_selects_by_level_zero_index() -> None:
    visibility = map_visible_devices(
        [ARC, ARC, ARC], {"ONEAPI_DEVICE_SELECTOR": "level_zero:2,0"}
    )
    assert [d.label for d in visibility.devices] == ["0", "2"]
    assert visibility.evidence == (
        "ONEAPI_DEVICE_SELECTOR='level_zero:2,0' selects card 0, card 2",
    )


def test_selector_indices_count_what_the_mask_left() -> None:
    assert labels(TWO_MAX, ZE_AFFINITY_MASK="2,3", ONEAPI_DEVICE_SELECTOR="level_zero:1") == [
        "1.1"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("level_zero:*", ["0", "1"]),
        ("*:gpu", ["0", "1"]),
        ("LEVEL_ZERO:GPU", ["0", "1"]),
        ("!level_zero:0", ["1"]),
        ("level_zero:*;!level_zero:1", ["0"]),
        ("opencl:*;level_zero:1", ["1"]),
    ],
)
def test_selector_terms(value: str, expected: list[str]) -> None:
    assert labels([ARC, ARC], ONEAPI_DEVICE_SELECTOR=value) == expected


@pytest.mark.parametrize("value", ["opencl:gpu", "!level_zero:*", "level_zero:cpu"])
def test_selector_that_selects_no_level_zero_gpu_hides_them_all(value: str) -> None:
    visibility = map_visible_devices([ARC, ARC], {"ONEAPI_DEVICE_SELECTOR": value})
    assert visibility.devices == ()
    assert visibility.note == (
        f"ONEAPI_DEVICE_SELECTOR={value!r} selects no Level Zero GPU, and torch.xpu uses only "
        "Level Zero; unset it, or select GPUs with ONEAPI_DEVICE_SELECTOR=level_zero:*"
    )


@pytest.mark.parametrize("term", ["level_zero", "gpu:0", "level_zero:"])
def test_malformed_selector_terms(term: str) -> None:
    assert error([ARC], ONEAPI_DEVICE_SELECTOR=term) == (
        f"ONEAPI_DEVICE_SELECTOR={term!r}: term {term!r} is not backend:devices; write terms "
        "such as ONEAPI_DEVICE_SELECTOR=level_zero:0,1 or level_zero:gpu, separated by ';' "
        "(backends: level_zero, opencl, cuda, hip, native_cpu, *)"
    )


def test_selector_index_out_of_range() -> None:
    assert error([ARC, ARC], ONEAPI_DEVICE_SELECTOR="level_zero:2") == (
        "ONEAPI_DEVICE_SELECTOR='level_zero:2': Level Zero device 2 (in 'level_zero:2') does "
        "not exist; ZE_AFFINITY_MASK and the hierarchy leave 2 devices (indices 0-1)"
    )


def test_selector_sub_devices_are_not_mapped() -> None:
    assert error([MAX1550], ONEAPI_DEVICE_SELECTOR="level_zero:0.*") == (
        "ONEAPI_DEVICE_SELECTOR='level_zero:0.*': '0.*' in 'level_zero:0.*' asks SYCL to split "
        "devices into sub-devices, which hwcore-xpu does not map; select tiles with "
        "ZE_AFFINITY_MASK (and ZE_FLAT_DEVICE_HIERARCHY=COMPOSITE for card.tile entries)"
    )


def test_selector_unknown_device_word() -> None:
    assert error([ARC], ONEAPI_DEVICE_SELECTOR="level_zero:npu") == (
        "ONEAPI_DEVICE_SELECTOR='level_zero:npu': 'npu' in 'level_zero:npu' is not a device; "
        "use an index, '*', 'gpu', 'cpu' or 'fpga'"
    )
