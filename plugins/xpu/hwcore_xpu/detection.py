"""``detect_platform``'s answer: the XPU platform's facts, or why it is absent.

Every visible device becomes a ``DeviceInfo``: a whole card, or one tile of a Data Center
GPU Max when Level Zero exposes tiles as devices (the FLAT hierarchy, its default there).
``physical_index`` is the device's Level Zero index in that hierarchy, the number
``ZE_AFFINITY_MASK`` uses. ``capability`` is always ``None`` (see ``hwcore_xpu.rules``).
"""

from __future__ import annotations

from collections.abc import Mapping

from hwcore.plugin_api import DeviceInfo, PlatformAbsent, PlatformInfo, VisibleDevicesError
from hwcore_xpu import rules
from hwcore_xpu.attention import PROVIDER_HINTS
from hwcore_xpu.inventory import LEVEL_ZERO, IntelGpu, Inventory, NoGpu
from hwcore_xpu.visibility import MASK_VARIABLE, LevelZeroDevice, Visibility

PLATFORM_NAME = "xpu"
# Ray's Intel GPU support (ray/_private/accelerators/intel_gpu.py) hands each worker its
# devices through ONEAPI_DEVICE_SELECTOR unless this variable is set.
RAY_NOSET_VARIABLE = "RAY_EXPERIMENTAL_NOSET_ONEAPI_DEVICE_SELECTOR"


def describe(found: Inventory | NoGpu, environ: Mapping[str, str]) -> PlatformInfo | PlatformAbsent:
    """Present when an Intel GPU that torch.xpu runs on exists and the visibility variables
    do not hide them all. A value that cannot be used still detects the platform (the GPUs
    are there) but marks it unusable, so resolution stops with that error instead of
    silently falling back to the CPU."""
    if isinstance(found, NoGpu):
        return PlatformAbsent(f"no Intel GPU that torch.xpu runs on: {found.reason}")
    try:
        gpus, visibility = found.visible(environ)
    except VisibleDevicesError as error:
        evidence = ("the Level Zero visibility variables cannot be used",)
        return _platform_info(found, (), evidence, None, unusable=str(error))
    if visibility.note is not None:
        return PlatformAbsent(f"{found.evidence}, but {visibility.note}")
    devices = visible_devices(gpus, visibility)
    return _platform_info(found, devices, visibility.evidence, visibility.hierarchy)


def visible_devices(gpus: tuple[IntelGpu, ...], visibility: Visibility) -> tuple[DeviceInfo, ...]:
    """One ``DeviceInfo`` per visible card or tile, in logical order."""
    return tuple(
        _device(index, gpus[device.card], device)
        for index, device in enumerate(visibility.devices)
    )


def _device(index: int, gpu: IntelGpu, device: LevelZeroDevice) -> DeviceInfo:
    return DeviceInfo(
        index=index,
        physical_index=device.index,
        name=gpu.name,
        uuid=gpu.uuid if device.whole_card else None,  # a tile has no UUID of the card's
        capability=None,
        total_memory=gpu.memory(device.tiles),
        architecture=gpu.architecture,
        pci_bus_id=gpu.pci_address,
        numa_node=gpu.numa_node,
        integrated=gpu.integrated,
        compute_units=gpu.compute_units if device.whole_card else None,
        details=_device_details(gpu, device),
    )


def _device_details(gpu: IntelGpu, device: LevelZeroDevice) -> tuple[tuple[str, str], ...]:
    if device.whole_card:
        tiles = str(gpu.tiles)
    else:
        tiles = f"{len(device.tiles)} of {gpu.tiles} (card.tile {device.label})"
    details = [("class", gpu.segment), ("tiles", tiles)]
    if gpu.kernel_driver is not None:
        details.append(("kernel driver", gpu.kernel_driver))
    if gpu.driver_version is not None:
        details.append(("driver version", gpu.driver_version))
    return tuple(details)


def _platform_info(
    found: Inventory,
    devices: tuple[DeviceInfo, ...],
    evidence: tuple[str, ...],
    hierarchy: str | None,
    unusable: str | None = None,
) -> PlatformInfo:
    return PlatformInfo(
        name=PLATFORM_NAME,
        device_name="xpu",
        device_type="xpu",
        dispatch_key="XPU",
        dist_backend="xccl",
        devices=devices,
        evidence=(found.evidence, *evidence),
        ray_device_key="GPU",
        device_control_env_var=MASK_VARIABLE,
        ray_noset_device_env_vars=(RAY_NOSET_VARIABLE,),
        supported_quantization=rules.SUPPORTED_QUANTIZATION,
        supported_dtypes=rules.supported_dtypes(device.name for device in devices),
        supports_fp8=True,
        fp8_dtype=rules.FP8_DTYPE,
        pin_memory=True,  # vLLM's XPU answer: pinned host memory works with Level Zero
        inference_mode="no_grad",  # vLLM runs XPU inference under torch.no_grad()
        backend_hints=tuple(PROVIDER_HINTS.items()),
        unusable_reason=unusable,
        details=_details(found, hierarchy),
    )


def _details(found: Inventory, hierarchy: str | None) -> tuple[tuple[str, str], ...]:
    details = [("detected with", found.source), ("physical GPUs", str(len(found.gpus)))]
    if hierarchy is not None:
        details.append(("device hierarchy", hierarchy))
    if found.source == LEVEL_ZERO:
        versions = sorted({gpu.driver_version for gpu in found.gpus if gpu.driver_version})
        if versions:
            details.append(("driver version", ", ".join(versions)))
    if found.skipped_sources:
        details.append(("sources skipped", "; ".join(found.skipped_sources)))
    if found.ignored:
        details.append(("not counted", "; ".join(found.ignored)))
    return tuple(details)
