"""``Platform``: the active platform of one host, with vLLM's member names.

Facts are read from the records ``detect_platform`` returned (``PlatformInfo`` and its
``DeviceInfo`` devices); questions go to the same hooks an engine reaches through
``pm.hook``, so either door gives the same answer. Hooks that declare a ``platform``
argument receive this object. It resolves its host on first use, not when built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hwcore.attention.backend import AttentionBackend
    from hwcore.host.host import Host
    from hwcore.host.plugin_manager import HostPluginManager
    from hwcore.records import (
        AttentionBackendSpec,
        AttentionRequest,
        DetectionReport,
        DeviceCapability,
        DeviceInfo,
        EngineConfig,
        PlatformInfo,
        ValidatedConfig,
    )


class Platform:
    """The active platform: its facts as attributes, its hooks as methods."""

    def __init__(self, host: Host) -> None:
        self._host = host

    @property
    def _pm(self) -> HostPluginManager:
        return self._host.resolve()

    # ------------------------------------------------------------------ facts

    @property
    def info(self) -> PlatformInfo:
        """Every static fact, as ``detect_platform`` returned it."""
        return self._host.platform_info

    @property
    def report(self) -> DetectionReport:
        """What the host discovered, detected and decided, with the warnings it gave."""
        return self._host.inspect()

    @property
    def environ(self) -> Mapping[str, str]:
        """The environment this host reads (the process's, or a test host's dict)."""
        return self._host.environ

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
    def supported_dtypes(self) -> list[str]:
        """Model dtypes, preferred first; the first is used for ``"auto"``."""
        return list(self.info.supported_dtypes)

    @property
    def provider(self) -> str:
        """The distribution that provides the platform, ``"hwcore-cuda 0.1.0"``."""
        return self._host.provider_of(self.info.name)

    def __repr__(self) -> str:
        info = self._host.active_info
        if info is None:
            return "<hwcore Platform (not resolved yet)>"
        return f"<hwcore Platform {info.name!r} from {self._host.provider_of(info.name)}>"

    def supports_fp8(self) -> bool:
        return self.info.supports_fp8

    def supports_mx(self) -> bool:
        return self.info.supports_mx

    def is_fp8_fnuz(self) -> bool:
        return self.info.fp8_fnuz

    def fp8_dtype(self) -> str:
        return self.info.fp8_dtype

    def is_pin_memory_available(self) -> bool:
        return self.info.pin_memory

    def use_custom_allreduce(self) -> bool:
        return self.info.custom_allreduce

    def get_device_communicator_cls(self) -> str:
        return self.info.device_communicator_cls

    # ---------------------------------------------------------------- devices

    def devices(self) -> list[DeviceInfo]:
        """Every visible device with its facts, in logical order."""
        return list(self.info.devices)

    def device(self, device_id: int = 0) -> DeviceInfo:
        """Logical device ``device_id``; ``IndexError`` naming what is visible if absent."""
        devices = self.info.devices
        valid = isinstance(device_id, int) and not isinstance(device_id, bool)
        if valid and 0 <= device_id < len(devices):
            return devices[device_id]
        raise IndexError(_not_visible(self.info, device_id, self.environ))

    def get_device_count(self) -> int:
        return self.info.device_count

    def get_device_name(self, device_id: int = 0) -> str:
        return self.device(device_id).name

    def get_device_uuid(self, device_id: int = 0) -> str | None:
        """The device's UUID; ``None`` when the platform cannot tell (Jetson, a CPU)."""
        return self.device(device_id).uuid

    def get_device_capability(self, device_id: int = 0) -> DeviceCapability | None:
        return self.device(device_id).capability

    def has_device_capability(self, capability: tuple[int, int] | int, device_id: int = 0) -> bool:
        """``>=`` against ``(8, 0)`` or ``80``; ``False`` when the platform has no capability."""
        current = self.get_device_capability(device_id)
        if current is None:
            return False
        if isinstance(capability, int):
            return current.to_int() >= capability
        return current >= tuple(capability)

    def get_device_total_memory(self, device_id: int = 0) -> int | None:
        """Bytes of device memory; ``None`` when the platform cannot tell."""
        return self.device(device_id).total_memory

    def device_id_to_physical_device_id(self, device_id: int) -> int:
        return self.device(device_id).physical_index

    def is_integrated_gpu(self, device_id: int = 0) -> bool:
        return self.device(device_id).integrated is True

    def num_compute_units(self, device_id: int = 0) -> int | None:
        return self.device(device_id).compute_units

    def is_fully_connected(self, physical_device_ids: list[int]) -> bool:
        return bool(self._pm.hook.is_fully_connected(physical_device_ids=physical_device_ids))

    def get_current_memory_usage(self, device_id: int = 0) -> int:
        return int(self._pm.hook.get_current_memory_usage(device_id=device_id))

    def get_device_free_memory(self, device_id: int = 0) -> int:
        return int(self._pm.hook.get_device_free_memory(device_id=device_id))

    # ----------------------------------------------------------------- config

    def check_and_update_config(self, config: EngineConfig) -> ValidatedConfig:
        """``pm.hook.check_and_update_config(config=config)``: the adjusted config and
        every adjustment, from every plugin."""
        validated: ValidatedConfig = self._pm.hook.check_and_update_config(config=config)
        return validated

    def check_if_supports_dtype(self, dtype: Any) -> None:
        self._pm.hook.check_if_supports_dtype(dtype=dtype)

    def verify_quantization(self, quant: str) -> None:
        self._pm.hook.verify_quantization(quant=quant)

    def verify_model_arch(self, architecture: str) -> None:
        self._pm.hook.verify_model_arch(architecture=architecture)

    def check_max_model_len(self, max_model_len: int) -> int:
        return int(self._pm.hook.check_max_model_len(max_model_len=max_model_len))

    def log_warnings(self) -> list[str]:
        return [message for answer in self._pm.hook.log_warnings() for message in answer or ()]

    # --------------------------------------------------------------- attention

    def get_attn_backend_cls(self, selected_backend: str | None, request: AttentionRequest) -> str:
        """The class path of the backend for ``request`` (``pm.hook.get_attn_backend_cls``)."""
        return str(
            self._pm.hook.get_attn_backend_cls(selected_backend=selected_backend, request=request)
        )

    def get_attn_backend_spec(
        self, selected_backend: str | None, request: AttentionRequest
    ) -> AttentionBackendSpec:
        """The registered record of the backend ``get_attn_backend_cls`` chooses (its
        default block size, dtypes ...)."""
        class_path = self.get_attn_backend_cls(selected_backend, request)
        spec = self._host.attention.spec_of(class_path)
        if spec is None:
            raise LookupError(
                f"get_attn_backend_cls chose {class_path}, which no registered "
                "AttentionBackendSpec names; the plugin that answered the hook returned a "
                "class it did not register"
            )
        return spec

    def get_attn_backend(
        self, selected_backend: str | None, request: AttentionRequest
    ) -> type[AttentionBackend]:
        """The class ``get_attn_backend_cls`` chooses, imported; a class that does not import
        is a ``PluginContractError`` naming the plugin and distribution that registered it."""
        return self._host.attention.load_class(self.get_attn_backend_cls(selected_backend, request))

    def get_attn_backend_priority(self, request: AttentionRequest) -> list[str]:
        """The platform's candidate backends for ``request``, best first."""
        return list(self._host.attention.priority(request))

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

    # ------------------------------------------------------------- distributed

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


def _not_visible(info: PlatformInfo, device_id: object, environ: Mapping[str, str]) -> str:
    variable = info.device_control_env_var
    setting = f" with {variable}={environ[variable]!r}" if variable and variable in environ else ""
    head = f"{info.name} device {device_id!r} is not visible"
    if not info.devices:
        return f"{head}: this process sees no {info.name} device{setting}"
    return (
        f"{head}: this process sees {info.device_count} device(s){setting}; use an index "
        f"from 0 to {info.device_count - 1}"
    )


def current_platform() -> Platform:
    """The active platform of the process-wide host, resolving it on first use."""
    from hwcore.host.current import get_host

    platform = get_host().platform()
    platform.info  # noqa: B018 - resolve now, so a failure is raised here, not later
    return platform
