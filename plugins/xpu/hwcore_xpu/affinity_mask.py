"""``ZE_AFFINITY_MASK``: which Level Zero devices a process keeps, as a pure function.

``X`` names a device in every hierarchy; ``X.Y`` (tile Y of card X) only in ``COMPOSITE``.
The runtime keeps devices in its own order whatever the order of the entries, and a card
left with one tile becomes that tile (compute-runtime's ``parseAffinityMask`` and
``shared/source/device/device.cpp``). What the runtime would silently skip is an error here.
"""

from __future__ import annotations

from collections.abc import Sequence

from hwcore.plugin_api import VisibleDevicesError
from hwcore_xpu.level_zero_devices import (
    COMPOSITE,
    HIERARCHY_VARIABLE,
    MASK_VARIABLE,
    Card,
    LevelZeroDevice,
    count_cards,
    count_devices,
    count_tiles,
    describe_devices,
    index_range,
    is_index,
    shown,
    tile_choices,
)


def apply_mask(
    exposed: tuple[LevelZeroDevice, ...],
    cards: Sequence[Card],
    hierarchy: str,
    value: str | None,
) -> tuple[tuple[LevelZeroDevice, ...], str | None]:
    """The devices of ``exposed`` that ``ZE_AFFINITY_MASK=value`` keeps (``None``: unset)
    and the evidence line saying so; ``VisibleDevicesError`` names an entry that cannot be
    used and the fix."""
    if value is None:
        return exposed, None
    if not value.strip():
        return exposed, f"{MASK_VARIABLE} is set but empty, which Level Zero treats as unset"
    entries = [entry.strip() for entry in value.split(",")]
    if hierarchy == COMPOSITE:
        chosen = _composite_selection(entries, value, cards)
        devices = _composite_devices(chosen, cards)
    else:
        devices = _flat_selection(entries, value, exposed, hierarchy)
    return devices, (
        f"{MASK_VARIABLE}={value!r} ({hierarchy} hierarchy) selects {describe_devices(devices)}"
    )


def _flat_selection(
    entries: list[str], value: str, exposed: tuple[LevelZeroDevice, ...], hierarchy: str
) -> tuple[LevelZeroDevice, ...]:
    first: dict[int, str] = {}
    for entry in entries:
        index = _flat_index(entry, value, exposed, hierarchy)
        if index in first:
            raise VisibleDevicesError(
                f"{MASK_VARIABLE}={value!r}: device {index} is listed twice (entries "
                f"{first[index]!r} and {entry!r}); list each device once"
            )
        first[index] = entry
    return tuple(device for device in exposed if device.index in first)


def _flat_index(
    entry: str, value: str, exposed: tuple[LevelZeroDevice, ...], hierarchy: str
) -> int:
    if is_index(entry):
        index = int(entry)
        if index >= len(exposed):
            raise VisibleDevicesError(
                f"{MASK_VARIABLE}={value!r}: entry {entry!r} is not a device; in the "
                f"{hierarchy} hierarchy this node has {count_devices(len(exposed))}"
                f"{index_range(len(exposed))}, one per tile; use those indices"
            )
        return index
    parts = entry.split(".")
    if len(parts) == 2 and all(is_index(part) for part in parts):
        flat = _flat_equivalent(int(parts[0]), int(parts[1]), exposed)
        hint = f"write {flat} for that tile, or " if flat is not None else ""
        raise VisibleDevicesError(
            f"{MASK_VARIABLE}={value!r}: entry {entry!r} names tile {parts[1]} of card "
            f"{parts[0]}, but in the {hierarchy} hierarchy every tile is a device of its "
            f"own and Level Zero ignores card.tile entries (hiding the device); {hint}set "
            f"{HIERARCHY_VARIABLE}=COMPOSITE to address tiles as card.tile"
        )
    raise VisibleDevicesError(
        f"{MASK_VARIABLE}={value!r}: {shown(entry)} is not a device index; write "
        f"comma-separated indices such as {MASK_VARIABLE}=0,1 (in the {hierarchy} "
        "hierarchy each tile is one index)"
    )


def _flat_equivalent(card: int, tile: int, exposed: tuple[LevelZeroDevice, ...]) -> int | None:
    for device in exposed:
        if device.card == card and device.tiles == (tile,):
            return device.index
    return None


def _composite_selection(
    entries: list[str], value: str, cards: Sequence[Card]
) -> dict[int, dict[int, str]]:
    chosen: dict[int, dict[int, str]] = {}  # card -> tile -> the entry that chose it
    for entry in entries:
        card, tiles = _composite_entry(entry, value, cards)
        for tile in tiles:
            earlier = chosen.setdefault(card, {}).get(tile)
            if earlier is not None:
                raise VisibleDevicesError(
                    f"{MASK_VARIABLE}={value!r}: tile {tile} of card {card} is listed "
                    f"twice (entries {earlier!r} and {entry!r}); list each card or tile once"
                )
            chosen[card][tile] = entry
    return chosen


def _composite_entry(entry: str, value: str, cards: Sequence[Card]) -> tuple[int, range]:
    parts = entry.split(".")
    if not (1 <= len(parts) <= 2 and all(is_index(part) for part in parts)):
        raise VisibleDevicesError(
            f"{MASK_VARIABLE}={value!r}: {shown(entry)} is neither a card index nor "
            f"card.tile; write entries such as {MASK_VARIABLE}=0 or {MASK_VARIABLE}=0.0,0.1 "
            "(the COMPOSITE hierarchy)"
        )
    card = int(parts[0])
    if card >= len(cards):
        raise VisibleDevicesError(
            f"{MASK_VARIABLE}={value!r}: entry {entry!r} names card {card}, but this node "
            f"has {count_cards(len(cards))}{index_range(len(cards))}; use an existing card"
        )
    count = cards[card].tiles
    if len(parts) == 1:
        return card, range(count)
    tile = int(parts[1])
    if tile >= count:
        raise VisibleDevicesError(
            f"{MASK_VARIABLE}={value!r}: entry {entry!r} names tile {tile} of card {card}, "
            f"which has {count_tiles(count)}; use {tile_choices(card, count)}"
        )
    return card, range(tile, tile + 1)


def _composite_devices(
    chosen: dict[int, dict[int, str]], cards: Sequence[Card]
) -> tuple[LevelZeroDevice, ...]:
    # A card keeps its own number; with one tile chosen the runtime exposes that tile alone.
    return tuple(
        LevelZeroDevice(card, card, tuple(sorted(chosen[card])),
                        whole_card=len(chosen[card]) == cards[card].tiles)
        for card in sorted(chosen)
    )
