"""``ONEAPI_DEVICE_SELECTOR``: the SYCL-level filter over the devices the mask left.

Terms are ``[!]backend:devices`` separated by ``;``; positive terms add devices, negative
ones remove them. Only ``level_zero`` (or ``*``) terms reach the GPUs torch.xpu uses.
"""

from __future__ import annotations

from hwcore.plugin_api import VisibleDevicesError
from hwcore_xpu.level_zero_devices import (
    HIERARCHY_VARIABLE,
    MASK_VARIABLE,
    SELECTOR_VARIABLE,
    LevelZeroDevice,
    count_devices,
    describe_devices,
    index_range,
    is_index,
)


def apply_selector(
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
    return selected, f"{SELECTOR_VARIABLE}={value!r} selects {describe_devices(selected)}", None


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
    if is_index(item):
        if int(item) >= count:
            raise VisibleDevicesError(
                f"{SELECTOR_VARIABLE}={value!r}: Level Zero device {item} (in {term!r}) does "
                f"not exist; {MASK_VARIABLE} and the hierarchy leave {count_devices(count)}"
                f"{index_range(count)}"
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
