"""The CPU's rules for an engine config (vLLM's ``CpuPlatform.check_and_update_config``).

Each rule returns the ``ConfigAdjustment``s it needs, or raises ``InvalidConfigError``;
none mutates the config or writes an environment variable (vLLM sets a dozen; hwcore
reports instead, and the engine decides).
"""

from __future__ import annotations

from collections.abc import Mapping

from hwcore.plugin_api import ConfigAdjustment, EngineConfig, InvalidConfigError, format_bytes
from hwcore_cpu.facts import CpuFacts, MemorySnapshot
from hwcore_cpu.kv_cache_space import (
    DEFAULT_KV_CACHE_SHARE,
    KV_CACHE_SPACE_VARIABLE,
    default_kv_cache_space,
    kv_cache_space_from_environ,
)

DEFAULT_BLOCK_SIZE = 128
MLA_BLOCK_SIZE = 16
CPU_WORKER_CLS = "vllm.v1.worker.cpu_worker.CPUWorker"
KV_CACHE_DTYPES = ("auto", "bfloat16", "float16")
MLA_KV_CACHE_DTYPES = ("auto", "bfloat16", "float16")


def cpu_config_adjustments(
    config: EngineConfig,
    facts: CpuFacts,
    memory: MemorySnapshot,
    environ: Mapping[str, str],
) -> list[ConfigAdjustment]:
    """Every adjustment the CPU needs for ``config``, in a fixed order."""
    check_model_dtype(config, facts)
    check_kv_cache_dtype(config, facts)
    return [
        *block_size_rule(config),
        *cuda_graph_rule(config),
        *compilation_rule(config),
        *mla_without_amx_rule(config, facts),
        *worker_rule(config),
        *async_scheduling_rule(config),
        *kv_cache_space_rule(config, memory, environ),
    ]


def check_model_dtype(config: EngineConfig, facts: CpuFacts) -> None:
    dtype = config.model.dtype
    if dtype != "auto" and dtype not in facts.dtypes:
        raise InvalidConfigError(
            f"model.dtype {dtype!r} is not supported on this {facts.architecture.value} CPU "
            f"({facts.model_name}); use {facts.dtypes[0]!r} or 'auto' "
            f"(supported: {', '.join(facts.dtypes)})"
        )


def check_kv_cache_dtype(config: EngineConfig, facts: CpuFacts) -> None:
    """FP8 KV caches need kernels the CPU attention backends do not have (vLLM raises
    too); a 16-bit cache dtype must also be one this CPU computes in."""
    cache_dtype = config.cache.cache_dtype
    candidates = MLA_KV_CACHE_DTYPES if config.model.use_mla else KV_CACHE_DTYPES
    allowed = tuple(d for d in candidates if d == "auto" or d in facts.dtypes)
    if cache_dtype not in allowed:
        attention = "MLA attention" if config.model.use_mla else "attention"
        raise InvalidConfigError(
            f"cache.cache_dtype {cache_dtype!r} is not supported by {attention} on this "
            f"{facts.architecture.value} CPU; use one of: {', '.join(repr(d) for d in allowed)} "
            "('auto' stores the KV cache in the model dtype)"
        )


def block_size_rule(config: EngineConfig) -> list[ConfigAdjustment]:
    block_size = config.cache.block_size
    if config.model.use_mla and block_size != MLA_BLOCK_SIZE:
        return [_change(config, "cache.block_size", MLA_BLOCK_SIZE,
                        "the CPU MLA kernel (vLLM's reference CPU_MLA) reads 16-token blocks only")]
    if block_size is None:
        return [_change(config, "cache.block_size", DEFAULT_BLOCK_SIZE,
                        "CPU default (vLLM's too): CPU attention walks the cache block by "
                        "block, and 128-token blocks amortise the per-block cost over four "
                        "32-token kernel tiles")]
    return []


def cuda_graph_rule(config: EngineConfig) -> list[ConfigAdjustment]:
    adjustments = []
    if config.compilation.cudagraph_mode != "none":
        adjustments.append(_change(config, "compilation.cudagraph_mode", "none",
                                   "a CPU has no CUDA graphs"))
    if config.compilation.cudagraph_capture_sizes != ():
        adjustments.append(_change(config, "compilation.cudagraph_capture_sizes", (),
                                   "a CPU has no CUDA graphs to capture"))
    return adjustments


def compilation_rule(config: EngineConfig) -> list[ConfigAdjustment]:
    """``auto`` and ``vllm_compile`` become ``dynamo_trace_once`` with Inductor, as in
    vLLM; ``none`` and ``stock_torch_compile`` are the user's explicit choice and stay."""
    if config.compilation.mode not in ("auto", "vllm_compile"):
        return []
    adjustments = [_change(config, "compilation.mode", "dynamo_trace_once",
                           "without CUDA graphs, piecewise compilation buys nothing on a CPU; "
                           "one Dynamo trace compiled by Inductor is vLLM's CPU setting")]
    if config.compilation.backend != "inductor":
        adjustments.append(_change(config, "compilation.backend", "inductor",
                                   "dynamo_trace_once on a CPU compiles with Inductor"))
    return adjustments


def mla_without_amx_rule(config: EngineConfig, facts: CpuFacts) -> list[ConfigAdjustment]:
    if not config.model.use_mla or facts.has_amx:
        return []
    reason = "MLA on a CPU without AMX uses the reference CPU_MLA kernel, which has no {}"
    adjustments = []
    if config.scheduler.enable_chunked_prefill:
        adjustments.append(_change(config, "scheduler.enable_chunked_prefill", False,
                                   reason.format("chunked-prefill path")))
    if config.cache.enable_prefix_caching:
        adjustments.append(_change(config, "cache.enable_prefix_caching", False,
                                   reason.format("prefix-caching path")))
    return adjustments


def worker_rule(config: EngineConfig) -> list[ConfigAdjustment]:
    if config.parallel.worker_cls != "auto":
        return []
    return [_change(config, "parallel.worker_cls", CPU_WORKER_CLS, "the CPU worker of vLLM")]


def async_scheduling_rule(config: EngineConfig) -> list[ConfigAdjustment]:
    if not config.scheduler.async_scheduling:
        return []
    return [_change(config, "scheduler.async_scheduling", False,
                    "async scheduling overlaps host work with device work; on a CPU they "
                    "are the same cores")]


def kv_cache_space_rule(
    config: EngineConfig, memory: MemorySnapshot, environ: Mapping[str, str]
) -> list[ConfigAdjustment]:
    """An explicit ``cache.kv_cache_memory_bytes`` wins (it must fit in memory); otherwise
    ``HWCORE_CPU_KVCACHE_SPACE``, otherwise the default share of available memory."""
    from_environ = kv_cache_space_from_environ(environ, memory.total)
    requested = config.cache.kv_cache_memory_bytes
    if requested is not None:
        if requested > memory.total:
            raise InvalidConfigError(
                f"cache.kv_cache_memory_bytes {requested} ({format_bytes(requested)}) is more "
                f"than this machine's total memory ({format_bytes(memory.total)}); set a "
                f"smaller value, or leave it unset to use {DEFAULT_KV_CACHE_SHARE:.0%} of "
                "the available memory"
            )
        return []
    if from_environ is not None:
        reason = f"{KV_CACHE_SPACE_VARIABLE}={environ[KV_CACHE_SPACE_VARIABLE]!r}"
        return [_change(config, "cache.kv_cache_memory_bytes", from_environ, reason)]
    workers = config.parallel.world_size
    space = default_kv_cache_space(memory.available, workers)
    split = f", split between {workers} workers" if workers > 1 else ""
    reason = (
        f"{DEFAULT_KV_CACHE_SHARE:.0%} of the {format_bytes(memory.available)} available "
        f"memory{split} ({format_bytes(space)}); set {KV_CACHE_SPACE_VARIABLE} to choose"
    )
    return [_change(config, "cache.kv_cache_memory_bytes", space, reason)]


def _change(config: EngineConfig, field: str, new: object, reason: str) -> ConfigAdjustment:
    return ConfigAdjustment(field=field, old=config.get(field), new=new, reason=reason)
