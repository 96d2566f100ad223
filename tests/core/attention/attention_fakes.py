"""In-process hosts with a fake accelerator platform, for the attention tests.

A plain module (not ``conftest``) so test modules can import the fakes by name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import hwcore
from hwcore.attention import select_attention_backend
from hwcore.records import (
    AttentionBackendSpec,
    DeviceCapability,
    PlatformInfo,
)

AMPERE = DeviceCapability(8, 0)
FLASH_ATTN = AttentionBackendSpec(
    name="FLASH_ATTN",
    class_path="fake_flash.FlashBackend",
    head_sizes=(64, 128),
    block_sizes=(16,),
    min_capability=DeviceCapability(8, 0),
    device_types=("fakegpu",),
    required_packages=("pluggy",),
)


class FakeGpu:
    """An accelerator platform with a chosen capability, backends and priority list."""

    HWCORE_CONTRACT_VERSION = "1.0"

    def __init__(
        self,
        capability: DeviceCapability | None = AMPERE,
        backends: Sequence[AttentionBackendSpec] = (FLASH_ATTN,),
        priority: Sequence[str] | None = None,
        providers: dict[str, str] | None = None,
    ) -> None:
        self.capability = capability
        self.backends = list(backends)
        self.priority = priority
        self.providers = providers

    @hwcore.hookimpl
    def detect_platform(self) -> PlatformInfo:
        return PlatformInfo(
            name="fakegpu", device_name="Fake GPU", device_type="fakegpu",
            dispatch_key="PrivateUse1", dist_backend="gloo", device_count=1,
            evidence=("the test says so",),
        )

    @hwcore.hookimpl
    def get_device_capability(self, device_id: int) -> DeviceCapability | None:
        return self.capability

    @hwcore.hookimpl
    def register_attention_backends(self) -> list[AttentionBackendSpec]:
        return self.backends

    @hwcore.hookimpl
    def get_attn_backend_cls(
        self, selected_backend: str | None, head_size: int, dtype: Any,
        kv_cache_dtype: str | None, block_size: int | None, use_mla: bool, has_sink: bool,
        use_sparse: bool,
    ) -> str | None:
        if self.priority is None:
            return None  # the core default walks every registered backend
        return select_attention_backend(
            self.priority, selected_backend=selected_backend, head_size=head_size,
            dtype=dtype, kv_cache_dtype=kv_cache_dtype, block_size=block_size,
            use_mla=use_mla, has_sink=has_sink, use_sparse=use_sparse,
            providers=self.providers,
        )


class BackendPack:
    """A general plugin that only adds attention backends."""

    HWCORE_CONTRACT_VERSION = "1.0"

    def __init__(self, backends: Sequence[AttentionBackendSpec]) -> None:
        self.backends = list(backends)

    @hwcore.hookimpl
    def register_attention_backends(self) -> list[AttentionBackendSpec]:
        return self.backends
