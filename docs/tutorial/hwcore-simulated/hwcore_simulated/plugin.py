"""The ``simulated`` platform plugin: every hook the simulator answers.

Detection reads the device seam (``hwcore_simulated.devices``) and returns every fact as
records; the other hooks answer from the ``platform`` argument hwcore passes them, so the
module keeps no state and two hosts in one process never mix. Hooks not implemented here
are answered by the core's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hwcore.plugin_api import (
    DeviceInfo,
    PhysicalDevice,
    PlatformAbsent,
    PlatformInfo,
    VisibleDevicesError,
    hookimpl,
    map_visible_devices,
)
from hwcore_simulated import attention, devices, memory
from hwcore_simulated.config import adjust_config

if TYPE_CHECKING:
    from hwcore.plugin_api import (
        AttentionBackendSpec,
        AttentionRequest,
        ConfigAdjustment,
        EngineConfig,
        Platform,
    )

HWCORE_CONTRACT_VERSION = "2.0"

# ----------------------------------------------------------------------------- detection


@hookimpl
def detect_platform(environ: Mapping[str, str]) -> PlatformInfo | PlatformAbsent:
    found = devices.read_devices(environ)
    if found is None:
        return PlatformAbsent(f"{devices.DEVICES_VARIABLE} is not set")
    if found.count == 0:
        return PlatformAbsent(f"{devices.DEVICES_VARIABLE}=0 asks for no devices")
    physical = [PhysicalDevice(index, devices.uuid_of(index)) for index in range(found.count)]
    unusable = None
    try:
        visible = map_visible_devices(
            devices.VISIBLE_VARIABLE, environ.get(devices.VISIBLE_VARIABLE), physical,
            noun="simulated device", uuid_prefixes=("SIM-",),
        )
    except VisibleDevicesError as error:
        visible, unusable = None, str(error)
    if visible is not None and visible.note is not None:
        return PlatformAbsent(visible.note)
    return PlatformInfo(
        name="simulated",
        device_name="simulated",
        device_type=memory.DEVICE_TYPE,
        dispatch_key="CPU",
        dist_backend="gloo",
        devices=() if visible is None else tuple(
            DeviceInfo(
                index=device.logical_index,
                physical_index=device.physical_index,
                name=f"Simulated Accelerator {device.physical_index}",
                uuid=devices.uuid_of(device.physical_index),
                total_memory=found.memory_bytes,
            )
            for device in visible.devices
        ),
        evidence=(f"{devices.DEVICES_VARIABLE}={found.count}",),
        ray_device_key="simulated",
        device_control_env_var=devices.VISIBLE_VARIABLE,
        # Simulated device memory is host memory: there is no transfer to speed up.
        pin_memory=False,
        unusable_reason=unusable,
    )


# ------------------------------------------------------------------ config validation


@hookimpl
def check_and_update_config(config: EngineConfig, platform: Platform) -> list[ConfigAdjustment]:
    return adjust_config(config, platform.get_device_count())


# ---------------------------------------------------------------------------- attention


@hookimpl
def register_attention_backends() -> list[AttentionBackendSpec]:
    return [attention.SIMULATED_PAGED]


@hookimpl
def get_attn_backend_priority(request: AttentionRequest) -> tuple[str, ...]:
    return attention.PRIORITY


# ---------------------------------------------------------------------------- memory ops


@hookimpl
def insert_blocks_to_device(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    return memory.insert_blocks(src_cache, dst_cache, src_block_indices, dst_block_indices)


@hookimpl
def swap_out_blocks_to_host(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    return memory.swap_out_blocks(src_cache, dst_cache, src_block_indices, dst_block_indices)
