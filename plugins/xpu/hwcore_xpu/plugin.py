"""The ``xpu`` platform plugin: Intel GPUs on native ``torch.xpu``, no IPEX.

Detection reads Level Zero Sysman (``pyzes``, optional), else PCI sysfs, else an already
imported torch, and never creates a device context; the devices and static facts come back
as records. Every other hook answers from the ``platform`` argument (this host's facts) or
asks the driver again for what changes (free memory), so the module keeps no state. Block
copies and memory in use are the core's, on ``xpu`` tensors.

Importing this module loads no vendor library, no torch and none of this package's other
modules: pluggy imports every installed plugin in every process, and each hook imports what
it needs when it first runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hwcore.plugin_api import hookimpl, sysfs_root

if TYPE_CHECKING:
    from hwcore.plugin_api import (
        AttentionRequest,
        ConfigAdjustment,
        EngineConfig,
        Platform,
        PlatformAbsent,
        PlatformInfo,
    )

HWCORE_CONTRACT_VERSION = "2.0"


# ----------------------------------------------------------------------------- detection


@hookimpl
def detect_platform(environ: Mapping[str, str]) -> PlatformInfo | PlatformAbsent:
    from hwcore_xpu import detection, inventory

    return detection.describe(inventory.probe(sysfs_root(environ)), environ)


@hookimpl
def log_warnings(platform: Platform) -> list[str]:
    from hwcore_xpu import rules

    refusing = sorted({d.name for d in platform.devices() if rules.refuses_bfloat16(d.name)})
    if not refusing:
        return []
    return [
        f"{', '.join(refusing)}: bfloat16 is refused (a known accuracy issue), so models run "
        "in float16 when model.dtype is 'auto'"
    ]


# --------------------------------------------------------------- dynamic device queries


@hookimpl
def get_current_memory_usage(device_id: int, platform: Platform) -> int:
    from hwcore.plugin_api import torch_memory_in_use  # loads the core's memory package

    platform.device(device_id)  # IndexError naming what is visible
    return torch_memory_in_use("xpu", device_id)


@hookimpl
def get_device_free_memory(device_id: int, platform: Platform) -> int:
    from hwcore_xpu.memory import free_memory

    device = platform.device(device_id)
    free = free_memory(device, platform.environ)
    if free is None:
        raise NotImplementedError(
            f"neither Level Zero Sysman nor torch.xpu can report the free memory of XPU "
            f"device {device_id} ({device.name}) now; install hwcore-xpu[levelzero] "
            "(pyzes), or ask after the engine has initialised XPU"
        )
    return free


# --------------------------------------------------------------------- config validation


@hookimpl
def check_if_supports_dtype(dtype: Any, platform: Platform) -> None:
    from hwcore_xpu import rules

    rules.check_dtype(dtype, [device.name for device in platform.devices()])


@hookimpl
def check_and_update_config(config: EngineConfig, platform: Platform) -> list[ConfigAdjustment]:
    # Imported here: the config records cost start-up time that detection never needs.
    from hwcore_xpu import rules, torch_xpu
    from hwcore_xpu.config import XpuSetup, adjust_config

    version = torch_xpu.installed_torch_version()
    setup = XpuSetup(
        device_names=tuple(device.name for device in platform.devices()),
        torch_version=version,
        xpu_graphs=rules.xpu_graphs_supported(version),
    )
    return adjust_config(config, setup)


# ----------------------------------------------------------------------------- attention


@hookimpl
def get_attn_backend_priority(request: AttentionRequest) -> tuple[str, ...]:
    from hwcore_xpu.attention import backend_priority

    return backend_priority(request)
