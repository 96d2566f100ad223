"""In-process hosts with a fake accelerator platform, for the attention tests.

A plain module (not ``conftest``) so test modules can import the fakes by name."""

from __future__ import annotations

from collections.abc import Sequence

from hwcore.plugin_api import (
    AttentionBackendSpec,
    AttentionRequest,
    DeviceCapability,
    DeviceInfo,
    PlatformInfo,
    hookimpl,
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
    """An accelerator platform with chosen device capabilities, backends and priority.

    ``capabilities`` has one entry per visible device; ``priority_requests`` records every
    request the core asked ``get_attn_backend_priority`` about.
    """

    HWCORE_CONTRACT_VERSION = "2.0"

    def __init__(
        self,
        capability: DeviceCapability | None = AMPERE,
        backends: Sequence[AttentionBackendSpec] = (FLASH_ATTN,),
        priority: Sequence[str] | None = None,
        hints: dict[str, str] | None = None,
        capabilities: Sequence[DeviceCapability | None] | None = None,
    ) -> None:
        self.capabilities = list(capabilities) if capabilities is not None else [capability]
        self.backends = list(backends)
        self.priority = priority
        self.hints = hints or {}
        self.priority_requests: list[tuple[AttentionRequest, DeviceInfo | None]] = []

    @hookimpl
    def detect_platform(self) -> PlatformInfo:
        devices = tuple(
            DeviceInfo(index=i, physical_index=i, name=f"Fake GPU {i}", capability=capability)
            for i, capability in enumerate(self.capabilities)
        )
        return PlatformInfo(
            name="fakegpu", device_name="Fake GPU", device_type="fakegpu",
            dispatch_key="PrivateUse1", dist_backend="gloo", devices=devices,
            evidence=("the test says so",), backend_hints=tuple(self.hints.items()),
        )

    @hookimpl
    def register_attention_backends(self) -> list[AttentionBackendSpec]:
        return self.backends

    @hookimpl
    def get_attn_backend_priority(
        self, request: AttentionRequest, device: DeviceInfo | None
    ) -> Sequence[str] | None:
        self.priority_requests.append((request, device))
        return self.priority  # None: the core default walks every registered backend


class BackendPack:
    """A general plugin that only adds attention backends."""

    HWCORE_CONTRACT_VERSION = "2.0"

    def __init__(self, backends: Sequence[AttentionBackendSpec]) -> None:
        self.backends = list(backends)

    @hookimpl
    def register_attention_backends(self) -> list[AttentionBackendSpec]:
        return self.backends
