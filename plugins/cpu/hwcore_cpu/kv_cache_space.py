"""How much memory the KV cache of each worker gets on the CPU.

``HWCORE_CPU_KVCACHE_SPACE`` sets it (vLLM's ``VLLM_CPU_KVCACHE_SPACE`` took GiB only;
this takes any byte size). Without it each worker gets ``DEFAULT_KV_CACHE_SHARE`` of the
memory available when the config is checked, split between the workers of the host.
"""

from __future__ import annotations

from collections.abc import Mapping

from hwcore.plugin_api import InvalidConfigError, format_bytes
from hwcore_cpu.units import ACCEPTED_FORMS, parse_byte_size

KV_CACHE_SPACE_VARIABLE = "HWCORE_CPU_KVCACHE_SPACE"

DEFAULT_KV_CACHE_SHARE = 0.4
"""Share of available memory given to the KV cache when nothing is set: on a CPU the
weights, activations and the KV cache all live in the same RAM, so the KV cache cannot
take the 90% a GPU gives it; 40% leaves room for weights of the same size plus headroom."""

_MIB = 1 << 20


def kv_cache_space_from_environ(environ: Mapping[str, str], total_memory: int) -> int | None:
    """The bytes ``HWCORE_CPU_KVCACHE_SPACE`` asks for, or ``None`` when it is unset or empty.

    Raises ``InvalidConfigError`` naming the variable, its value and the accepted forms when
    the value is not a size, is zero or negative, or exceeds ``total_memory``.
    """
    value = environ.get(KV_CACHE_SPACE_VARIABLE, "")
    if not value.strip():
        return None
    try:
        size = parse_byte_size(value)
    except ValueError as error:
        raise _invalid(value, str(error)) from None
    if size <= 0:
        raise _invalid(value, "it must be greater than zero")
    if size > total_memory:
        raise _invalid(
            value, f"it is more than this machine's total memory ({format_bytes(total_memory)})"
        )
    return size


def default_kv_cache_space(available_memory: int, workers: int) -> int:
    """``DEFAULT_KV_CACHE_SHARE`` of ``available_memory`` split between ``workers``,
    rounded down to whole MiB (at least 1 MiB)."""
    share = int(available_memory * DEFAULT_KV_CACHE_SHARE) // max(workers, 1)
    return max(share // _MIB * _MIB, _MIB)


def _invalid(value: str, why: str) -> InvalidConfigError:
    return InvalidConfigError(
        f"{KV_CACHE_SPACE_VARIABLE}={value!r} is not a usable KV-cache size: {why}. "
        f"Set it to {ACCEPTED_FORMS}, or unset it to use "
        f"{DEFAULT_KV_CACHE_SHARE:.0%} of the available memory."
    )
