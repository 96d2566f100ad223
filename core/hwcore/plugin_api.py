"""Everything a hwcore backend may use, in one module.

A backend (``hwcore-<hw>``) imports from here, from ``hwcore.testing`` in its tests, and
nothing else of hwcore: every other module of the core is internal and may change in any
release. The names here follow the hook contract (``CONTRACT_VERSION``); a backend written
against them keeps working across minor versions.

* **Hooks**: ``hookimpl``, ``CONTRACT_VERSION``; the contract itself is the docstrings of
  ``hwcore.hookspecs``.
* **Records**: ``PlatformInfo``, ``DeviceInfo``, ``DeviceCapability``, ``PlatformAbsent``;
  ``AttentionBackendSpec``, ``AttentionRequest``; ``EngineConfig`` and its parts,
  ``ConfigAdjustment``, ``ValidatedConfig``.
* **The platform argument**: ``Platform``, the type hooks receive as ``platform``.
* **Errors**: what hooks raise (``InvalidConfigError``, ``UnsupportedDtypeError``,
  ``MemoryOpError`` ...).
* **Attention**: ``AttentionBackend`` (the base of backend classes), ``write_kv_cache``,
  ``TorchSDPABackend`` (the portable reference backend, to reuse or subclass),
  ``REFERENCE_BACKEND`` (its name), ``is_quantized_kv_cache``.
* **Memory**: ``insert_blocks_to_device`` / ``swap_out_blocks_to_host`` (the core's
  validated block copies), ``imported_torch``, ``torch_memory_in_use``.
* **Distributed**: ``DeviceCommunicator`` (the default communicator, to subclass for a
  faster path), ``InvalidProcessGroupError``, ``BackendUnavailableError`` and
  ``CollectiveError`` (what a platform's own ``stateless_init_device_torch_dist_pg`` or
  communicator raises).
* **Detection helpers**: ``map_visible_devices`` and its records (visibility variables),
  ``sysfs_root`` / ``dev_root`` (where ``/sys`` and ``/dev`` are).
* **Units**: ``dtype_name``, ``format_bytes``.

Importing this module is cheap: names beyond ``hookimpl``, the detection records, the errors
and the units load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hwcore._markers import hookimpl
from hwcore.dtypes import dtype_name, is_quantized_kv_cache
from hwcore.errors import (
    AttentionBackendError,
    HwcoreError,
    HwcoreWarning,
    InvalidConfigError,
    InvalidSelectedBackendError,
    MemoryOpError,
    NoValidBackendError,
    UnsupportedDtypeError,
)
from hwcore.hookspecs import CONTRACT_VERSION
from hwcore.records import LAZY as _LAZY_RECORDS
from hwcore.records.capability import DeviceCapability
from hwcore.records.detection import PlatformAbsent
from hwcore.records.platform import DeviceInfo, PlatformInfo
from hwcore.system_roots import dev_root, sysfs_root
from hwcore.units import format_bytes

if TYPE_CHECKING:
    from hwcore.attention.backend import AttentionBackend, write_kv_cache
    from hwcore.attention.selection import REFERENCE_BACKEND
    from hwcore.attention.torch_sdpa import TorchSDPABackend
    from hwcore.distributed.communicator import DeviceCommunicator
    from hwcore.distributed.errors import (
        BackendUnavailableError,
        CollectiveError,
        InvalidProcessGroupError,
    )
    from hwcore.facade import Platform
    from hwcore.memory.copy import insert_blocks_to_device, swap_out_blocks_to_host
    from hwcore.memory.usage import imported_torch, torch_memory_in_use
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
    from hwcore.visibility import (
        PhysicalDevice,
        Visibility,
        VisibleDevice,
        VisibleDevicesError,
        map_visible_devices,
    )

_LAZY = {
    "AttentionBackend": "hwcore.attention.backend",
    "TorchSDPABackend": "hwcore.attention.torch_sdpa",
    "write_kv_cache": "hwcore.attention.backend",
    "REFERENCE_BACKEND": "hwcore.attention.selection",
    "Platform": "hwcore.facade",
    "DeviceCommunicator": "hwcore.distributed.communicator",
    **dict.fromkeys(
        ("BackendUnavailableError", "CollectiveError", "InvalidProcessGroupError"),
        "hwcore.distributed.errors",
    ),
    **dict.fromkeys(
        (
            "PhysicalDevice", "Visibility", "VisibleDevice", "VisibleDevicesError",
            "map_visible_devices",
        ),
        "hwcore.visibility",
    ),
    "insert_blocks_to_device": "hwcore.memory.copy",
    "swap_out_blocks_to_host": "hwcore.memory.copy",
    "imported_torch": "hwcore.memory.usage",
    "torch_memory_in_use": "hwcore.memory.usage",
    **_LAZY_RECORDS,  # the attention request and spec, the engine config and its parts
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "CONTRACT_VERSION",
    "REFERENCE_BACKEND",
    "AttentionBackend",
    "AttentionBackendError",
    "AttentionBackendSpec",
    "AttentionRequest",
    "BackendUnavailableError",
    "CacheConfig",
    "CollectiveError",
    "CompilationConfig",
    "ConfigAdjustment",
    "DeviceCapability",
    "DeviceCommunicator",
    "DeviceInfo",
    "EngineConfig",
    "HwcoreError",
    "HwcoreWarning",
    "InvalidConfigError",
    "InvalidProcessGroupError",
    "InvalidSelectedBackendError",
    "KVTransferConfig",
    "LoRAConfig",
    "MemoryOpError",
    "ModelConfig",
    "NoValidBackendError",
    "ParallelConfig",
    "PhysicalDevice",
    "Platform",
    "PlatformAbsent",
    "PlatformInfo",
    "SchedulerConfig",
    "SpeculativeConfig",
    "TorchSDPABackend",
    "UnsupportedDtypeError",
    "ValidatedConfig",
    "Visibility",
    "VisibleDevice",
    "VisibleDevicesError",
    "dev_root",
    "dtype_name",
    "format_bytes",
    "hookimpl",
    "imported_torch",
    "insert_blocks_to_device",
    "is_quantized_kv_cache",
    "map_visible_devices",
    "swap_out_blocks_to_host",
    "sysfs_root",
    "torch_memory_in_use",
    "write_kv_cache",
]
