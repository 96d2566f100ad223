"""hwcore: the hardware-platform layer of an inference engine.

Engines call ``hwcore.get_plugin_manager().hook.<name>(...)`` or use the typed facade
``hwcore.current_platform()``; backends implement the hooks in ``hwcore.hookspecs`` with
``@hwcore.hookimpl`` and publish themselves under the ``hwcore.platforms`` entry-point group.
Importing this package imports neither torch nor any vendor SDK.
"""

from __future__ import annotations

from hwcore._markers import hookimpl, hookspec
from hwcore.dtypes import dtype_name
from hwcore.errors import (
    AmbiguousPlatformError,
    AttentionBackendError,
    DuplicateBackendError,
    DuplicatePluginError,
    HwcoreError,
    HwcoreWarning,
    InvalidConfigError,
    InvalidSelectedBackendError,
    MemoryOpError,
    NoPlatformError,
    NoValidBackendError,
    PlatformError,
    PlatformOverrideError,
    PluginContractError,
    PluginError,
    PluginLoadError,
    UnsupportedDtypeError,
)
from hwcore.facade import Platform, current_platform
from hwcore.hookspecs import CONTRACT_VERSION
from hwcore.host import get_plugin_manager, reset
from hwcore.records import (
    AttentionBackendSpec,
    CacheConfig,
    CompilationConfig,
    ConfigAdjustment,
    DetectionReport,
    DetectionResult,
    DeviceCapability,
    DeviceInfo,
    EngineConfig,
    ModelConfig,
    ParallelConfig,
    PlatformAbsent,
    PlatformInfo,
    PluginRecord,
    PluginStatus,
    SchedulerConfig,
    ValidatedConfig,
)

__version__ = "0.1.0"

__all__ = [
    "CONTRACT_VERSION",
    "AmbiguousPlatformError",
    "AttentionBackendError",
    "AttentionBackendSpec",
    "CacheConfig",
    "CompilationConfig",
    "ConfigAdjustment",
    "DetectionReport",
    "DetectionResult",
    "DeviceCapability",
    "DeviceInfo",
    "DuplicateBackendError",
    "DuplicatePluginError",
    "EngineConfig",
    "HwcoreError",
    "HwcoreWarning",
    "InvalidConfigError",
    "InvalidSelectedBackendError",
    "MemoryOpError",
    "ModelConfig",
    "NoPlatformError",
    "NoValidBackendError",
    "ParallelConfig",
    "Platform",
    "PlatformAbsent",
    "PlatformError",
    "PlatformInfo",
    "PlatformOverrideError",
    "PluginContractError",
    "PluginError",
    "PluginLoadError",
    "PluginRecord",
    "PluginStatus",
    "SchedulerConfig",
    "UnsupportedDtypeError",
    "ValidatedConfig",
    "__version__",
    "current_platform",
    "dtype_name",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
    "reset",
]
