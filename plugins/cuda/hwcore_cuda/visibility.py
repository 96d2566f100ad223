"""``CUDA_VISIBLE_DEVICES``: which physical GPUs a process sees, as a pure function.

CUDA accepts integers, ``GPU-<uuid>`` (any unique prefix) and ``MIG-<uuid>`` entries and
silently stops at the first entry it cannot use, so ``0,1,x,2`` means two GPUs. Here every
entry must map to exactly one device or the whole value is an error naming the variable,
the value and the fix: a silently wrong device is worse than a refusal. The one idiom kept
is a lone ``-1`` (like an empty value): it hides every GPU on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

VARIABLE = "CUDA_VISIBLE_DEVICES"
_FIX = (
    f"set {VARIABLE} to comma-separated GPU indices such as {VARIABLE}=0,1, or to UUIDs "
    "from `nvidia-smi -L`"
)


class VisibleDevicesError(ValueError):
    """``CUDA_VISIBLE_DEVICES`` holds an entry that does not name exactly one device."""


@dataclass(frozen=True)
class PhysicalDevice:
    """What the mapping needs to know about one GPU: its NVML index and its UUIDs."""

    index: int
    uuid: str
    mig_uuids: tuple[str, ...] = ()


@dataclass(frozen=True)
class VisibleDevice:
    """Logical device ``logical_index`` is physical GPU ``physical_index`` (or a MIG slice
    of it, ``mig_uuid``)."""

    logical_index: int
    physical_index: int
    mig_uuid: str | None = None


@dataclass(frozen=True)
class Visibility:
    """The visible devices in logical order, and a note when the variable hides them all."""

    devices: tuple[VisibleDevice, ...]
    note: str | None = None

    def device(self, logical_index: int, value: str | None) -> VisibleDevice:
        """Logical device ``logical_index``; ``IndexError`` if it is not visible.

        ``value`` is the variable's value, quoted in the error."""
        if not 0 <= logical_index < len(self.devices):
            raise IndexError(
                f"CUDA device {logical_index} is not visible: "
                f"{_describe(value, len(self.devices))}; use a device index below "
                f"{len(self.devices)}"
            )
        return self.devices[logical_index]


def map_visible_devices(value: str | None, physical: Sequence[PhysicalDevice]) -> Visibility:
    """Map ``CUDA_VISIBLE_DEVICES`` (``None`` when unset) onto the node's GPUs.

    >>> gpus = [PhysicalDevice(i, f"GPU-{i}aaa") for i in range(4)]
    >>> [d.physical_index for d in map_visible_devices("3,1", gpus).devices]
    [3, 1]
    """
    if value is None:
        return Visibility(tuple(VisibleDevice(i, gpu.index) for i, gpu in enumerate(physical)))
    if value.strip() in ("", "-1"):
        return Visibility((), note=_hidden_note(value, len(physical)))
    entries = [entry.strip() for entry in value.split(",")]
    devices = tuple(
        _resolve(entry, value, physical, logical) for logical, entry in enumerate(entries)
    )
    _reject_duplicates(devices, entries, value)
    return Visibility(devices)


def _resolve(
    entry: str, value: str, physical: Sequence[PhysicalDevice], logical: int
) -> VisibleDevice:
    if entry.isdigit():
        return VisibleDevice(logical, _by_index(int(entry), entry, value, physical))
    if entry.startswith("GPU-") and len(entry) > len("GPU-"):
        return VisibleDevice(logical, _by_uuid_prefix(entry, value, physical))
    if entry.startswith("MIG-") and len(entry) > len("MIG-"):
        return VisibleDevice(logical, _by_mig_uuid(entry, value, physical), mig_uuid=entry)
    shown = "an empty entry" if not entry else f"entry {entry!r}"
    raise VisibleDevicesError(
        f"{VARIABLE}={value!r}: {shown} is neither a GPU index, a 'GPU-<uuid>' nor a "
        f"'MIG-<uuid>'; {_FIX}"
    )


def _by_index(index: int, entry: str, value: str, physical: Sequence[PhysicalDevice]) -> int:
    known = [gpu.index for gpu in physical]
    if index not in known:
        raise VisibleDevicesError(
            f"{VARIABLE}={value!r}: entry {entry!r} is not a GPU on this node, which has "
            f"{_count(len(known))}{_index_range(len(known))}; {_FIX}"
        )
    return index


def _by_uuid_prefix(entry: str, value: str, physical: Sequence[PhysicalDevice]) -> int:
    # CUDA accepts any unique prefix of a GPU UUID; UUIDs are lower-case hex.
    matches = [gpu.index for gpu in physical if gpu.uuid.lower().startswith(entry.lower())]
    if len(matches) > 1:
        listed = ", ".join(str(index) for index in matches)
        raise VisibleDevicesError(
            f"{VARIABLE}={value!r}: entry {entry!r} is a prefix of the UUIDs of GPUs "
            f"{listed}; write more of the UUID (`nvidia-smi -L` lists them)"
        )
    if not matches:
        raise VisibleDevicesError(
            f"{VARIABLE}={value!r}: no GPU on this node has a UUID starting with {entry!r}; "
            f"{_FIX}"
        )
    return matches[0]


def _by_mig_uuid(entry: str, value: str, physical: Sequence[PhysicalDevice]) -> int:
    for gpu in physical:
        if entry.lower() in (uuid.lower() for uuid in gpu.mig_uuids):
            return gpu.index
    raise VisibleDevicesError(
        f"{VARIABLE}={value!r}: no MIG instance on this node has the UUID {entry!r}; "
        "use a MIG UUID listed by `nvidia-smi -L`, or a GPU index"
    )


def _reject_duplicates(devices: tuple[VisibleDevice, ...], entries: list[str], value: str) -> None:
    first_entry: dict[tuple[int, str | None], str] = {}
    for device, entry in zip(devices, entries, strict=True):
        key = (device.physical_index, device.mig_uuid)
        if key in first_entry:
            what = f"MIG instance {device.mig_uuid}" if device.mig_uuid else f"GPU {key[0]}"
            raise VisibleDevicesError(
                f"{VARIABLE}={value!r}: {what} is listed twice (entries "
                f"{first_entry[key]!r} and {entry!r}); list each GPU once"
            )
        first_entry[key] = entry


def _hidden_note(value: str, count: int) -> str:
    return (
        f"{VARIABLE}={value!r} hides every GPU from this process; unset it to use all "
        f"{_count(count)} on this node"
    )


def _describe(value: str | None, visible: int) -> str:
    if value is None:
        return f"this node has {_count(visible)} and {VARIABLE} is unset"
    return f"{VARIABLE}={value!r} makes {_count(visible)} visible"


def _index_range(count: int) -> str:
    return f" (indices 0-{count - 1})" if count > 1 else ""


def _count(count: int) -> str:
    return f"{count} GPU" if count == 1 else f"{count} GPUs"
