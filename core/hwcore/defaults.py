"""The core's own hook implementations, registered ``trylast``.

They give vLLM's ``Platform`` base-class behaviour where the active platform has nothing to
say, and they name the platform in every ``NotImplementedError`` so the user knows whose
backend lacks the feature.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

from hwcore._markers import hookimpl
from hwcore.dtypes import dtype_name
from hwcore.errors import InvalidConfigError, UnsupportedDtypeError

if TYPE_CHECKING:
    from hwcore.host.host import Host
    from hwcore.records import AttentionBackendSpec, DeviceCapability, PlatformInfo

DEFAULT_DTYPES = ["bfloat16", "float16", "float32"]


class CoreDefaults:
    """Registered by the host after activation as ``hwcore.defaults``."""

    def __init__(self, host: Host) -> None:
        self._host = host

    @property
    def _info(self) -> PlatformInfo:
        return self._host.platform_info

    def _missing(self, hook: str) -> NotImplementedError:
        name = self._info.name
        return NotImplementedError(
            f"platform {name!r} ({self._host.provider_of(name)}) does not implement {hook}; "
            f"ask its maintainers, or register a plugin that implements it"
        )

    # --------------------------------------------------------------- device queries

    @hookimpl(trylast=True)
    def get_device_count(self) -> int:
        return self._info.device_count

    @hookimpl(trylast=True)
    def get_device_name(self, device_id: int) -> str:
        raise self._missing("get_device_name")

    @hookimpl(trylast=True)
    def get_device_uuid(self, device_id: int) -> str:
        raise self._missing("get_device_uuid")

    @hookimpl(trylast=True)
    def get_device_capability(self, device_id: int) -> DeviceCapability | None:
        return None

    @hookimpl(trylast=True)
    def get_device_total_memory(self, device_id: int) -> int:
        raise self._missing("get_device_total_memory")

    @hookimpl(trylast=True)
    def device_id_to_physical_device_id(self, device_id: int) -> int:
        variable = self._info.device_control_env_var
        value = os.environ.get(variable) if variable else None
        if not value:
            return device_id
        entries = [entry.strip() for entry in value.split(",")]
        if device_id < 0 or device_id >= len(entries):
            raise IndexError(
                f"device {device_id} is not visible: {variable}={value!r} makes "
                f"{len(entries)} device(s) visible"
            )
        entry = entries[device_id]
        if not entry.isdigit():
            raise ValueError(
                f"{variable}={value!r}: entry {entry!r} is not a device index; platform "
                f"{self._info.name!r} accepts comma-separated integers"
            )
        return int(entry)

    @hookimpl(trylast=True)
    def is_fully_connected(self, physical_device_ids: list[int]) -> bool:
        return False

    @hookimpl(trylast=True)
    def get_supported_dtypes(self) -> list[str]:
        return list(DEFAULT_DTYPES)

    @hookimpl(trylast=True)
    def supports_fp8(self) -> bool:
        return False

    @hookimpl(trylast=True)
    def supports_mx(self) -> bool:
        return False

    @hookimpl(trylast=True)
    def is_fp8_fnuz(self) -> bool:
        return False

    @hookimpl(trylast=True)
    def fp8_dtype(self) -> str:
        return "float8_e4m3fn"

    # ------------------------------------------------------------ config validation

    @hookimpl(trylast=True)
    def verify_quantization(self, quant: str) -> None:
        allowed = self._info.supported_quantization
        if allowed and quant not in allowed:
            raise InvalidConfigError(
                f"{quant} quantization is not supported on {self._info.device_name}; "
                f"use one of: {', '.join(allowed)}"
            )

    @hookimpl(trylast=True)
    def check_if_supports_dtype(self, dtype: Any) -> None:
        name = dtype_name(dtype)
        supported = self._host.plugin_manager.hook.get_supported_dtypes()
        if name not in supported:
            raise UnsupportedDtypeError(
                f"{name} is not supported on {self._info.device_name}; use one of: "
                f"{', '.join(supported)}"
            )

    @hookimpl(trylast=True)
    def check_max_model_len(self, max_model_len: int) -> int:
        return max_model_len

    # -------------------------------------------------------------------- attention

    @hookimpl
    def register_attention_backends(self) -> list[AttentionBackendSpec]:
        from hwcore.attention.torch_sdpa import TORCH_SDPA

        return [TORCH_SDPA]

    @hookimpl(trylast=True)
    def get_attn_backend_cls(
        self,
        selected_backend: str | None,
        head_size: int,
        dtype: Any,
        kv_cache_dtype: str | None,
        block_size: int | None,
        use_mla: bool,
        has_sink: bool,
        use_sparse: bool,
    ) -> str:
        from hwcore.attention.selection import default_priority, select_attention_backend

        return select_attention_backend(
            default_priority(self._info.device_type),
            selected_backend=selected_backend,
            head_size=head_size,
            dtype=dtype,
            kv_cache_dtype=kv_cache_dtype,
            block_size=block_size,
            use_mla=use_mla,
            has_sink=has_sink,
            use_sparse=use_sparse,
        )

    # ------------------------------------------------------------------- memory ops

    @hookimpl(trylast=True)
    def insert_blocks_to_device(
        self, src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
    ) -> Any:
        from hwcore.memory import insert_blocks_to_device

        return insert_blocks_to_device(
            src_cache,
            dst_cache,
            src_block_indices,
            dst_block_indices,
            device_type=self._info.device_type,
        )

    @hookimpl(trylast=True)
    def swap_out_blocks_to_host(
        self, src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
    ) -> Any:
        from hwcore.memory import swap_out_blocks_to_host

        return swap_out_blocks_to_host(
            src_cache,
            dst_cache,
            src_block_indices,
            dst_block_indices,
            device_type=self._info.device_type,
        )

    @hookimpl(trylast=True)
    def is_pin_memory_available(self) -> bool:
        # vLLM's rule: WSL cannot page-lock host memory reliably.
        return not _in_wsl()

    @hookimpl(trylast=True)
    def get_current_memory_usage(self, device_id: int) -> int:
        raise self._missing("get_current_memory_usage")

    # ------------------------------------------------------------------ distributed

    @hookimpl(trylast=True)
    def stateless_init_device_torch_dist_pg(
        self, backend: str, prefix_store: Any, group_rank: int, group_size: int, timeout: Any
    ) -> Any:
        raise self._missing("stateless_init_device_torch_dist_pg")

    @hookimpl(trylast=True)
    def use_custom_allreduce(self) -> bool:
        return False


@functools.cache
def _in_wsl() -> bool:
    import platform

    return "microsoft" in " ".join(platform.uname()).lower()
