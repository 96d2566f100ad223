"""Device-visibility variables (``CUDA_VISIBLE_DEVICES`` and its kin) as a pure function.

The runtimes accept integers and device UUIDs, and CUDA silently stops at the first entry it
cannot use, so ``0,1,x,2`` means two GPUs. Here every entry must map to exactly one device
or the whole value is an error naming the variable, the value and the fix: a silently wrong
device is worse than a refusal. The one idiom kept is a lone ``-1`` (like an empty value):
it hides every device on purpose. Backends call ``map_visible_devices`` from detection, with
their own variable, device noun and UUID prefixes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class VisibleDevicesError(ValueError):
    """A visibility variable holds an entry that does not name exactly one device."""


@dataclass(frozen=True)
class PhysicalDevice:
    """What the mapping needs to know about one device: the vendor library's index, its
    UUID, and the UUIDs of its sub-devices (MIG slices), if any."""

    index: int
    uuid: str = ""
    sub_uuids: tuple[str, ...] = ()


@dataclass(frozen=True)
class VisibleDevice:
    """Logical device ``logical_index`` is physical device ``physical_index`` (or its
    sub-device ``sub_uuid``)."""

    logical_index: int
    physical_index: int
    sub_uuid: str | None = None


@dataclass(frozen=True)
class Visibility:
    """The visible devices in logical order, and a note when the variable hides them all."""

    devices: tuple[VisibleDevice, ...]
    note: str | None = None


@dataclass(frozen=True)
class _Rules:
    variable: str
    value: str
    noun: str
    uuid_prefixes: tuple[str, ...]
    sub_uuid_prefix: str | None
    listing_hint: str | None

    @property
    def fix(self) -> str:
        listing = f", or to UUIDs from {self.listing_hint}" if self.listing_hint else ""
        return (
            f"set {self.variable} to comma-separated {self.noun} indices such as "
            f"{self.variable}=0,1{listing}"
        )

    def error(self, problem: str) -> VisibleDevicesError:
        return VisibleDevicesError(f"{self.variable}={self.value!r}: {problem}")


def map_visible_devices(
    variable: str,
    value: str | None,
    physical: Sequence[PhysicalDevice],
    *,
    noun: str = "GPU",
    uuid_prefixes: tuple[str, ...] = ("GPU-",),
    sub_uuid_prefix: str | None = None,
    listing_hint: str | None = None,
) -> Visibility:
    """Map ``variable``'s ``value`` (``None`` when unset) onto the node's devices.

    Entries are indices, unique prefixes of a UUID that starts with one of
    ``uuid_prefixes``, or (with ``sub_uuid_prefix``, e.g. ``"MIG-"``) whole sub-device
    UUIDs. ``listing_hint`` names the tool that lists the UUIDs (``"`nvidia-smi -L`"``).
    Raises ``VisibleDevicesError`` for an entry that names no device, several devices, or
    a device listed twice.

    >>> gpus = [PhysicalDevice(i, f"GPU-{i}aaa") for i in range(4)]
    >>> [d.physical_index for d in map_visible_devices("CUDA_VISIBLE_DEVICES", "3,1", gpus).devices]
    [3, 1]
    """
    if value is None:
        return Visibility(tuple(VisibleDevice(i, d.index) for i, d in enumerate(physical)))
    rules = _Rules(variable, value, noun, uuid_prefixes, sub_uuid_prefix, listing_hint)
    if value.strip() in ("", "-1"):
        return Visibility((), note=_hidden_note(rules, len(physical)))
    entries = [entry.strip() for entry in value.split(",")]
    devices = tuple(
        _resolve(entry, rules, physical, logical) for logical, entry in enumerate(entries)
    )
    _reject_duplicates(devices, entries, rules)
    return Visibility(devices)


def _resolve(
    entry: str, rules: _Rules, physical: Sequence[PhysicalDevice], logical: int
) -> VisibleDevice:
    if entry.isdigit():
        return VisibleDevice(logical, _by_index(int(entry), entry, rules, physical))
    sub = rules.sub_uuid_prefix
    if sub is not None and entry.startswith(sub) and len(entry) > len(sub):
        return VisibleDevice(logical, _by_sub_uuid(entry, rules, physical), sub_uuid=entry)
    if any(entry.startswith(p) and len(entry) > len(p) for p in rules.uuid_prefixes):
        return VisibleDevice(logical, _by_uuid_prefix(entry, rules, physical))
    shown = "an empty entry" if not entry else f"entry {entry!r}"
    kinds = [f"a {rules.noun} index", *(f"a '{p}<uuid>'" for p in rules.uuid_prefixes)]
    if sub is not None:
        kinds.append(f"a '{sub}<uuid>'")
    raise rules.error(f"{shown} is neither {_either(kinds)}; {rules.fix}")


def _by_index(index: int, entry: str, rules: _Rules, physical: Sequence[PhysicalDevice]) -> int:
    known = [device.index for device in physical]
    if index not in known:
        raise rules.error(
            f"entry {entry!r} is not a {rules.noun} on this node, which has "
            f"{_count(len(known), rules.noun)}{_index_range(len(known))}; {rules.fix}"
        )
    return index


def _by_uuid_prefix(entry: str, rules: _Rules, physical: Sequence[PhysicalDevice]) -> int:
    # The runtimes accept any unique prefix of a UUID; UUIDs are hex, compared without case.
    matches = [d.index for d in physical if d.uuid and d.uuid.lower().startswith(entry.lower())]
    if len(matches) > 1:
        listed = ", ".join(str(index) for index in matches)
        raise rules.error(
            f"entry {entry!r} is a prefix of the UUIDs of {rules.noun}s {listed}; write more "
            f"of the UUID{_listed_by(rules)}"
        )
    if not matches:
        raise rules.error(
            f"no {rules.noun} on this node has a UUID starting with {entry!r}; {rules.fix}"
        )
    return matches[0]


def _by_sub_uuid(entry: str, rules: _Rules, physical: Sequence[PhysicalDevice]) -> int:
    for device in physical:
        if entry.lower() in (uuid.lower() for uuid in device.sub_uuids):
            return device.index
    kind = (rules.sub_uuid_prefix or "").rstrip("-")
    raise rules.error(
        f"no {kind} instance on this node has the UUID {entry!r}; use a {kind} UUID "
        f"listed{_listed_by(rules, bare=True)}, or a {rules.noun} index"
    )


def _reject_duplicates(
    devices: tuple[VisibleDevice, ...], entries: list[str], rules: _Rules
) -> None:
    first_entry: dict[tuple[int, str | None], str] = {}
    for device, entry in zip(devices, entries, strict=True):
        key = (device.physical_index, device.sub_uuid)
        if key in first_entry:
            kind = (rules.sub_uuid_prefix or "").rstrip("-")
            what = f"{rules.noun} {key[0]}"
            if device.sub_uuid:
                what = f"{kind} instance {device.sub_uuid}"
            raise rules.error(
                f"{what} is listed twice (entries {first_entry[key]!r} and {entry!r}); list "
                f"each {rules.noun} once"
            )
        first_entry[key] = entry


def _hidden_note(rules: _Rules, count: int) -> str:
    return (
        f"{rules.variable}={rules.value!r} hides every {rules.noun} from this process; unset "
        f"it to use all {_count(count, rules.noun)} on this node"
    )


def _listed_by(rules: _Rules, *, bare: bool = False) -> str:
    if rules.listing_hint is None:
        return ""
    return f" by {rules.listing_hint}" if bare else f" ({rules.listing_hint} lists them)"


def _either(kinds: list[str]) -> str:
    return kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " nor " + kinds[-1]


def _index_range(count: int) -> str:
    return f" (indices 0-{count - 1})" if count > 1 else ""


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
