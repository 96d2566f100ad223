"""``Platform``: a typed facade over the resolved hooks, for engines that prefer methods.

Every method forwards to ``pm.hook.<same name>``; nothing here answers on its own, so a
plugin that implements a hook is reached the same way through either door.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from hwcore.dtypes import dtype_name
from hwcore.records.capability import DeviceCapability
from hwcore.records.platform import DeviceInfo, PlatformInfo

if TYPE_CHECKING:
    from hwcore.host.host import Host
    from hwcore.host.plugin_manager import HostPluginManager
    from hwcore.records.config import ConfigAdjustment, EngineConfig, ValidatedConfig


class Platform:
    """The active platform: its facts as attributes, its hooks as methods."""

    def __init__(self, host: Host) -> None:
        self._host = host
        self._pm: HostPluginManager = host.resolve()
        self.info: PlatformInfo = host.platform_info

    # ------------------------------------------------------------------ facts

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def device_name(self) -> str:
        return self.info.device_name

    @property
    def device_type(self) -> str:
        return self.info.device_type

    @property
    def dispatch_key(self) -> str:
        return self.info.dispatch_key

    @property
    def dist_backend(self) -> str:
        return self.info.dist_backend

    @property
    def ray_device_key(self) -> str:
        return self.info.ray_device_key

    @property
    def device_control_env_var(self) -> str | None:
        return self.info.device_control_env_var

    @property
    def ray_noset_device_env_vars(self) -> tuple[str, ...]:
        return self.info.ray_noset_device_env_vars

    @property
    def additional_env_vars(self) -> tuple[str, ...]:
        return self.info.additional_env_vars

    @property
    def simple_compile_backend(self) -> str:
        return self.info.simple_compile_backend

    @property
    def supported_quantization(self) -> tuple[str, ...]:
        return self.info.supported_quantization

    @property
    def provider(self) -> str:
        """The distribution that provides the platform, ``"hwcore-cuda 0.1.0"``."""
        return self._host.provider_of(self.info.name)

    def __repr__(self) -> str:
        return f"<hwcore Platform {self.name!r} from {self.provider}>"

    # ---------------------------------------------------------------- devices

    def get_device_count(self) -> int:
        return int(self._pm.hook.get_device_count())

    def get_device_name(self, device_id: int = 0) -> str:
        return str(self._pm.hook.get_device_name(device_id=device_id))

    def get_device_uuid(self, device_id: int = 0) -> str:
        return str(self._pm.hook.get_device_uuid(device_id=device_id))

    def get_device_capability(self, device_id: int = 0) -> DeviceCapability | None:
        capability: DeviceCapability | None = self._pm.hook.get_device_capability(
            device_id=device_id
        )
        return capability

    def has_device_capability(self, capability: tuple[int, int] | int, device_id: int = 0) -> bool:
        """``>=`` against ``(8, 0)`` or ``80``; ``False`` when the platform has no capability."""
        current = self.get_device_capability(device_id)
        if current is None:
            return False
        if isinstance(capability, int):
            return current.to_int() >= capability
        return current >= tuple(capability)

    def get_device_total_memory(self, device_id: int = 0) -> int:
        return int(self._pm.hook.get_device_total_memory(device_id=device_id))

    def device_id_to_physical_device_id(self, device_id: int) -> int:
        return int(self._pm.hook.device_id_to_physical_device_id(device_id=device_id))

    def is_fully_connected(self, physical_device_ids: list[int]) -> bool:
        return bool(self._pm.hook.is_fully_connected(physical_device_ids=physical_device_ids))

    def devices(self) -> list[DeviceInfo]:
        """Every visible device with its facts; a fact the platform cannot tell is ``None``."""
        return [self.device(index) for index in range(self.get_device_count())]

    def device(self, index: int = 0) -> DeviceInfo:
        """Logical device ``index`` with its facts; a fact the platform cannot tell is
        ``None``."""
        return DeviceInfo(
            index=index,
            physical_index=self.device_id_to_physical_device_id(index),
            name=self.get_device_name(index),
            uuid=_optional(self.get_device_uuid, index),
            capability=self.get_device_capability(index),
            total_memory=_optional(self.get_device_total_memory, index),
        )

    # ----------------------------------------------------------------- dtypes

    @property
    def supported_dtypes(self) -> list[str]:
        return list(self._pm.hook.get_supported_dtypes())

    def check_if_supports_dtype(self, dtype: Any) -> None:
        self._pm.hook.check_if_supports_dtype(dtype=dtype)

    def supports_fp8(self) -> bool:
        return bool(self._pm.hook.supports_fp8())

    def supports_mx(self) -> bool:
        return bool(self._pm.hook.supports_mx())

    def is_fp8_fnuz(self) -> bool:
        return bool(self._pm.hook.is_fp8_fnuz())

    def fp8_dtype(self) -> str:
        return str(self._pm.hook.fp8_dtype())

    # ----------------------------------------------------------------- config

    def check_and_update_config(self, config: EngineConfig) -> ValidatedConfig:
        """Run every ``check_and_update_config`` implementation in pluggy's order, each on
        the config as adjusted by the ones before it; return the result and every change."""
        from hwcore.records.config import ValidatedConfig

        adjustments: list[ConfigAdjustment] = []
        for impl in reversed(self._pm.hook.check_and_update_config.get_hookimpls()):
            answer = cast(
                "list[ConfigAdjustment] | None", impl.function(*[config] * len(impl.argnames))
            )
            answer = answer or []
            config = config.apply(answer)
            adjustments.extend(answer)
        return ValidatedConfig(config=config, adjustments=tuple(adjustments))

    def verify_quantization(self, quant: str) -> None:
        self._pm.hook.verify_quantization(quant=quant)

    def verify_model_arch(self, architecture: str) -> None:
        self._pm.hook.verify_model_arch(architecture=architecture)

    def check_max_model_len(self, max_model_len: int) -> int:
        return int(self._pm.hook.check_max_model_len(max_model_len=max_model_len))

    def log_warnings(self) -> list[str]:
        return [message for answer in self._pm.hook.log_warnings() for message in answer or ()]

    # --------------------------------------------------------------- attention

    def get_attn_backend_cls(
        self,
        selected_backend: str | None,
        head_size: int,
        dtype: Any,
        kv_cache_dtype: str | None = None,
        block_size: int | None = None,
        use_mla: bool = False,
        has_sink: bool = False,
        use_sparse: bool = False,
    ) -> str:
        return str(
            self._pm.hook.get_attn_backend_cls(
                selected_backend=selected_backend,
                head_size=head_size,
                dtype=dtype_name(dtype),
                kv_cache_dtype=kv_cache_dtype,
                block_size=block_size,
                use_mla=use_mla,
                has_sink=has_sink,
                use_sparse=use_sparse,
            )
        )

    # -------------------------------------------------------------- memory ops

    def insert_blocks_to_device(
        self, src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
    ) -> Any:
        return self._pm.hook.insert_blocks_to_device(
            src_cache=src_cache,
            dst_cache=dst_cache,
            src_block_indices=src_block_indices,
            dst_block_indices=dst_block_indices,
        )

    def swap_out_blocks_to_host(
        self, src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
    ) -> Any:
        return self._pm.hook.swap_out_blocks_to_host(
            src_cache=src_cache,
            dst_cache=dst_cache,
            src_block_indices=src_block_indices,
            dst_block_indices=dst_block_indices,
        )

    def is_pin_memory_available(self) -> bool:
        return bool(self._pm.hook.is_pin_memory_available())

    def get_current_memory_usage(self, device_id: int = 0) -> int:
        return int(self._pm.hook.get_current_memory_usage(device_id=device_id))

    # ------------------------------------------------------------- distributed

    def get_device_communicator_cls(self) -> str | None:
        answer: str | None = self._pm.hook.get_device_communicator_cls()
        return answer

    def stateless_init_device_torch_dist_pg(
        self, backend: str, prefix_store: Any, group_rank: int, group_size: int, timeout: Any
    ) -> Any:
        return self._pm.hook.stateless_init_device_torch_dist_pg(
            backend=backend,
            prefix_store=prefix_store,
            group_rank=group_rank,
            group_size=group_size,
            timeout=timeout,
        )

    def use_custom_allreduce(self) -> bool:
        return bool(self._pm.hook.use_custom_allreduce())


def _optional(query: Any, index: int) -> Any:
    try:
        return query(index)
    except NotImplementedError:
        return None


def current_platform() -> Platform:
    """The active platform, resolving it on first use."""
    from hwcore.host.current import get_host

    return get_host().platform()
