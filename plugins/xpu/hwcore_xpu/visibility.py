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
from hwcore_xpu.affinity_mask import apply_mask
from hwcore_xpu.device_selector import apply_selector
from hwcore_xpu.level_zero_devices import (
    COMPOSITE,
    FLAT,
    HIERARCHIES,
    HIERARCHY_VARIABLE,
    MASK_VARIABLE,
    PCI_ORDER_VARIABLE,
    SELECTOR_VARIABLE,
    Card,
    LevelZeroDevice,
    describe_devices,
)

__all__ = [
    "HIERARCHY_VARIABLE",
    "MASK_VARIABLE",
    "SELECTOR_VARIABLE",
    "Card",
    "LevelZeroDevice",
    "Visibility",
    "VisibleDevicesError",
    "card_order",
    "map_visible_devices",
]


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
    masked, mask_note = apply_mask(exposed, cards, hierarchy, environ.get(MASK_VARIABLE))
    if mask_note:
        evidence.append(mask_note)
    selected, selector_note, hidden = apply_selector(masked, environ.get(SELECTOR_VARIABLE))
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


# ------------------------------------------------------------------- integrated GPUs


def _prefer_discrete(
    devices: tuple[LevelZeroDevice, ...], cards: Sequence[Card]
) -> tuple[tuple[LevelZeroDevice, ...], str | None]:
    discrete = tuple(d for d in devices if not cards[d.card].integrated)
    if not discrete or len(discrete) == len(devices):
        return devices, None
    dropped = tuple(d for d in devices if cards[d.card].integrated)
    return discrete, (
        f"integrated GPU ({describe_devices(dropped)}) left out: torch.xpu counts integrated GPUs "
        "only when no discrete GPU is visible"
    )
