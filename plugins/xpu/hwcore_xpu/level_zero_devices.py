"""Level Zero's devices as the visibility rules see them, and the words errors use.

A ``Card`` is one physical GPU; a ``LevelZeroDevice`` is what Level Zero exposes from it in
the active hierarchy (the whole card, or a tile). The variable names and the wording
helpers are shared by the mask and selector parsers, so every message reads alike.
"""

from __future__ import annotations

from dataclasses import dataclass

HIERARCHY_VARIABLE = "ZE_FLAT_DEVICE_HIERARCHY"
MASK_VARIABLE = "ZE_AFFINITY_MASK"
SELECTOR_VARIABLE = "ONEAPI_DEVICE_SELECTOR"
PCI_ORDER_VARIABLE = "ZE_ENABLE_PCI_ID_DEVICE_ORDER"

FLAT = "FLAT"
COMPOSITE = "COMPOSITE"
COMBINED = "COMBINED"
HIERARCHIES = (FLAT, COMPOSITE, COMBINED)


@dataclass(frozen=True)
class Card:
    """What the mapping needs to know about one physical GPU."""

    tiles: int
    integrated: bool = False
    multi_tile_default_flat: bool = False  # Xe-HPC: the runtime defaults to FLAT


@dataclass(frozen=True)
class LevelZeroDevice:
    """A device as Level Zero exposes it: card ``card`` (index into the ordered cards),
    restricted to ``tiles``; ``index`` is its number in the hierarchy, the one
    ``ZE_AFFINITY_MASK`` and ``ONEAPI_DEVICE_SELECTOR`` use."""

    index: int
    card: int
    tiles: tuple[int, ...]
    whole_card: bool

    @property
    def label(self) -> str:
        """``"1"`` for a whole card, ``"1.0"`` for tile 0 of card 1."""
        if self.whole_card:
            return str(self.card)
        return f"{self.card}." + "+".join(str(tile) for tile in self.tiles)

    def describe(self) -> str:
        """``"card 1"`` or ``"card 1 tile 0"``, for evidence lines."""
        if self.whole_card:
            return f"card {self.card}"
        tiles = "+".join(str(tile) for tile in self.tiles)
        return f"card {self.card} tile{'s' if len(self.tiles) > 1 else ''} {tiles}"


def describe_devices(devices: tuple[LevelZeroDevice, ...]) -> str:
    return ", ".join(device.describe() for device in devices)


def is_index(text: str) -> bool:
    return text.isascii() and text.isdigit()


def shown(entry: str) -> str:
    return "an empty entry" if not entry else f"entry {entry!r}"


def index_range(count: int) -> str:
    return f" (indices 0-{count - 1})" if count > 1 else ""


def count_devices(count: int) -> str:
    return f"{count} device" if count == 1 else f"{count} devices"


def count_cards(count: int) -> str:
    return f"{count} card" if count == 1 else f"{count} cards"


def count_tiles(count: int) -> str:
    return f"{count} tile" if count == 1 else f"{count} tiles"


def tile_choices(card: int, count: int) -> str:
    return " or ".join(f"{card}.{tile}" for tile in range(count))
