"""The ``simulated`` platform plugin: every hook the simulator answers.

Each hook reads the device seam (``hwcore_simulated.devices``) at call time, so changing
``HWCORE_SIMULATED_DEVICES`` and calling ``hwcore.reset()`` is all a test needs. Hooks not
implemented here are answered by the core's defaults.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import hwcore
from hwcore.records import PlatformAbsent, PlatformInfo
from hwcore_simulated import attention, devices, memory
from hwcore_simulated.config import adjust_config

if TYPE_CHECKING:
    from hwcore.records import AttentionBackendSpec, ConfigAdjustment, EngineConfig

HWCORE_CONTRACT_VERSION = "1.0"

# ----------------------------------------------------------------------------- detection


@hwcore.hookimpl
def detect_platform() -> PlatformInfo | PlatformAbsent:
    found = devices.read_devices(os.environ)
    if found is None:
        return PlatformAbsent(f"{devices.DEVICES_VARIABLE} is not set")
    if found.count == 0:
        return PlatformAbsent(f"{devices.DEVICES_VARIABLE}=0 asks for no devices")
    return PlatformInfo(
        name="simulated",
        device_name="simulated",
        device_type=memory.DEVICE_TYPE,
        dispatch_key="CPU",
        dist_backend="gloo",
        device_count=found.count,
        evidence=(f"{devices.DEVICES_VARIABLE}={found.count}",),
        ray_device_key="simulated",
        device_control_env_var=devices.VISIBLE_VARIABLE,
    )


# ------------------------------------------------------------------------ device queries


@hwcore.hookimpl
def get_device_count() -> int:
    return len(_visible())


@hwcore.hookimpl
def get_device_name(device_id: int) -> str:
    return f"Simulated Accelerator {_physical(device_id)}"


@hwcore.hookimpl
def get_device_uuid(device_id: int) -> str:
    return f"SIM-{_physical(device_id):08d}"


@hwcore.hookimpl
def get_device_total_memory(device_id: int) -> int:
    _physical(device_id)
    return _devices().memory_bytes


@hwcore.hookimpl
def get_supported_dtypes() -> list[str]:
    return ["bfloat16", "float16", "float32"]


# ------------------------------------------------------------------ config validation


@hwcore.hookimpl
def check_and_update_config(config: EngineConfig) -> list[ConfigAdjustment]:
    return adjust_config(config, len(_visible()))


# ---------------------------------------------------------------------------- attention


@hwcore.hookimpl
def register_attention_backends() -> list[AttentionBackendSpec]:
    return [attention.SIMULATED_PAGED]


@hwcore.hookimpl
def get_attn_backend_cls(
    selected_backend: str | None,
    head_size: int,
    dtype: Any,
    kv_cache_dtype: str | None,
    block_size: int | None,
    use_mla: bool,
    has_sink: bool,
    use_sparse: bool,
) -> str:
    # Imported here: the selector is only needed once an engine asks, never to detect.
    from hwcore.attention.selection import select_attention_backend

    return select_attention_backend(
        attention.PRIORITY,
        selected_backend=selected_backend,
        head_size=head_size,
        dtype=dtype,
        kv_cache_dtype=kv_cache_dtype,
        block_size=block_size,
        use_mla=use_mla,
        has_sink=has_sink,
        use_sparse=use_sparse,
    )


# ---------------------------------------------------------------------------- memory ops


@hwcore.hookimpl
def insert_blocks_to_device(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    return memory.insert_blocks(src_cache, dst_cache, src_block_indices, dst_block_indices)


@hwcore.hookimpl
def swap_out_blocks_to_host(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    return memory.swap_out_blocks(src_cache, dst_cache, src_block_indices, dst_block_indices)


@hwcore.hookimpl
def is_pin_memory_available() -> bool:
    # Simulated device memory is host memory: there is no transfer to speed up.
    return False


# ------------------------------------------------------------------------------- helpers


def _devices() -> devices.SimulatedDevices:
    found = devices.read_devices(os.environ)
    if found is None:
        raise RuntimeError(f"no simulated devices: {devices.DEVICES_VARIABLE} is not set")
    return found


def _visible() -> list[int]:
    return devices.visible_indices(os.environ, _devices().count)


def _physical(device_id: int) -> int:
    visible = _visible()
    if not 0 <= device_id < len(visible):
        raise IndexError(f"simulated device {device_id} does not exist: {len(visible)} are visible")
    return visible[device_id]
