"""The hwcore hook implementations of the host-CPU platform.

Registered under the entry point ``cpu`` of the ``hwcore.platforms`` group. The CPU is
present on every machine and declares ``is_fallback=True``, so it is active only when no
accelerator platform was detected, or when ``HWCORE_PLATFORM=cpu``. Importing this module
imports neither torch nor psutil; the facts are read once per process (they describe the
machine, whichever host asks), except memory, which is read fresh whenever it is asked for.
Block copies are the core's (host to host), so no memory-op hook is implemented here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hwcore.plugin_api import UnsupportedDtypeError, dtype_name, hookimpl
from hwcore_cpu.attention import CPU_ATTENTION_PRIORITY
from hwcore_cpu.detection import DEVICE_CONTROL_ENV_VAR, cpu_platform_info
from hwcore_cpu.facts import CpuFacts, gather_cpu_facts, parse_cpu_list, read_memory

if TYPE_CHECKING:
    from hwcore.plugin_api import (
        AttentionRequest,
        ConfigAdjustment,
        DeviceInfo,
        EngineConfig,
        Platform,
        PlatformInfo,
    )

HWCORE_CONTRACT_VERSION = "2.0"

_PROC = "/proc"


@functools.cache
def host_facts() -> CpuFacts:
    """This machine's facts, read once per process."""
    return gather_cpu_facts()


# --------------------------------------------------------------------------- detection


@hookimpl
def detect_platform() -> PlatformInfo:
    return cpu_platform_info(host_facts())


@hookimpl
def log_warnings(platform: Platform) -> list[str]:
    return visible_memory_node_warnings(host_facts(), platform.environ)


def visible_memory_node_warnings(facts: CpuFacts, environ: Mapping[str, str]) -> list[str]:
    """A warning when ``CPU_VISIBLE_MEMORY_NODES`` names nodes this machine lacks."""
    visible = environ.get(DEVICE_CONTROL_ENV_VAR, "")
    if not visible.strip():
        return []
    known = {node.node_id for node in facts.numa_nodes}
    listed = ", ".join(str(n) for n in sorted(known))
    try:
        missing = sorted(set(parse_cpu_list(visible)) - known)
    except ValueError:
        return [f"{DEVICE_CONTROL_ENV_VAR}={visible!r} is not a node list such as '0,1' "
                f"or '0-1'; this machine has NUMA node(s) {listed}"]
    if not missing:
        return []
    return [f"{DEVICE_CONTROL_ENV_VAR}={visible!r} names NUMA node(s) "
            f"{', '.join(map(str, missing))} that this machine lacks; it has {listed}"]


# ----------------------------------------------------------------- dynamic queries


@hookimpl
def get_current_memory_usage(device_id: int) -> int:
    _require_cpu_device(device_id)
    return read_memory(_PROC).used


@hookimpl
def get_device_free_memory(device_id: int) -> int:
    _require_cpu_device(device_id)
    return read_memory(_PROC).available


# ------------------------------------------------------------------ config validation


@hookimpl
def check_if_supports_dtype(dtype: Any) -> None:
    facts = host_facts()
    name = dtype_name(dtype)
    if name not in facts.dtypes:
        raise UnsupportedDtypeError(
            f"{name} is not supported on this {facts.architecture.value} CPU "
            f"({facts.model_name}); use {facts.dtypes[0]} (supported: {', '.join(facts.dtypes)})"
        )


@hookimpl
def check_and_update_config(config: EngineConfig, platform: Platform) -> list[ConfigAdjustment]:
    # Imported here: the config records cost start-up time that `hwcore info` never needs.
    from hwcore_cpu.config import cpu_config_adjustments

    return cpu_config_adjustments(config, host_facts(), read_memory(_PROC), platform.environ)


# ---------------------------------------------------------------------------- attention


@hookimpl
def get_attn_backend_priority(request: AttentionRequest, device: DeviceInfo) -> tuple[str, ...]:
    return CPU_ATTENTION_PRIORITY


def _require_cpu_device(device_id: int) -> None:
    if device_id != 0:
        raise IndexError(
            f"CPU device {device_id} does not exist: the host CPU is the one device, id 0 "
            "(NUMA nodes are placement, set with CPU_VISIBLE_MEMORY_NODES, not devices)"
        )
