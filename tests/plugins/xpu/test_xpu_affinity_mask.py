"""ZE_AFFINITY_MASK in each Level Zero hierarchy (through map_visible_devices)."""

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
