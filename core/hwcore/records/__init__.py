"""The frozen, validated records that hooks return and the host reports."""

from __future__ import annotations

from hwcore.records.attention import AttentionBackendSpec
from hwcore.records.capability import DeviceCapability
from hwcore.records.config import (
    CacheConfig,
    CompilationConfig,
    ConfigAdjustment,
    EngineConfig,
    ModelConfig,
    ParallelConfig,
    SchedulerConfig,
    ValidatedConfig,
)
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

__all__ = [
    "PLATFORM_GROUP",
    "PLUGIN_GROUP",
    "AttentionBackendSpec",
    "CacheConfig",
    "CompilationConfig",
    "ConfigAdjustment",
    "DetectionReport",
    "DetectionResult",
    "DeviceCapability",
    "DeviceInfo",
    "EngineConfig",
    "ModelConfig",
    "ParallelConfig",
    "PlatformAbsent",
    "PlatformInfo",
    "PluginRecord",
    "PluginStatus",
    "SchedulerConfig",
    "ValidatedConfig",
]
