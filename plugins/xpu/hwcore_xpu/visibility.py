"""Which Intel GPUs a process sees: Level Zero's hierarchy, ``ZE_AFFINITY_MASK`` and
``ONEAPI_DEVICE_SELECTOR``, as pure functions of the node's cards and the variables.

How Level Zero numbers devices (Intel's compute-runtime, ``shared/source/
execution_environment/execution_environment.cpp``: ``setDeviceHierarchyMode``,
``parseAffinityMask``, ``comparePciIdBusNumber``):

* Cards are ordered discrete first, then by PCI domain, bus, device and function;
  ``ZE_ENABLE_PCI_ID_DEVICE_ORDER=1`` drops the discrete-first rule.
* ``ZE_FLAT_DEVICE_HIERARCHY``: ``FLAT`` and ``COMBINED`` expose every tile as a device,
  numbered across cards (card 0 tile 0 is 0, card 0 tile 1 is 1, card 1 tile 0 is 2 ...);
  ``COMPOSITE`` exposes each card as one device with its tiles as sub-devices. Unset, the
  runtime's default is ``FLAT`` when the first card is a Data Center GPU Max (Xe-HPC) and
  ``COMPOSITE`` otherwise; for one-tile cards the two are the same.
* ``ZE_AFFINITY_MASK`` lists devices of that hierarchy: ``X`` in every mode, ``X.Y``
  (tile Y of card X) only in ``COMPOSITE``. The runtime keeps devices in their own order,
  whatever the order of the entries, and a card left with one tile becomes that tile.

The runtime silently skips what it cannot use (an index past the end, ``X.Y`` in ``FLAT``
mode, an unknown hierarchy name), so a typo quietly hides a GPU. Here every such value is
an error naming the variable, the value and the fix.

``ONEAPI_DEVICE_SELECTOR`` filters again at the SYCL level (Ray sets it to
``level_zero:<ids>`` for each Intel GPU worker); ``torch.xpu`` sees the Level Zero devices
it selects. Its indices count the devices the mask left; it is read here as a filter that
keeps Level Zero's order, and its sub-device forms (``level_zero:0.*``) are refused.
Finally ``torch.xpu`` counts integrated GPUs only when no discrete GPU is visible
(``torch/xpu/__init__.py``, "dGPUs take priority").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hwcore.plugin_api import VisibleDevicesError

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


@dataclass(frozen=True)
class Visibility:
    """The devices this process sees, in logical order, and how the variables were read.

    ``note`` says why none is visible when a variable hides them all on purpose."""

    hierarchy: str
    devices: tuple[LevelZeroDevice, ...]
    evidence: tuple[str, ...] = ()
    note: str | None = None


def card_order(
    addresses: Sequence[tuple[int, int, int, int]],
    integrated: Sequence[bool],
    environ: Mapping[str, str],
) -> list[int]:
    """Positions of the cards in Level Zero's order; ``addresses`` are (domain, bus,
    device, function)."""
    pci_only = _pci_order(environ)
    return sorted(
        range(len(addresses)),
        key=lambda i: (False if pci_only else integrated[i], addresses[i]),
    )


def map_visible_devices(cards: Sequence[Card], environ: Mapping[str, str]) -> Visibility:
    """Apply the hierarchy, the affinity mask, the SYCL selector and the integrated-GPU rule
    to ``cards`` (already in Level Zero order).

    >>> max1550 = Card(tiles=2, multi_tile_default_flat=True)
    >>> [d.label for d in map_visible_devices([max1550], {"ZE_AFFINITY_MASK": "1"}).devices]
    ['0.1']
    """
    hierarchy = _hierarchy(cards, environ)
    evidence = []
    exposed = _expose(cards, hierarchy)
    masked, mask_note = _apply_mask(exposed, cards, hierarchy, environ.get(MASK_VARIABLE))
    if mask_note:
        evidence.append(mask_note)
    selected, selector_note, hidden = _apply_selector(masked, environ.get(SELECTOR_VARIABLE))
    if selector_note:
        evidence.append(selector_note)
    if hidden is not None:
        return Visibility(hierarchy, (), tuple(evidence), note=hidden)
    visible, integrated_note = _prefer_discrete(selected, cards)
    if integrated_note:
        evidence.append(integrated_note)
    return Visibility(hierarchy, visible, tuple(evidence))


# ----------------------------------------------------------------------------- hierarchy


def _hierarchy(cards: Sequence[Card], environ: Mapping[str, str]) -> str:
    value = environ.get(HIERARCHY_VARIABLE)
    if value is None:
        # The runtime asks the first card's core helper: FLAT on Xe-HPC, else COMPOSITE.
        return FLAT if cards and cards[0].multi_tile_default_flat else COMPOSITE
    if value not in HIERARCHIES:
        raise VisibleDevicesError(
            f"{HIERARCHY_VARIABLE}={value!r} is not a Level Zero device hierarchy, and the "
            "driver would silently use its default instead; set it to FLAT (each tile a "
            "device), COMPOSITE (each card a device) or COMBINED, in capitals, or unset it"
        )
    return value


def _pci_order(environ: Mapping[str, str]) -> bool:
    value = environ.get(PCI_ORDER_VARIABLE)
    if value is None or value == "0":
        return False
    if value == "1":
        return True
    raise VisibleDevicesError(
        f"{PCI_ORDER_VARIABLE}={value!r} is neither 0 nor 1; set it to 1 to number GPUs "
        "in PCI bus order, or unset it to list discrete GPUs before integrated ones"
    )


def _expose(cards: Sequence[Card], hierarchy: str) -> tuple[LevelZeroDevice, ...]:
    if hierarchy == COMPOSITE:
        return tuple(
            LevelZeroDevice(i, i, tuple(range(card.tiles)), whole_card=True)
            for i, card in enumerate(cards)
        )
    exposed: list[LevelZeroDevice] = []
    for position, card in enumerate(cards):
        if card.tiles == 1:
            exposed.append(LevelZeroDevice(len(exposed), position, (0,), whole_card=True))
            continue
        for tile in range(card.tiles):
            exposed.append(LevelZeroDevice(len(exposed), position, (tile,), whole_card=False))
    return tuple(exposed)


# ------------------------------------------------------------------------- affinity mask


def _apply_mask(
    exposed: tuple[LevelZeroDevice, ...],
    cards: Sequence[Card],
    hierarchy: str,
    value: str | None,
) -> tuple[tuple[LevelZeroDevice, ...], str | None]:
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
        f"{MASK_VARIABLE}={value!r} ({hierarchy} hierarchy) selects {_describe(devices)}"
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
    if _is_index(entry):
        index = int(entry)
        if index >= len(exposed):
            raise VisibleDevicesError(
                f"{MASK_VARIABLE}={value!r}: entry {entry!r} is not a device; in the "
                f"{hierarchy} hierarchy this node has {_devices(len(exposed))}"
                f"{_index_range(len(exposed))}, one per tile; use those indices"
            )
        return index
    parts = entry.split(".")
    if len(parts) == 2 and all(_is_index(part) for part in parts):
        flat = _flat_equivalent(int(parts[0]), int(parts[1]), exposed)
        hint = f"write {flat} for that tile, or " if flat is not None else ""
        raise VisibleDevicesError(
            f"{MASK_VARIABLE}={value!r}: entry {entry!r} names tile {parts[1]} of card "
            f"{parts[0]}, but in the {hierarchy} hierarchy every tile is a device of its "
            f"own and Level Zero ignores card.tile entries (hiding the device); {hint}set "
            f"{HIERARCHY_VARIABLE}=COMPOSITE to address tiles as card.tile"
        )
    raise VisibleDevicesError(
        f"{MASK_VARIABLE}={value!r}: {_shown(entry)} is not a device index; write "
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
    if not (1 <= len(parts) <= 2 and all(_is_index(part) for part in parts)):
        raise VisibleDevicesError(
            f"{MASK_VARIABLE}={value!r}: {_shown(entry)} is neither a card index nor "
            f"card.tile; write entries such as {MASK_VARIABLE}=0 or {MASK_VARIABLE}=0.0,0.1 "
            "(the COMPOSITE hierarchy)"
        )
    card = int(parts[0])
    if card >= len(cards):
        raise VisibleDevicesError(
            f"{MASK_VARIABLE}={value!r}: entry {entry!r} names card {card}, but this node "
            f"has {_cards(len(cards))}{_index_range(len(cards))}; use an existing card"
        )
    count = cards[card].tiles
    if len(parts) == 1:
        return card, range(count)
    tile = int(parts[1])
    if tile >= count:
        raise VisibleDevicesError(
            f"{MASK_VARIABLE}={value!r}: entry {entry!r} names tile {tile} of card {card}, "
            f"which has {_tiles(count)}; use {_tile_choices(card, count)}"
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


# ------------------------------------------------------------------------ SYCL selector


def _apply_selector(
    devices: tuple[LevelZeroDevice, ...], value: str | None
) -> tuple[tuple[LevelZeroDevice, ...], str | None, str | None]:
    """(selected devices, evidence, note when it hides every device on purpose)."""
    if value is None:
        return devices, None, None
    included: set[int] | None = None  # None: no positive term, start from every device
    excluded: set[int] = set()
    for term in value.split(";"):
        negative, indices = _selector_term(term.strip(), value, len(devices))
        if negative:
            excluded |= indices
        else:
            included = (included or set()) | indices
    keep = set(range(len(devices))) if included is None else included
    selected = tuple(d for position, d in enumerate(devices) if position in keep - excluded)
    if not selected:
        return (), None, (
            f"{SELECTOR_VARIABLE}={value!r} selects no Level Zero GPU, and torch.xpu uses "
            f"only Level Zero; unset it, or select GPUs with {SELECTOR_VARIABLE}=level_zero:*"
        )
    return selected, f"{SELECTOR_VARIABLE}={value!r} selects {_describe(selected)}", None


_BACKENDS = ("level_zero", "opencl", "cuda", "hip", "native_cpu", "*")
_ALL_GPUS = ("*", "gpu")
_NOT_GPUS = ("cpu", "fpga")


def _selector_term(term: str, value: str, count: int) -> tuple[bool, set[int]]:
    negative = term.startswith("!")
    backend, colon, filters = term.removeprefix("!").partition(":")
    backend = backend.strip().lower()
    if not colon or backend not in _BACKENDS or not filters.strip():
        raise VisibleDevicesError(
            f"{SELECTOR_VARIABLE}={value!r}: term {term!r} is not backend:devices; write "
            f"terms such as {SELECTOR_VARIABLE}=level_zero:0,1 or level_zero:gpu, separated "
            "by ';' (backends: " + ", ".join(_BACKENDS) + ")"
        )
    if backend not in ("level_zero", "*"):
        return negative, set()  # another backend's devices: none of torch.xpu's
    selected: set[int] = set()
    for item in (part.strip().lower() for part in filters.split(",")):
        selected |= _selector_devices(item, term, value, count)
    return negative, selected


def _selector_devices(item: str, term: str, value: str, count: int) -> set[int]:
    if item in _ALL_GPUS:
        return set(range(count))
    if item in _NOT_GPUS:
        return set()
    if _is_index(item):
        if int(item) >= count:
            raise VisibleDevicesError(
                f"{SELECTOR_VARIABLE}={value!r}: Level Zero device {item} (in {term!r}) does "
                f"not exist; {MASK_VARIABLE} and the hierarchy leave {_devices(count)}"
                f"{_index_range(count)}"
            )
        return {int(item)}
    if "." in item:
        raise VisibleDevicesError(
            f"{SELECTOR_VARIABLE}={value!r}: {item!r} in {term!r} asks SYCL to split devices "
            "into sub-devices, which hwcore-xpu does not map; select tiles with "
            f"{MASK_VARIABLE} (and {HIERARCHY_VARIABLE}=COMPOSITE for card.tile entries)"
        )
    raise VisibleDevicesError(
        f"{SELECTOR_VARIABLE}={value!r}: {item!r} in {term!r} is not a device; use an "
        "index, '*', 'gpu', 'cpu' or 'fpga'"
    )


# ------------------------------------------------------------------- integrated GPUs


def _prefer_discrete(
    devices: tuple[LevelZeroDevice, ...], cards: Sequence[Card]
) -> tuple[tuple[LevelZeroDevice, ...], str | None]:
    discrete = tuple(d for d in devices if not cards[d.card].integrated)
    if not discrete or len(discrete) == len(devices):
        return devices, None
    dropped = tuple(d for d in devices if cards[d.card].integrated)
    return discrete, (
        f"integrated GPU ({_describe(dropped)}) left out: torch.xpu counts integrated GPUs "
        "only when no discrete GPU is visible"
    )


# --------------------------------------------------------------------------- wording


def _describe(devices: tuple[LevelZeroDevice, ...]) -> str:
    return ", ".join(device.describe() for device in devices)


def _is_index(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _shown(entry: str) -> str:
    return "an empty entry" if not entry else f"entry {entry!r}"


def _index_range(count: int) -> str:
    return f" (indices 0-{count - 1})" if count > 1 else ""


def _devices(count: int) -> str:
    return f"{count} device" if count == 1 else f"{count} devices"


def _cards(count: int) -> str:
    return f"{count} card" if count == 1 else f"{count} cards"


def _tiles(count: int) -> str:
    return f"{count} tile" if count == 1 else f"{count} tiles"


def _tile_choices(card: int, count: int) -> str:
    return " or ".join(f"{card}.{tile}" for tile in range(count))
