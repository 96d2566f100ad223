"""``HwcorePlatform``: vLLM's ``Platform``, answered by hwcore's active platform.

vLLM imports this module only after the entry point activated the bridge, so hwcore has
already resolved a platform in this process: the class takes its attributes from that
platform's ``PlatformInfo`` as it is defined, and every method asks hwcore. What vLLM's
base class answers for itself (engine internals such as compile passes and KV-cache
planning) it keeps answering; docs/vllm-mapping.md lists where each member lives.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import torch
from vllm.platforms.interface import (
    DeviceCapability,
    Platform,
    PlatformEnum,
    get_assigned_physical_gpu_ids,
)

import hwcore
from hwcore import HwcoreError
from hwcore_vllm import attention, engine_config, vllm_api
from hwcore_vllm.attributes import class_attributes
from hwcore_vllm.communicator import vllm_communicator
from hwcore_vllm.log import LOGGER

if TYPE_CHECKING:
    from datetime import timedelta

    from vllm.config import VllmConfig
    from vllm.v1.attention.backends.registry import AttentionBackendEnum
    from vllm.v1.attention.selector import AttentionSelectorConfig

_Fact = TypeVar("_Fact")

HWCORE = hwcore.current_platform()
"""hwcore's active platform in this process, the one every answer comes from."""


class HwcorePlatform(Platform):  # type: ignore[misc]  # vLLM is not installed where mypy runs
    """vLLM's platform for whatever hwcore resolved; class attributes from its record."""

    _enum = PlatformEnum.OOT

    # ------------------------------------------------------------ facts as methods

    @property
    def supported_dtypes(self) -> list[torch.dtype]:
        return [_torch_dtype(name) for name in HWCORE.info.supported_dtypes]

    @classmethod
    def get_device_name(cls, device_id: int = 0) -> str:
        return HWCORE.get_device_name(device_id)

    @classmethod
    def get_device_uuid(cls, device_id: int = 0) -> str:
        return _known(HWCORE.get_device_uuid(device_id), "UUID", device_id)

    @classmethod
    def get_device_total_memory(cls, device_id: int = 0) -> int:
        return _known(HWCORE.get_device_total_memory(device_id), "total memory", device_id)

    @classmethod
    def get_device_capability(cls, device_id: int = 0) -> DeviceCapability | None:
        capability = HWCORE.get_device_capability(device_id)
        return None if capability is None else DeviceCapability(*capability)

    @classmethod
    def num_compute_units(cls, device_id: int = 0) -> int:
        return _known(HWCORE.num_compute_units(device_id), "compute units", device_id)

    @classmethod
    def is_integrated_gpu(cls, device_id: int = 0) -> bool:
        return HWCORE.is_integrated_gpu(device_id)

    @classmethod
    def device_count(cls) -> int:
        # Not declared by vLLM's base class, but called on current_platform; without it
        # the call would fall through to torch.<device_type>, which counts other devices.
        return HWCORE.get_device_count()

    @classmethod
    def device_id_to_physical_device_id(cls, device_id: int) -> int:
        if get_assigned_physical_gpu_ids() is not None:  # vLLM's per-worker assignment wins
            return int(super().device_id_to_physical_device_id(device_id))
        return HWCORE.device_id_to_physical_device_id(device_id)

    @classmethod
    def supports_fp8(cls) -> bool:
        return HWCORE.supports_fp8()

    @classmethod
    def supports_mx(cls) -> bool:
        return HWCORE.supports_mx()

    @classmethod
    def is_fp8_fnuz(cls) -> bool:
        return HWCORE.is_fp8_fnuz()

    @classmethod
    def fp8_dtype(cls) -> torch.dtype:
        return _torch_dtype(HWCORE.fp8_dtype())

    @classmethod
    def is_pin_memory_available(cls) -> bool:
        return HWCORE.is_pin_memory_available()

    @classmethod
    def use_custom_allreduce(cls) -> bool:
        return HWCORE.use_custom_allreduce()

    @classmethod
    def use_sync_weight_loader(cls) -> bool:
        return HWCORE.info.sync_weight_loader

    @classmethod
    def inference_mode(cls) -> Any:
        if HWCORE.info.inference_mode == "no_grad":
            return torch.no_grad()
        return torch.inference_mode(mode=True)

    @classmethod
    def log_warnings(cls) -> None:
        for message in HWCORE.log_warnings():
            LOGGER.warning("hwcore's platform %r: %s", HWCORE.name, message)

    # ------------------------------------------------------------------ config

    @classmethod
    def check_and_update_config(cls, vllm_config: VllmConfig) -> None:
        """Validate ``vllm_config`` with hwcore and write every adjustment back into it,
        one log line each; vLLM calls this for every config it builds."""
        with _as_value_error():
            validated = HWCORE.check_and_update_config(engine_config.translate(vllm_config))
            applied = engine_config.apply(
                vllm_config, validated.adjustments, vllm_api.config_types(), HWCORE.name
            )
        for change in applied:
            LOGGER.info("%s", change.describe(HWCORE.name))

    @classmethod
    def verify_model_arch(cls, model_arch: str) -> None:
        with _as_value_error():
            HWCORE.verify_model_arch(model_arch)

    @classmethod
    def verify_quantization(cls, quant: str) -> None:
        with _as_value_error():
            HWCORE.verify_quantization(quant)

    @classmethod
    def check_if_supports_dtype(cls, dtype: torch.dtype) -> None:
        with _as_value_error():
            HWCORE.check_if_supports_dtype(dtype)

    @classmethod
    def check_max_model_len(cls, max_model_len: int) -> int:
        return HWCORE.check_max_model_len(max_model_len)

    # ---------------------------------------------------------------- attention

    @classmethod
    def get_attn_backend_cls(
        cls,
        selected_backend: AttentionBackendEnum | None,
        attn_selector_config: AttentionSelectorConfig,
        num_heads: int | None = None,
    ) -> str:
        """hwcore's choice for vLLM's selector config, as a class vLLM can run."""
        request = attention.request_from_selector(
            attn_selector_config._asdict(), type(attn_selector_config)._field_defaults,
            num_heads, HWCORE.name,
        )
        selected = None if selected_backend is None else selected_backend.name
        spec = HWCORE.get_attn_backend_spec(selected, request)
        class_path = attention.vllm_class_path(
            spec, request, HWCORE.name, vllm_api.attention_view()
        )
        LOGGER.info("hwcore's platform %r chose attention backend %s for %s: %s",
                    HWCORE.name, spec.name, request.describe(), class_path)
        return class_path

    # ---------------------------------------------------- memory and distributed

    @classmethod
    def get_current_memory_usage(cls, device: torch.types.Device | None = None) -> float:
        index = 0 if device is None else torch.device(device).index or 0
        return float(HWCORE.get_current_memory_usage(index))

    @classmethod
    def insert_blocks_to_device(
        cls, src_cache: torch.Tensor, dst_cache: torch.Tensor,
        src_block_indices: torch.Tensor, dst_block_indices: torch.Tensor,
    ) -> None:
        HWCORE.insert_blocks_to_device(src_cache, dst_cache, src_block_indices,
                                       dst_block_indices)

    @classmethod
    def swap_out_blocks_to_host(
        cls, src_cache: torch.Tensor, dst_cache: torch.Tensor,
        src_block_indices: torch.Tensor, dst_block_indices: torch.Tensor,
    ) -> None:
        HWCORE.swap_out_blocks_to_host(src_cache, dst_cache, src_block_indices,
                                       dst_block_indices)

    @classmethod
    def is_fully_connected(cls, physical_device_ids: list[int]) -> bool:
        return HWCORE.is_fully_connected(physical_device_ids)

    @classmethod
    def get_device_communicator_cls(cls) -> str:
        return vllm_communicator(HWCORE.info, vllm_api.is_vllm_communicator)

    @classmethod
    def stateless_init_device_torch_dist_pg(
        cls, backend: str, prefix_store: Any, group_rank: int, group_size: int,
        timeout: timedelta,
    ) -> Any:
        return HWCORE.stateless_init_device_torch_dist_pg(
            backend, prefix_store, group_rank, group_size, timeout
        )

    @classmethod
    def set_device(cls, device: torch.device) -> None:
        torch.get_device_module(cls.device_type).set_device(device)

    @classmethod
    def manual_seed_all(cls, seed: int) -> None:
        torch.manual_seed(seed)  # seeds every device type torch knows


def _require_torch_device_type(device_type: str) -> None:
    # vLLM builds torch.device(device_type) for its DeviceConfig; say so here, naming the
    # platform, rather than let that fail inside vLLM's config code.
    try:
        torch.device(device_type)
    except RuntimeError as error:
        raise ValueError(
            f"hwcore's platform {HWCORE.name!r} ({HWCORE.provider}) has device_type "
            f"{device_type!r}, which is not a torch device type, and vLLM builds "
            f"torch.device(device_type); its PlatformInfo.device_type must be one ({error})"
        ) from error


_require_torch_device_type(HWCORE.info.device_type)
for _name, _value in class_attributes(HWCORE.info).items():
    setattr(HwcorePlatform, _name, _value)


def _torch_dtype(name: str) -> torch.dtype:
    dtype = getattr(torch, name, None)
    if not isinstance(dtype, torch.dtype):
        raise ValueError(
            f"hwcore's platform {HWCORE.name!r} names the dtype {name!r}, which torch "
            f"{torch.__version__} does not have"
        )
    return dtype


def _known(value: _Fact | None, fact: str, device_id: int) -> _Fact:
    # vLLM's base class raises NotImplementedError for a fact it cannot tell; hwcore's
    # record says None. vLLM's callers that can do without the fact catch the former.
    if value is None:
        raise NotImplementedError(
            f"hwcore's platform {HWCORE.name!r} ({HWCORE.provider}) cannot tell the {fact} "
            f"of device {device_id}: its record leaves it unknown"
        )
    return value


@contextlib.contextmanager
def _as_value_error() -> Iterator[None]:
    """hwcore's config and dtype errors as the plain ``ValueError`` vLLM raises for a
    config it cannot run, message unchanged (vLLM's callers catch ``ValueError``)."""
    try:
        yield
    except HwcoreError as error:
        if not isinstance(error, ValueError):
            raise
        raise ValueError(str(error)) from error
