"""The frozen, validated records that hooks return and the host reports.

The attention and engine-config records load on first use: defining a dataclass costs
about 1 ms here, and resolving a platform needs neither (measured with ``-X importtime``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hwcore.records.capability import DeviceCapability
from hwcore.records.detection import (
    PLATFORM_GROUP,
    PLUGIN_GROUP,
    DetectionReport,
    DetectionResult,
    PlatformAbsent,
    PluginRecord,
    PluginStatus,
)
from hwcore.records.platform import DeviceInfo, PlatformInfo

if TYPE_CHECKING:
    from hwcore.records.attention import AttentionBackendSpec
    from hwcore.records.config import (
        CacheConfig,
        CompilationConfig,
        ConfigAdjustment,
        EngineConfig,
        KVTransferConfig,
        LoRAConfig,
        ModelConfig,
        ParallelConfig,
        SchedulerConfig,
        SpeculativeConfig,
        ValidatedConfig,
    )
    from hwcore.records.request import AttentionRequest

CONFIG_RECORDS = (
    "CacheConfig",
    "CompilationConfig",
    "ConfigAdjustment",
    "EngineConfig",
    "KVTransferConfig",
    "LoRAConfig",
    "ModelConfig",
    "ParallelConfig",
    "SchedulerConfig",
    "SpeculativeConfig",
    "ValidatedConfig",
)
LAZY = {
    "AttentionBackendSpec": "hwcore.records.attention",
    "AttentionRequest": "hwcore.records.request",
    **dict.fromkeys(CONFIG_RECORDS, "hwcore.records.config"),
}


def __getattr__(name: str) -> Any:
    module = LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

__all__ = [
    "PLATFORM_GROUP",
    "PLUGIN_GROUP",
    "AttentionBackendSpec",
    "AttentionRequest",
    "CacheConfig",
    "CompilationConfig",
    "ConfigAdjustment",
    "DetectionReport",
    "DetectionResult",
    "DeviceCapability",
    "DeviceInfo",
    "EngineConfig",
    "KVTransferConfig",
    "LoRAConfig",
    "ModelConfig",
    "ParallelConfig",
    "PlatformAbsent",
    "PlatformInfo",
    "PluginRecord",
    "PluginStatus",
    "SchedulerConfig",
    "SpeculativeConfig",
    "ValidatedConfig",
]
