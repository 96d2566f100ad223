"""Which AMD GPUs a process sees: three variables, read as pure functions of an environ.

The ROCm stack filters twice. ``ROCR_VISIBLE_DEVICES`` acts in the ROCm runtime and picks
from every GPU; ``HIP_VISIBLE_DEVICES`` (or its alias ``CUDA_VISIBLE_DEVICES``) then picks
from what is left, so its indices count the GPUs ROCR left visible. Each value takes
indices or ``GPU-<hex>`` runtime UUIDs and is parsed by the core's
``map_visible_devices`` (the rules hwcore-cuda follows: an empty value or ``-1`` hides every
GPU; duplicates, out-of-range and unknown entries are errors naming the variable).

vLLM's rule for the alias: when ``HIP_VISIBLE_DEVICES`` and ``CUDA_VISIBLE_DEVICES`` are
both set (an empty value counting as unset) they must agree. vLLM also copies
``HIP_VISIBLE_DEVICES`` into ``CUDA_VISIBLE_DEVICES`` when it starts; hwcore writes no
environment, so ``engine_notes`` says what an engine has to set instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hwcore.plugin_api import Visibility

HIP = "HIP_VISIBLE_DEVICES"
CUDA = "CUDA_VISIBLE_DEVICES"
ROCR = "ROCR_VISIBLE_DEVICES"
LISTING_HINT = "`amd-smi list`"


class InconsistentVisibilityError(ValueError):
    """``HIP_VISIBLE_DEVICES`` and ``CUDA_VISIBLE_DEVICES`` are both set and disagree."""


@dataclass(frozen=True)
class VisibilitySettings:
    """The visibility variables that apply: ``rocr`` (``None``: unset), and the HIP-level
    one, ``hip_variable``/``hip_value`` (``None``: neither HIP nor CUDA is set)."""

    rocr: str | None
    hip_variable: str | None
    hip_value: str | None


def read_settings(environ: Mapping[str, str]) -> VisibilitySettings:
    """The settings in ``environ``; ``InconsistentVisibilityError`` when HIP and CUDA
    disagree (the message names both values).

    >>> read_settings({"CUDA_VISIBLE_DEVICES": "2,3"}).hip_variable
    'CUDA_VISIBLE_DEVICES'
    """
    hip, cuda = environ.get(HIP), environ.get(CUDA)
    if hip and cuda and _entries(hip) != _entries(cuda):
        raise InconsistentVisibilityError(
            f"{HIP}={hip!r} and {CUDA}={cuda!r} disagree; HIP reads both, so they must "
            f"select the same GPUs: set only one of them, or give both the same value"
        )
    if hip:
        governing: tuple[str | None, str | None] = (HIP, hip)
    elif cuda:
        governing = (CUDA, cuda)
    elif hip is not None:  # set but empty: hides every GPU
        governing = (HIP, hip)
    elif cuda is not None:
        governing = (CUDA, cuda)
    else:
        governing = (None, None)
    return VisibilitySettings(environ.get(ROCR), *governing)


def visible_devices(
    settings: VisibilitySettings, hip_order: Sequence[int], runtime_uuids: Sequence[str]
) -> Visibility:
    """The visible GPUs in logical (torch) order, with their physical indices.

    ``hip_order`` lists the physical indices in HIP's enumeration order and
    ``runtime_uuids`` the runtime UUID of each physical GPU (``""`` when unknown).
    Raises the core's ``VisibleDevicesError`` for a value that cannot be mapped.
    """
    from hwcore.plugin_api import PhysicalDevice, Visibility, VisibleDevice, map_visible_devices

    def pick(variable: str, value: str | None, candidates: Sequence[int]) -> Visibility:
        # Entries count positions in the list a variable filters; map back afterwards.
        physical = [PhysicalDevice(position, runtime_uuids[index])
                    for position, index in enumerate(candidates)]
        return map_visible_devices(variable, value, physical, listing_hint=LISTING_HINT)

    rocr = pick(ROCR, settings.rocr, hip_order)
    if rocr.note is not None:
        return rocr
    after_rocr = [hip_order[device.physical_index] for device in rocr.devices]
    if settings.hip_variable is None:
        chosen = after_rocr
        return Visibility(tuple(VisibleDevice(i, p) for i, p in enumerate(chosen)), None)
    hip = pick(settings.hip_variable, settings.hip_value, after_rocr)
    devices = tuple(
        VisibleDevice(device.logical_index, after_rocr[device.physical_index])
        for device in hip.devices
    )
    return Visibility(devices, hip.note)


def engine_notes(environ: Mapping[str, str]) -> list[str]:
    """What an engine must set because hwcore, unlike vLLM, writes no environment."""
    hip, cuda = environ.get(HIP), environ.get(CUDA)
    if not hip or cuda:
        return []
    return [
        f"{HIP}={hip!r} is set and {CUDA} is not; vLLM copies the first into the second when "
        f"it starts, hwcore writes no environment: set {CUDA}={hip!r} as well (and in every "
        "worker an engine starts), or the engine's own device selection may ignore it"
    ]


def _entries(value: str) -> list[str]:
    return [entry.strip().lower() for entry in value.split(",")]
