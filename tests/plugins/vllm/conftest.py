"""hwcore hosts whose platform answers with records a test chooses, for the bridge's tests.

None of these tests imports vLLM: they drive the bridge's translations with hwcore's real
records and hosts, and with plain values where vLLM's would go (``tests/vllm`` runs the
same code against the real vLLM 0.33.0 wheel).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import hwcore
from hwcore.records import (
    AttentionBackendSpec,
    ConfigAdjustment,
    DeviceInfo,
    EngineConfig,
    PlatformInfo,
)


def platform_info(name: str = "mychip", **changes: Any) -> PlatformInfo:
    """A two-device platform record named ``name``, with ``changes`` applied."""
    info = PlatformInfo(
        name=name, device_name=name, device_type="cpu", dispatch_key="CPU",
        dist_backend="gloo", evidence=("2 chips on the test bus",),
        devices=tuple(DeviceInfo(index=i, physical_index=i, name=f"Chip {i}") for i in range(2)),
    )
    return dataclasses.replace(info, **changes)


class RecordPlatform:
    """A platform plugin that answers detection with ``info`` and, when given, config
    validation with ``adjust(config)`` and attention with ``backends`` ranked by
    ``priority``."""

    HWCORE_CONTRACT_VERSION = "2.0"

    def __init__(
        self,
        info: PlatformInfo,
        adjust: Callable[[EngineConfig], list[ConfigAdjustment]] | None = None,
        backends: Sequence[AttentionBackendSpec] = (),
        priority: Sequence[str] = (),
    ) -> None:
        self.info, self.adjust = info, adjust
        self.backends, self.priority = list(backends), list(priority)

    @hwcore.hookimpl
    def detect_platform(self) -> PlatformInfo:
        return self.info

    @hwcore.hookimpl
    def check_and_update_config(self, config: EngineConfig) -> list[ConfigAdjustment]:
        return [] if self.adjust is None else self.adjust(config)

    @hwcore.hookimpl
    def register_attention_backends(self) -> list[AttentionBackendSpec]:
        return self.backends

    @hwcore.hookimpl
    def get_attn_backend_priority(self) -> list[str] | None:
        return self.priority or None


@pytest.fixture
def platform_with(hwcore_host):
    """``platform_with(RecordPlatform(...))``: the resolved ``hwcore.Platform`` of a host
    that has only that platform (and is the process-wide host for the test)."""

    def build(plugin: RecordPlatform) -> hwcore.Platform:
        hwcore_host.add_platform(plugin, plugin.info.name)
        return hwcore_host.platform()

    return build
