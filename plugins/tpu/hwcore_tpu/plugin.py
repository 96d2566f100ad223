"""The ``tpu`` platform plugin: Google TPUs, found from the environment, sysfs and /dev.

Detection imports no tpu-inference, JAX or libtpu and makes no network call
(``hwcore_tpu.inventory``); the run-time work (the Pallas attention kernels, KV-cache block
copies, free memory) belongs to tpu-inference, which is named wherever it is missing. The
hooks keep no state: everything a call needs comes from its ``platform`` argument. This
module imports only what detection needs, since hwcore imports it in every process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hwcore.plugin_api import hookimpl
from hwcore_tpu import detection, inventory
from hwcore_tpu.packages import TPU_INFERENCE, TPU_INFERENCE_INSTALL, installed_at

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hwcore.plugin_api import (
        AttentionBackendSpec,
        AttentionRequest,
        ConfigAdjustment,
        EngineConfig,
        Platform,
        PlatformAbsent,
        PlatformInfo,
    )

HWCORE_CONTRACT_VERSION = "2.0"


@hookimpl
def detect_platform(environ: Mapping[str, str]) -> PlatformInfo | PlatformAbsent:
    return detection.describe(inventory.find_tpus(environ), environ)


@hookimpl
def log_warnings(platform: Platform) -> list[str]:
    warnings = detection.disagreements(platform.info)
    if installed_at(TPU_INFERENCE) is None:
        warnings.append(
            "tpu-inference is not installed, and TPU models run on it (the Pallas attention "
            f"backends, KV-cache block copies, free memory): {TPU_INFERENCE_INSTALL}"
        )
    return warnings


@hookimpl
def check_if_supports_dtype(dtype: Any, platform: Platform) -> None:
    from hwcore.plugin_api import UnsupportedDtypeError, dtype_name

    name = dtype_name(dtype)
    if name not in platform.info.supported_dtypes:
        raise UnsupportedDtypeError(
            f"{name} is not supported on TPUs, which run models in bfloat16 only (vLLM's TPU "
            "platform turns float16 and float32 models into bfloat16); use bfloat16"
        )


@hookimpl
def check_and_update_config(config: EngineConfig, platform: Platform) -> list[ConfigAdjustment]:
    from hwcore_tpu.config import adjust_config

    return adjust_config(config, platform.info.device_count)


@hookimpl
def register_attention_backends() -> list[AttentionBackendSpec]:
    from hwcore_tpu.attention import backend_specs

    return backend_specs()


@hookimpl
def get_attn_backend_priority(request: AttentionRequest) -> Sequence[str]:
    from hwcore_tpu.attention import backend_priority

    return backend_priority(request)


@hookimpl
def insert_blocks_to_device(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    from hwcore_tpu.memory import copy_into_device

    return copy_into_device(src_cache, dst_cache, src_block_indices, dst_block_indices)


@hookimpl
def swap_out_blocks_to_host(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    from hwcore_tpu.memory import copy_out_to_host

    return copy_out_to_host(src_cache, dst_cache, src_block_indices, dst_block_indices)


@hookimpl
def get_current_memory_usage(device_id: int, platform: Platform) -> int:
    from hwcore_tpu.memory import memory_in_use

    return memory_in_use(device_id, platform.info)


@hookimpl
def get_device_free_memory(device_id: int, platform: Platform) -> int:
    from hwcore_tpu.memory import free_memory

    return free_memory(device_id, platform.info)
