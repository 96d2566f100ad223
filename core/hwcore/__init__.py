"""hwcore: the hardware-platform layer of an inference engine.

Engines call ``hwcore.get_plugin_manager().hook.<name>(...)`` or use the typed facade
``hwcore.current_platform()``; backends implement the hooks in ``hwcore.hookspecs`` with
``@hwcore.hookimpl`` and publish themselves under the ``hwcore.platforms`` entry-point group.
Importing this package imports neither torch nor any vendor SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hwcore import records
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
    PluginConflictError,
    PluginContractError,
    PluginError,
    PluginLoadError,
    UnsupportedDtypeError,
    UnusablePlatformError,
)
from hwcore.facade import Platform, current_platform
from hwcore.hookspecs import CONTRACT_VERSION
from hwcore.host import get_plugin_manager, reset
from hwcore.records import (
    DetectionReport,
    DetectionResult,
    DeviceCapability,
    DeviceInfo,
    PlatformAbsent,
    PlatformInfo,
    PluginRecord,
    PluginStatus,
)

if TYPE_CHECKING:
    from hwcore.records import (
        AttentionBackendSpec,
        AttentionRequest,
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


def __getattr__(name: str) -> Any:
    """The attention and engine-config records, loaded on first use (see hwcore.records)."""
    if name not in records.LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(records, name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "CONTRACT_VERSION",
    "AmbiguousPlatformError",
    "AttentionBackendError",
    "AttentionBackendSpec",
    "AttentionRequest",
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
    "KVTransferConfig",
    "LoRAConfig",
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
    "PluginConflictError",
    "PluginContractError",
    "PluginError",
    "PluginLoadError",
    "PluginRecord",
    "PluginStatus",
    "SchedulerConfig",
    "SpeculativeConfig",
    "UnsupportedDtypeError",
    "UnusablePlatformError",
    "ValidatedConfig",
    "__version__",
    "current_platform",
    "dtype_name",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
    "reset",
]
