"""The device hierarchy, device order and the integrated-GPU rule, as pure functions."""

from __future__ import annotations

import re

import pytest

from hwcore_xpu.visibility import (
    Card,
    VisibleDevicesError,
    card_order,
    map_visible_devices,
)

MAX1550 = Card(tiles=2, multi_tile_default_flat=True)
ARC = Card(tiles=1)
IGPU = Card(tiles=1, integrated=True)
TWO_MAX = [MAX1550, MAX1550]


def labels(cards: list[Card], **environ: str) -> list[str]:
    return [device.label for device in map_visible_devices(cards, environ).devices]


def indices(cards: list[Card], **environ: str) -> list[int]:
    return [device.index for device in map_visible_devices(cards, environ).devices]


def error(cards: list[Card], **environ: str) -> str:
    with pytest.raises(VisibleDevicesError) as raised:
        map_visible_devices(cards, environ)
    return str(raised.value)


# --------------------------------------------------------------------------- hierarchy


def test_unset_hierarchy_is_flat_on_max_series_and_composite_elsewhere() -> None:
    assert map_visible_devices(TWO_MAX, {}).hierarchy == "FLAT"
    assert labels(TWO_MAX) == ["0.0", "0.1", "1.0", "1.1"]
    assert indices(TWO_MAX) == [0, 1, 2, 3]
    assert map_visible_devices([ARC, ARC], {}).hierarchy == "COMPOSITE"
    assert labels([ARC, ARC]) == ["0", "1"]


@pytest.mark.parametrize(
    ("hierarchy", "expected"),
    [
        ("FLAT", ["0.0", "0.1", "1.0", "1.1"]),
        ("COMBINED", ["0.0", "0.1", "1.0", "1.1"]),
        ("COMPOSITE", ["0", "1"]),
    ],
)
def test_each_hierarchy_exposes_tiles_or_cards(hierarchy: str, expected: list[str]) -> None:
    assert labels(TWO_MAX, ZE_FLAT_DEVICE_HIERARCHY=hierarchy) == expected


def test_one_tile_cards_are_whole_devices_in_every_hierarchy() -> None:
    for hierarchy in ("FLAT", "COMPOSITE", "COMBINED"):
        assert labels([MAX1550, ARC], ZE_FLAT_DEVICE_HIERARCHY=hierarchy)[-1] == "1"


def test_an_unknown_hierarchy_is_an_error() -> None:
    assert error(TWO_MAX, ZE_FLAT_DEVICE_HIERARCHY="flat") == (
        "ZE_FLAT_DEVICE_HIERARCHY='flat' is not a Level Zero device hierarchy, and the driver "
        "would silently use its default instead; set it to FLAT (each tile a device), "
        "COMPOSITE (each card a device) or COMBINED, in capitals, or unset it"
    )


# ----------------------------------------------------------------- integrated and order


def test_integrated_gpu_is_left_out_when_a_discrete_gpu_is_visible() -> None:
    visibility = map_visible_devices([ARC, IGPU], {})
    assert [d.label for d in visibility.devices] == ["0"]
    assert visibility.evidence == (
        "integrated GPU (card 1) left out: torch.xpu counts integrated GPUs only when no "
        "discrete GPU is visible",
    )


def test_integrated_gpu_counts_when_it_is_the_only_one_visible() -> None:
    assert labels([IGPU]) == ["0"]
    assert labels([ARC, IGPU], ZE_AFFINITY_MASK="1") == ["1"]


def test_card_order_puts_discrete_first_then_pci_order() -> None:
    addresses = [(0, 0, 2, 0), (0, 0x4A, 0, 0), (0, 0x3A, 0, 0)]
    integrated = [True, False, False]
    assert card_order(addresses, integrated, {}) == [2, 1, 0]
    assert card_order(addresses, integrated, {"ZE_ENABLE_PCI_ID_DEVICE_ORDER": "1"}) == [0, 2, 1]


def test_pci_order_variable_must_be_zero_or_one() -> None:
    with pytest.raises(VisibleDevicesError, match=re.escape(
        "ZE_ENABLE_PCI_ID_DEVICE_ORDER='yes' is neither 0 nor 1; set it to 1 to number GPUs "
        "in PCI bus order, or unset it to list discrete GPUs before integrated ones"
    )):
        card_order([(0, 0, 2, 0)], [True], {"ZE_ENABLE_PCI_ID_DEVICE_ORDER": "yes"})
