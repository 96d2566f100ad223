"""``detect_platform``'s answer: the CUDA platform's facts, or why it is absent.

A node with mixed GPU models runs at its weakest visible GPU: dtypes and FP8/MX follow the
lowest compute capability among the devices this process sees.
"""

from __future__ import annotations

from collections.abc import Mapping

from hwcore.plugin_api import (
    DeviceCapability,
    DeviceInfo,
    PlatformAbsent,
    PlatformInfo,
    Visibility,
    VisibleDevicesError,
)
from hwcore_cuda import capabilities, nvml
from hwcore_cuda.backend_hints import PROVIDER_HINTS
from hwcore_cuda.inventory import VARIABLE, Inventory, NoGpu

PLATFORM_NAME = "cuda"
MIXED_MODELS = "mixed GPU models"
"""The detail naming every GPU model of a node that has more than one (all of its GPUs,
visible or not); ``log_warnings`` reads it instead of asking NVML again."""


def describe(found: Inventory | NoGpu, environ: Mapping[str, str]) -> PlatformInfo | PlatformAbsent:
    """Present when at least one GPU exists and ``CUDA_VISIBLE_DEVICES`` does not hide them
    all. A value that cannot be mapped still detects the platform (the GPUs are there) but
    marks it unusable, so resolution stops with the variable's error instead of silently
    falling back to the CPU."""
    if isinstance(found, NoGpu):
        return PlatformAbsent(found.reason)
    try:
        visibility = found.visible(environ)
    except VisibleDevicesError as error:
        return _platform_info(found, (), (f"{VARIABLE} cannot be used",), unusable=str(error))
    if visibility.note is not None:
        return PlatformAbsent(f"{found.evidence}, but {visibility.note}")
    devices = visible_devices(found, visibility)
    return _platform_info(found, devices, _visibility_evidence(visibility, environ))


def visible_devices(found: Inventory, visibility: Visibility) -> tuple[DeviceInfo, ...]:
    """One ``DeviceInfo`` per visible GPU or MIG slice, in logical order."""
    devices = []
    for device in visibility.devices:
        gpu = found.gpu(device)
        details = (("MIG instance of GPU", str(gpu.index)),) if device.sub_uuid else ()
        devices.append(DeviceInfo(
            index=device.logical_index,
            physical_index=device.physical_index,
            name=gpu.name,
            uuid=gpu.uuid,
            capability=gpu.capability,
            total_memory=gpu.total_memory,
            # Jetson's iGPU shares host memory; NVML parts that report no memory of their
            # own (GB10) may too, so there it is unknown.
            integrated=True if found.source == "tegra" else (
                None if gpu.total_memory is None else False
            ),
            details=details,
        ))
    return tuple(devices)


def weakest_device(devices: tuple[DeviceInfo, ...]) -> DeviceInfo | None:
    """The visible GPU with the lowest compute capability (the first one if none is known),
    whose limits the whole node runs at."""
    known = [device for device in devices if device.capability is not None]
    if known:
        return min(known, key=lambda device: (device.capability, device.index))
    return devices[0] if devices else None


def weakest_capability(devices: tuple[DeviceInfo, ...]) -> DeviceCapability | None:
    weakest = weakest_device(devices)
    return None if weakest is None else weakest.capability


def _platform_info(
    found: Inventory,
    devices: tuple[DeviceInfo, ...],
    evidence: tuple[str, ...],
    unusable: str | None = None,
) -> PlatformInfo:
    weakest = weakest_capability(devices)
    linked = _nvlink_connected(found, devices)
    return PlatformInfo(
        name=PLATFORM_NAME,
        device_name="cuda",
        device_type="cuda",
        dispatch_key="CUDA",
        dist_backend="nccl",
        devices=devices,
        evidence=(found.evidence, *evidence),
        ray_device_key="GPU",
        device_control_env_var=VARIABLE,
        ray_noset_device_env_vars=("RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES",),
        supported_dtypes=tuple(capabilities.supported_dtypes(weakest)),
        supports_fp8=capabilities.supports_fp8(weakest),
        supports_mx=capabilities.supports_mx(weakest),
        fully_connected=linked,
        # vLLM's custom all-reduce needs peer-to-peer NVLink between every pair of ranks.
        custom_allreduce=linked is True,
        backend_hints=tuple(PROVIDER_HINTS.items()),
        unusable_reason=unusable,
        details=_details(found),
    )


def _nvlink_connected(found: Inventory, devices: tuple[DeviceInfo, ...]) -> bool | None:
    """NVLink between every pair of visible GPUs; ``None`` for one GPU, or without NVML."""
    physical = sorted({device.physical_index for device in devices})
    if found.source != "nvml" or len(physical) < 2:
        return None
    return nvml.nvlink_fully_connected(physical)


def _visibility_evidence(visibility: Visibility, environ: Mapping[str, str]) -> tuple[str, ...]:
    value = environ.get(VARIABLE)
    if value is None:
        return ()
    physical = ", ".join(str(d.physical_index) for d in visibility.devices)
    return (f"{VARIABLE}={value!r} selects physical GPU(s) {physical}",)


def _details(found: Inventory) -> tuple[tuple[str, str], ...]:
    details = [("detected with", found.source), ("physical GPUs", str(len(found.gpus)))]
    models = sorted({gpu.name for gpu in found.gpus})
    if len(models) > 1:
        details.append((MIXED_MODELS, ", ".join(models)))
    if found.driver_version is not None:
        details.append(("driver version", found.driver_version))
    if found.cuda_driver_version is not None:
        major, minor = divmod(found.cuda_driver_version // 10, 100)
        details.append(("CUDA driver", f"{major}.{minor}"))
    return tuple(details)
