"""``detect_platform``'s answer: the ROCm platform's facts, or why it is absent.

A node with mixed GPU models runs at its weakest visible GPU: FP8, MX and custom
all-reduce hold only when every visible GPU has them. The platform is present but
*unusable* (resolution stops with the message instead of running on the CPU) when the
visibility variables cannot be applied, an ``HWCORE_ROCM_*`` switch is malformed, or a
visible GPU's architecture has no known capability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hwcore.plugin_api import (
    DeviceCapability,
    DeviceInfo,
    PlatformAbsent,
    PlatformInfo,
    VisibleDevicesError,
)
from hwcore_rocm import arch, names, switches, visibility
from hwcore_rocm.attention import PROVIDER_HINTS
from hwcore_rocm.inventory import Gpu, Inventory, NoGpu

PLATFORM_NAME = "rocm"
RAY_NOSET_VARIABLES = (
    "RAY_EXPERIMENTAL_NOSET_HIP_VISIBLE_DEVICES",
    "RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES",
    "RAY_EXPERIMENTAL_NOSET_ROCR_VISIBLE_DEVICES",
)
PINNED_TRANSFER_VARIABLE = "GPU_PINNED_MIN_XFER_SIZE"
# vLLM's value, in KiB (4 GiB): above it HIP registers the pageable source of a copy, and
# each registration's MMU notifier makes KFD suspend the process's queues, so mmap'd
# weights must stay on HIP's staging path.
PINNED_TRANSFER_KIB = 4 * 1024 * 1024
DETECTED_WITH = "detected with"
HIP_ORDER = "HIP order"
ASSUMED_ORDER = "assumed to be amdsmi's"


def describe(
    found: Inventory | NoGpu, environ: Mapping[str, str], aiter_installed: bool
) -> PlatformInfo | PlatformAbsent:
    """Present when the node has an AMD GPU that visibility leaves to this process."""
    if isinstance(found, NoGpu):
        return PlatformAbsent(found.reason)
    if all(gpu.predates_gfx9 for gpu in found.gpus):
        return PlatformAbsent(
            f"{found.evidence}, but ROCm inference engines need gfx9 or later: "
            f"{found.gpus[0].capability_error}"
        )
    try:
        settings = visibility.read_settings(environ)
        visible = visibility.visible_devices(
            settings, found.hip_order, [gpu.runtime_uuid or "" for gpu in found.gpus]
        )
    except (visibility.InconsistentVisibilityError, VisibleDevicesError) as error:
        return _platform_info(found, (), environ, aiter_installed, unusable=str(error))
    if visible.note is not None:
        return PlatformAbsent(f"{found.evidence}, but {visible.note}")
    gpus = [found.gpu(device.physical_index) for device in visible.devices]
    devices = tuple(_device_info(logical, gpu) for logical, gpu in enumerate(gpus))
    evidence = _visibility_evidence(settings, gpus)
    return _platform_info(
        found, devices, environ, aiter_installed, evidence, unusable=_unusable(gpus, environ)
    )


def weakest_device(devices: Sequence[DeviceInfo]) -> DeviceInfo | None:
    """The visible device with the lowest capability (the core selects attention for it)."""
    rated = [device for device in devices if device.capability is not None]
    if rated:
        return min(rated, key=lambda device: (device.capability, device.index))
    return devices[0] if devices else None


def supported_dtypes(capabilities: Sequence[DeviceCapability | None]) -> tuple[str, ...]:
    """bfloat16 needs capability 8.0 on every GPU (vLLM's rule; every known gfx has it)."""
    if all(c is not None and c >= arch.BFLOAT16_MINIMUM for c in capabilities):
        return arch.SUPPORTED_DTYPES
    return tuple(d for d in arch.SUPPORTED_DTYPES if d != "bfloat16")


def _device_info(logical: int, gpu: Gpu) -> DeviceInfo:
    details = [("gfx family", arch.family(gpu.architecture) or "neither CDNA nor RDNA")]
    if gpu.device_id is not None:
        details.append(("PCI device id", gpu.device_id))
    if gpu.runtime_uuid is not None and gpu.runtime_uuid != gpu.uuid:
        details.append(("ROCm runtime UUID", gpu.runtime_uuid))
    return DeviceInfo(
        index=logical,
        physical_index=gpu.physical_index,
        name=gpu.name,
        uuid=gpu.uuid,
        capability=gpu.capability,
        total_memory=gpu.total_memory,
        architecture=gpu.architecture or None,
        pci_bus_id=gpu.pci_bus_id,
        numa_node=gpu.numa_node,
        integrated=names.integrated(gpu.device_id),
        compute_units=gpu.compute_units,
        details=tuple(details),
    )


def _platform_info(
    found: Inventory,
    devices: tuple[DeviceInfo, ...],
    environ: Mapping[str, str],
    aiter_installed: bool,
    evidence: tuple[str, ...] = (),
    unusable: str | None = None,
) -> PlatformInfo:
    numerics = arch.node_numerics([device.architecture or "" for device in devices])
    physical = [device.physical_index for device in devices]
    connected = found.fully_connected(physical) if len(physical) > 1 else None
    return PlatformInfo(
        name=PLATFORM_NAME,
        device_name="rocm",
        device_type="cuda",  # ROCm builds of torch drive AMD GPUs through torch.cuda
        dispatch_key="CUDA",
        dist_backend="nccl",  # RCCL, under NCCL's name
        devices=devices,
        evidence=(found.evidence, *evidence),
        ray_device_key="GPU",
        device_control_env_var=visibility.CUDA,
        ray_noset_device_env_vars=RAY_NOSET_VARIABLES,
        additional_env_vars=(PINNED_TRANSFER_VARIABLE,),
        supported_quantization=arch.SUPPORTED_QUANTIZATION,
        supported_dtypes=supported_dtypes([device.capability for device in devices]),
        supports_fp8=numerics.supports_fp8,
        supports_mx=numerics.supports_mx,
        fp8_fnuz=numerics.fp8_fnuz,
        fp8_dtype=numerics.fp8_dtype,
        fully_connected=connected,
        # vLLM's custom all-reduce kernels: MI300/MI350 only, over XGMI between every pair.
        custom_allreduce=numerics.custom_allreduce_architecture and connected is True,
        backend_hints=tuple(PROVIDER_HINTS.items()),
        unusable_reason=unusable,
        details=_details(found, environ, aiter_installed),
    )


def _unusable(gpus: Sequence[Gpu], environ: Mapping[str, str]) -> str | None:
    for gpu in gpus:
        if gpu.capability_error is not None:
            return (
                f"{gpu.capability_error} (physical GPU {gpu.physical_index}, {gpu.name}); "
                f"hide it with {visibility.HIP}, or set HWCORE_PLATFORM=cpu to run on the CPU"
            )
    try:
        switches.read_switches({}, environ)
    except switches.SwitchError as error:
        return str(error)
    return None


def _visibility_evidence(
    settings: visibility.VisibilitySettings, gpus: Sequence[Gpu]
) -> tuple[str, ...]:
    physical = ", ".join(str(gpu.physical_index) for gpu in gpus)
    applied = [f"{visibility.ROCR}={settings.rocr!r}"] if settings.rocr is not None else []
    if settings.hip_variable is not None:
        applied.append(f"{settings.hip_variable}={settings.hip_value!r}")
    if not applied:
        return ()
    return (f"{' then '.join(applied)} select(s) physical GPU(s) {physical}",)


def _details(
    found: Inventory, environ: Mapping[str, str], aiter_installed: bool
) -> tuple[tuple[str, str], ...]:
    details = [(DETECTED_WITH, found.source), ("physical GPUs", str(len(found.gpus)))]
    if found.library_version is not None:
        details.append(("amdsmi library", found.library_version))
    if found.driver_version is not None:
        details.append(("driver version", found.driver_version))
    if found.notes:
        details.append((HIP_ORDER, f"{ASSUMED_ORDER} ({found.notes[0]})"))
    details.append(("AITER", "installed" if aiter_installed else "not installed"))
    try:
        sources = switches.switch_sources({}, environ)
    except switches.SwitchError:
        sources = {}
    details += [(f"switch {switches.option_key(name)}", source) for name, source in sources.items()]
    if PINNED_TRANSFER_VARIABLE not in environ:
        details.append((
            "engine should set",
            f"{PINNED_TRANSFER_VARIABLE}={PINNED_TRANSFER_KIB} (vLLM's default; hwcore "
            "writes no environment)",
        ))
    return tuple(details)
