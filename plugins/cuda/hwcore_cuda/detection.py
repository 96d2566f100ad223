"""``detect_platform``'s answer: the CUDA platform's static facts, or why it is absent."""

from __future__ import annotations

from collections.abc import Mapping

from hwcore.records import PlatformAbsent, PlatformInfo
from hwcore_cuda.inventory import Inventory, NoGpu
from hwcore_cuda.visibility import VARIABLE, Visibility, VisibleDevicesError

PLATFORM_NAME = "cuda"


def describe(found: Inventory | NoGpu, environ: Mapping[str, str]) -> PlatformInfo | PlatformAbsent:
    """Present when at least one GPU exists and ``CUDA_VISIBLE_DEVICES`` does not hide
    them all. A value that cannot be mapped still detects the platform (the GPUs are
    there), so the device queries raise its error instead of a silent fall back to CPU."""
    if isinstance(found, NoGpu):
        return PlatformAbsent(found.reason)
    try:
        visibility = found.visible(environ)
    except VisibleDevicesError as error:
        return _platform_info(found, 0, (f"{VARIABLE} cannot be used: {error}",))
    if visibility.note is not None:
        return PlatformAbsent(f"{found.evidence}, but {visibility.note}")
    return _platform_info(found, len(visibility.devices), _visibility_evidence(visibility, environ))


def _platform_info(found: Inventory, visible: int, extra: tuple[str, ...]) -> PlatformInfo:
    return PlatformInfo(
        name=PLATFORM_NAME,
        device_name="cuda",
        device_type="cuda",
        dispatch_key="CUDA",
        dist_backend="nccl",
        device_count=visible,
        evidence=(found.evidence, *extra),
        ray_device_key="GPU",
        device_control_env_var=VARIABLE,
        ray_noset_device_env_vars=("RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES",),
        details=_details(found),
    )


def _visibility_evidence(visibility: Visibility, environ: Mapping[str, str]) -> tuple[str, ...]:
    value = environ.get(VARIABLE)
    if value is None:
        return ()
    physical = ", ".join(str(d.physical_index) for d in visibility.devices)
    return (f"{VARIABLE}={value!r} selects physical GPU(s) {physical}",)


def _details(found: Inventory) -> tuple[tuple[str, str], ...]:
    details = [("detected with", found.source), ("physical GPUs", str(len(found.gpus)))]
    if found.driver_version is not None:
        details.append(("driver version", found.driver_version))
    if found.cuda_driver_version is not None:
        major, minor = divmod(found.cuda_driver_version // 10, 100)
        details.append(("CUDA driver", f"{major}.{minor}"))
    return tuple(details)
