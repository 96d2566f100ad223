"""The ``rocm`` platform plugin: AMD GPUs, found through amdsmi or the KFD topology, never
through a HIP context.

Detection reads the whole device table once and returns it as records; every other hook
answers from the ``platform`` argument (this host's facts and environment) or asks amdsmi
again for what changes (links, memory in use), so the module keeps no state of its own.
Block copies are the core's, with torch's device type ``cuda`` (ROCm builds of torch drive
AMD GPUs through ``torch.cuda``). Importing this module loads no vendor library and no
torch: pluggy imports every installed platform plugin in every process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hwcore.plugin_api import dev_root, hookimpl, sysfs_root
from hwcore_rocm import arch, detection, inventory, kfd, smi, switches, visibility
from hwcore_rocm.links import xgmi_fully_connected

if TYPE_CHECKING:
    from hwcore.plugin_api import (
        AttentionBackendSpec,
        AttentionRequest,
        ConfigAdjustment,
        DeviceInfo,
        EngineConfig,
        Platform,
        PlatformAbsent,
        PlatformInfo,
    )

HWCORE_CONTRACT_VERSION = "2.0"


# ----------------------------------------------------------------------------- detection


@hookimpl
def detect_platform(environ: Mapping[str, str]) -> PlatformInfo | PlatformAbsent:
    found = inventory.probe(sysfs_root(environ), dev_root(environ))
    return detection.describe(found, environ, switches.aiter_installed())


@hookimpl
def log_warnings(platform: Platform) -> list[str]:
    devices = platform.devices()
    warnings = list(arch.node_numerics([d.architecture or "" for d in devices]).warnings)
    details = dict(platform.info.details)
    models = sorted({device.name for device in devices})
    if len(models) > 1 and detection.HIP_ORDER in details:
        warnings.append(
            f"this node mixes GPU models ({', '.join(models)}) and amdsmi does not report "
            "HIP device ids (amdsmi 7 does), so HIP may number the GPUs differently from "
            "amdsmi; install the amdsmi of ROCm 7 or later to map them"
        )
    warnings += visibility.engine_notes(platform.environ)
    warnings += switches.ignored_vllm_variables(platform.environ)
    return warnings


# --------------------------------------------------------------- dynamic device queries


@hookimpl
def is_fully_connected(physical_device_ids: list[int], platform: Platform) -> bool:
    ids = list(dict.fromkeys(physical_device_ids))
    if len(ids) < 2:
        return True  # no pair to link
    if dict(platform.info.details).get(detection.DETECTED_WITH) == "amdsmi":
        links = smi.read_links(ids)
        if isinstance(links, smi.SmiUnavailable):
            return False  # a custom all-reduce over an unknown link could hang
        return xgmi_fully_connected(links, ids)
    topology = kfd.read_topology(*_roots(platform.environ))
    if isinstance(topology, kfd.KfdUnavailable):
        return False
    return xgmi_fully_connected(topology.links, ids)


@hookimpl
def get_current_memory_usage(device_id: int, platform: Platform) -> int:
    from hwcore.plugin_api import imported_torch, torch_memory_in_use

    platform.device(device_id)  # IndexError naming what is visible
    if imported_torch() is None:
        return 0  # torch holds no memory in a process that has not imported it

    return torch_memory_in_use("cuda", device_id)


@hookimpl
def get_device_free_memory(device_id: int, platform: Platform) -> int:
    device = platform.device(device_id)
    used = smi.memory_used(device.physical_index)
    if used is None and device.pci_bus_id is not None:
        from hwcore_rocm.vram import vram_used

        used = vram_used(_roots(platform.environ)[0], device.pci_bus_id)
    if used is None or device.total_memory is None:
        raise NotImplementedError(
            f"neither amdsmi nor amdgpu's sysfs reports the memory in use on ROCm device "
            f"{device_id} ({device.name}); use torch.cuda.mem_get_info() once the engine "
            "has created a HIP context"
        )
    return max(0, device.total_memory - used)


# --------------------------------------------------------------------- config validation


@hookimpl
def check_if_supports_dtype(dtype: Any, platform: Platform) -> None:
    from hwcore.plugin_api import UnsupportedDtypeError, dtype_name
    from hwcore_rocm.config import bfloat16_message

    if dtype_name(dtype) != "bfloat16":
        return
    for device in platform.devices():
        if device.capability is None or device.capability < arch.BFLOAT16_MINIMUM:
            raise UnsupportedDtypeError(bfloat16_message(device.capability, device.name))


@hookimpl
def check_and_update_config(config: EngineConfig, platform: Platform) -> list[ConfigAdjustment]:
    # Imported here: the config records cost start-up time that detection never needs.
    from hwcore.plugin_api import AttentionRequest, InvalidConfigError
    from hwcore_rocm.config import GpuSetup, adjust_config, check_attention_switches

    environ = platform.environ
    try:
        wanted = switches.read_switches(config.options, environ)
    except switches.SwitchError as error:
        raise InvalidConfigError(str(error)) from error
    devices = platform.devices()
    weakest = detection.weakest_device(devices)
    architecture = "" if weakest is None else weakest.architecture or ""
    installed = switches.aiter_installed()
    aiter = switches.Aiter(wanted, installed, architecture)
    selected_with = switches.Aiter(switches.read_switches({}, environ), installed, architecture)
    check_attention_switches(config, aiter, selected_with, environ)
    setup = GpuSetup(
        capability=None if weakest is None else weakest.capability,
        gpu_name="ROCm" if weakest is None else weakest.name,
        visible_devices=len(devices),
        supported_dtypes=platform.info.supported_dtypes,
        aiter=aiter,
        environ=environ,
    )

    def choose_backend(config: EngineConfig, dtype: str) -> AttentionBackendSpec:
        return platform.get_attn_backend_spec(None, AttentionRequest.for_config(config, dtype))

    return adjust_config(config, setup, choose_backend)


# ----------------------------------------------------------------------------- attention


@hookimpl
def get_attn_backend_priority(
    request: AttentionRequest, device: DeviceInfo | None, platform: Platform
) -> tuple[str, ...]:
    from hwcore_rocm.attention import backend_priority

    architecture = "" if device is None else device.architecture or ""
    aiter = switches.Aiter(
        switches.read_switches({}, platform.environ), switches.aiter_installed(), architecture
    )
    return backend_priority(
        aiter,
        use_mla=request.use_mla,
        use_sparse=request.use_sparse,
        use_kv_connector=request.use_kv_connector,
        # Only encoder-decoder models have encoder and cross-attention layers.
        encoder_decoder=request.attn_type in ("encoder", "encoder_decoder"),
    )


# ------------------------------------------------------------------------------- helpers


def _roots(environ: Mapping[str, str]) -> tuple[str, str]:
    return sysfs_root(environ), dev_root(environ)
