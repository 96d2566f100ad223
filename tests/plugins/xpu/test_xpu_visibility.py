"""ZE_FLAT_DEVICE_HIERARCHY, ZE_AFFINITY_MASK and ONEAPI_DEVICE_SELECTOR as pure functions."""

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


# ------------------------------------------------------------------ mask, FLAT / COMBINED


@pytest.mark.parametrize("hierarchy", ["FLAT", "COMBINED"])
def test_flat_mask_selects_tiles_by_flat_index(hierarchy: str) -> None:
    visibility = map_visible_devices(
        TWO_MAX, {"ZE_FLAT_DEVICE_HIERARCHY": hierarchy, "ZE_AFFINITY_MASK": "1,2"}
    )
    assert [d.label for d in visibility.devices] == ["0.1", "1.0"]
    assert [d.index for d in visibility.devices] == [1, 2]
    assert visibility.evidence == (
        f"ZE_AFFINITY_MASK='1,2' ({hierarchy} hierarchy) selects card 0 tile 1, card 1 tile 0",
    )


def test_mask_order_does_not_reorder_devices() -> None:
    # Level Zero keeps its own device order whatever the order of the entries.
    assert labels(TWO_MAX, ZE_AFFINITY_MASK="3,0") == ["0.0", "1.1"]


def test_one_tile_of_a_max_1550_in_default_flat_mode() -> None:
    assert labels([MAX1550], ZE_AFFINITY_MASK="1") == ["0.1"]


def test_card_tile_entries_in_flat_mode_are_an_error_naming_both_fixes() -> None:
    assert error([MAX1550], ZE_AFFINITY_MASK="0.1") == (
        "ZE_AFFINITY_MASK='0.1': entry '0.1' names tile 1 of card 0, but in the FLAT "
        "hierarchy every tile is a device of its own and Level Zero ignores card.tile "
        "entries (hiding the device); write 1 for that tile, or set "
        "ZE_FLAT_DEVICE_HIERARCHY=COMPOSITE to address tiles as card.tile"
    )


def test_card_tile_entry_for_a_missing_tile_in_flat_mode_names_only_the_hierarchy_fix() -> None:
    assert error([MAX1550], ZE_AFFINITY_MASK="3.0", ZE_FLAT_DEVICE_HIERARCHY="COMBINED") == (
        "ZE_AFFINITY_MASK='3.0': entry '3.0' names tile 0 of card 3, but in the COMBINED "
        "hierarchy every tile is a device of its own and Level Zero ignores card.tile "
        "entries (hiding the device); set ZE_FLAT_DEVICE_HIERARCHY=COMPOSITE to address "
        "tiles as card.tile"
    )


def test_flat_index_out_of_range() -> None:
    assert error(TWO_MAX, ZE_AFFINITY_MASK="0,4") == (
        "ZE_AFFINITY_MASK='0,4': entry '4' is not a device; in the FLAT hierarchy this node "
        "has 4 devices (indices 0-3), one per tile; use those indices"
    )


def test_flat_duplicate() -> None:
    assert error(TWO_MAX, ZE_AFFINITY_MASK="1, 1") == (
        "ZE_AFFINITY_MASK='1, 1': device 1 is listed twice (entries '1' and '1'); list each "
        "device once"
    )


@pytest.mark.parametrize(("value", "shown"), [("0,,1", "an empty entry"), ("0,x", "entry 'x'"),
                                              ("-1", "entry '-1'"), ("0,1,", "an empty entry")])
def test_flat_entries_that_are_not_indices(value: str, shown: str) -> None:
    assert error(TWO_MAX, ZE_AFFINITY_MASK=value) == (
        f"ZE_AFFINITY_MASK={value!r}: {shown} is not a device index; write comma-separated "
        "indices such as ZE_AFFINITY_MASK=0,1 (in the FLAT hierarchy each tile is one index)"
    )


def test_an_empty_mask_is_treated_as_unset_like_level_zero_does() -> None:
    visibility = map_visible_devices(TWO_MAX, {"ZE_AFFINITY_MASK": " "})
    assert len(visibility.devices) == 4
    assert visibility.evidence == (
        "ZE_AFFINITY_MASK is set but empty, which Level Zero treats as unset",
    )


# ---------------------------------------------------------------------- mask, COMPOSITE


def composite(**environ: str) -> dict[str, str]:
    return {"ZE_FLAT_DEVICE_HIERARCHY": "COMPOSITE", **environ}


def test_composite_tile_syntax_selects_one_tile() -> None:
    visibility = map_visible_devices(TWO_MAX, composite(ZE_AFFINITY_MASK="0.1"))
    (device,) = visibility.devices
    assert (device.label, device.index, device.tiles, device.whole_card) == ("0.1", 0, (1,), False)
    assert visibility.evidence == (
        "ZE_AFFINITY_MASK='0.1' (COMPOSITE hierarchy) selects card 0 tile 1",
    )


def test_composite_both_tiles_of_a_card_is_the_whole_card() -> None:
    visibility = map_visible_devices(TWO_MAX, composite(ZE_AFFINITY_MASK="0.0,0.1"))
    (device,) = visibility.devices
    assert (device.label, device.tiles, device.whole_card) == ("0", (0, 1), True)


def test_composite_cards_and_tiles_mixed() -> None:
    assert labels(TWO_MAX, **composite(ZE_AFFINITY_MASK="1,0.0")) == ["0.0", "1"]


def test_composite_tile_zero_of_a_one_tile_card_is_the_card() -> None:
    assert labels([ARC, ARC], **composite(ZE_AFFINITY_MASK="1.0")) == ["1"]


def test_composite_overlapping_entries_are_an_error() -> None:
    assert error(TWO_MAX, **composite(ZE_AFFINITY_MASK="0,0.1")) == (
        "ZE_AFFINITY_MASK='0,0.1': tile 1 of card 0 is listed twice (entries '0' and '0.1'); "
        "list each card or tile once"
    )


def test_composite_card_out_of_range() -> None:
    assert error(TWO_MAX, **composite(ZE_AFFINITY_MASK="2")) == (
        "ZE_AFFINITY_MASK='2': entry '2' names card 2, but this node has 2 cards "
        "(indices 0-1); use an existing card"
    )


def test_composite_tile_out_of_range() -> None:
    assert error(TWO_MAX, **composite(ZE_AFFINITY_MASK="1.2")) == (
        "ZE_AFFINITY_MASK='1.2': entry '1.2' names tile 2 of card 1, which has 2 tiles; "
        "use 1.0 or 1.1"
    )


@pytest.mark.parametrize("value", ["0.0.0", "a", "0.", ""])
def test_composite_malformed_entries(value: str) -> None:
    shown = "an empty entry" if value == "" else f"entry {value!r}"
    mask = f"0,{value}"
    assert error(TWO_MAX, **composite(ZE_AFFINITY_MASK=mask)) == (
        f"ZE_AFFINITY_MASK={mask!r}: {shown} is neither a card index nor card.tile; write "
        "entries such as ZE_AFFINITY_MASK=0 or ZE_AFFINITY_MASK=0.0,0.1 (the COMPOSITE "
        "hierarchy)"
    )


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
