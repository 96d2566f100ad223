"""The hwcore hook implementations of the host-CPU platform.

Registered under the entry point ``cpu`` of the ``hwcore.platforms`` group. The CPU is
present on every machine and declares ``is_fallback=True``, so it is active only when no
accelerator platform was detected, or when ``HWCORE_PLATFORM=cpu``. Importing this module
imports neither torch nor psutil; the facts are read on the first hook call and cached,
except memory, which is read fresh whenever it is asked for.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

import hwcore
from hwcore.dtypes import dtype_name
from hwcore.errors import UnsupportedDtypeError
from hwcore_cpu.attention import CPU_ATTENTION_PRIORITY
from hwcore_cpu.detection import DEVICE_CONTROL_ENV_VAR, DEVICE_COUNT, cpu_platform_info
from hwcore_cpu.facts import CpuFacts, gather_cpu_facts, parse_cpu_list, read_memory

if TYPE_CHECKING:
    from hwcore.records import ConfigAdjustment, EngineConfig, PlatformInfo

HWCORE_CONTRACT_VERSION = "1.0"

_PROC = "/proc"


@functools.cache
def host_facts() -> CpuFacts:
    """This machine's facts, read once per process."""
    return gather_cpu_facts()


# --------------------------------------------------------------------------- detection


@hwcore.hookimpl
def detect_platform() -> PlatformInfo:
    return cpu_platform_info(host_facts())


@hwcore.hookimpl
def log_warnings() -> list[str]:
    return visible_memory_node_warnings(host_facts(), os.environ.get(DEVICE_CONTROL_ENV_VAR, ""))


def visible_memory_node_warnings(facts: CpuFacts, visible: str) -> list[str]:
    """A warning when ``CPU_VISIBLE_MEMORY_NODES`` names nodes this machine lacks."""
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


# ------------------------------------------------------------------------ device queries


@hwcore.hookimpl
def get_device_count() -> int:
    return DEVICE_COUNT


@hwcore.hookimpl
def get_device_name(device_id: int) -> str:
    _require_cpu_device(device_id)
    return host_facts().model_name


@hwcore.hookimpl
def get_device_uuid(device_id: int) -> str:
    _require_cpu_device(device_id)
    # The facade turns NotImplementedError into "unknown", which is the truth for a CPU.
    raise NotImplementedError("a CPU has no device UUID")


@hwcore.hookimpl
def get_device_total_memory(device_id: int) -> int:
    _require_cpu_device(device_id)
    return read_memory(_PROC).total


@hwcore.hookimpl
def device_id_to_physical_device_id(device_id: int) -> int:
    _require_cpu_device(device_id)
    return 0


@hwcore.hookimpl
def get_supported_dtypes() -> list[str]:
    return list(host_facts().dtypes)


@hwcore.hookimpl
def check_if_supports_dtype(dtype: Any) -> None:
    facts = host_facts()
    name = dtype_name(dtype)
    if name not in facts.dtypes:
        raise UnsupportedDtypeError(
            f"{name} is not supported on this {facts.architecture.value} CPU "
            f"({facts.model_name}); use {facts.dtypes[0]} (supported: {', '.join(facts.dtypes)})"
        )


# ------------------------------------------------------------------ config validation


@hwcore.hookimpl
def check_and_update_config(config: EngineConfig) -> list[ConfigAdjustment]:
    # Imported here: the config records cost start-up time that `hwcore info` never needs.
    from hwcore_cpu.config import cpu_config_adjustments

    return cpu_config_adjustments(config, host_facts(), read_memory(_PROC), os.environ)


# ---------------------------------------------------------------------------- attention


@hwcore.hookimpl
def get_attn_backend_cls(
    selected_backend: str | None,
    head_size: int,
    dtype: Any,
    kv_cache_dtype: str | None,
    block_size: int | None,
    use_mla: bool,
    has_sink: bool,
    use_sparse: bool,
) -> str:
    # Imported here: the selector is only needed once an engine asks, never to detect.
    from hwcore.attention.selection import select_attention_backend

    return select_attention_backend(
        CPU_ATTENTION_PRIORITY,
        selected_backend=selected_backend,
        head_size=head_size,
        dtype=dtype,
        kv_cache_dtype=kv_cache_dtype,
        block_size=block_size,
        use_mla=use_mla,
        has_sink=has_sink,
        use_sparse=use_sparse,
    )


# ---------------------------------------------------------------------------- memory ops


@hwcore.hookimpl
def insert_blocks_to_device(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    from hwcore.memory import insert_blocks_to_device as insert

    return insert(src_cache, dst_cache, src_block_indices, dst_block_indices, device_type="cpu")


@hwcore.hookimpl
def swap_out_blocks_to_host(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    from hwcore.memory import swap_out_blocks_to_host as swap_out

    return swap_out(src_cache, dst_cache, src_block_indices, dst_block_indices, device_type="cpu")


@hwcore.hookimpl
def is_pin_memory_available() -> bool:
    # vLLM's CPU answer: host and "device" memory are the same RAM, so there is no DMA
    # transfer for page-locking to speed up.
    return False


@hwcore.hookimpl
def get_current_memory_usage(device_id: int) -> int:
    _require_cpu_device(device_id)
    return read_memory(_PROC).used


def _require_cpu_device(device_id: int) -> None:
    if device_id != 0:
        raise IndexError(
            f"CPU device {device_id} does not exist: the host CPU is the one device, id 0 "
            "(NUMA nodes are placement, set with CPU_VISIBLE_MEMORY_NODES, not devices)"
        )
