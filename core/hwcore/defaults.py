"""The core's own hook implementations, one instance per host, registered ``trylast``.

They give vLLM's ``Platform`` base-class behaviour where the active platform has nothing to
say, own the per-host attention selection, merge ``check_and_update_config`` answers, and
name the platform in every ``NotImplementedError`` so the user knows whose backend lacks
the feature.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

from hwcore._markers import hookimpl
from hwcore.dtypes import dtype_name
from hwcore.errors import InvalidConfigError, UnsupportedDtypeError

if TYPE_CHECKING:
    from hwcore.attention.selection import AttentionSelector
    from hwcore.facade import Platform
    from hwcore.host.host import Host
    from hwcore.records import (
        AttentionBackendSpec,
        AttentionRequest,
        DeviceInfo,
        EngineConfig,
        PlatformInfo,
        ValidatedConfig,
    )


class CoreDefaults:
    """Registered by the host after activation as ``hwcore.defaults``."""

    def __init__(self, host: Host) -> None:
        self._host = host

    @property
    def _selector(self) -> AttentionSelector:
        # Built on first use: resolving a platform must not load the attention code.
        return self._host.attention

    @property
    def _info(self) -> PlatformInfo:
        return self._host.platform_info

    def _missing(self, hook: str) -> NotImplementedError:
        name = self._info.name
        return NotImplementedError(
            f"platform {name!r} ({self._host.provider_of(name)}) does not implement {hook}; "
            f"ask its maintainers, or register a plugin that implements it"
        )

    # ------------------------------------------------------- dynamic device queries

    @hookimpl(trylast=True)
    def is_fully_connected(self, physical_device_ids: list[int]) -> bool:
        # A subset of a fully connected set of devices is fully connected too.
        visible = {device.physical_index for device in self._info.devices}
        return self._info.fully_connected is True and set(physical_device_ids) <= visible

    @hookimpl(trylast=True)
    def get_current_memory_usage(self, device_id: int) -> int:
        raise self._missing("get_current_memory_usage")

    @hookimpl(trylast=True)
    def get_device_free_memory(self, device_id: int) -> int:
        raise self._missing("get_device_free_memory")

    # ------------------------------------------------------------ config validation

    @hookimpl(wrapper=True, trylast=True)
    def check_and_update_config(
        self, config: EngineConfig
    ) -> Generator[None, list[object], ValidatedConfig]:
        from hwcore.records.config import ValidatedConfig

        answers = yield
        return ValidatedConfig.merge(config, answers, self._implementers("check_and_update_config"))

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
        supported = self._info.supported_dtypes
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
    def get_attn_backend_priority(
        self, request: AttentionRequest, device: DeviceInfo | None
    ) -> Sequence[str]:
        return self._selector.default_priority()

    @hookimpl(trylast=True)
    def get_attn_backend_cls(self, selected_backend: str | None, request: AttentionRequest) -> str:
        return self._selector.select(selected_backend, request)

    # ------------------------------------------------------------------- memory ops

    @hookimpl(trylast=True)
    def insert_blocks_to_device(
        self, src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
    ) -> Any:
        from hwcore.memory import insert_blocks_to_device

        return insert_blocks_to_device(
            src_cache, dst_cache, src_block_indices, dst_block_indices,
            device_type=self._info.device_type,
        )

    @hookimpl(trylast=True)
    def swap_out_blocks_to_host(
        self, src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
    ) -> Any:
        from hwcore.memory import swap_out_blocks_to_host

        return swap_out_blocks_to_host(
            src_cache, dst_cache, src_block_indices, dst_block_indices,
            device_type=self._info.device_type,
        )

    # ------------------------------------------------------------------ distributed

    @hookimpl(trylast=True)
    def stateless_init_device_torch_dist_pg(
        self,
        backend: str,
        prefix_store: Any,
        group_rank: int,
        group_size: int,
        timeout: Any,
        platform: Platform,
    ) -> Any:
        from hwcore.distributed.process_group import stateless_init_device_torch_dist_pg

        return stateless_init_device_torch_dist_pg(
            backend, prefix_store, group_rank, group_size, timeout, platform.info
        )

    # ---------------------------------------------------------------------- helpers

    def _implementers(self, hook: str) -> str:
        pm = self._host.plugin_manager
        names = [
            impl.plugin_name
            for impl in reversed(getattr(pm.hook, hook).get_hookimpls())
            if not (impl.wrapper or impl.hookwrapper)
        ]
        return ", ".join(f"{name} ({self._host.provider_of(name)})" for name in names) or "none"
