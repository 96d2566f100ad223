from __future__ import annotations

import dataclasses
import re

import pytest

from hwcore.errors import InvalidConfigError
from hwcore.records import (
    CacheConfig,
    CompilationConfig,
    ConfigAdjustment,
    EngineConfig,
    ModelConfig,
    ParallelConfig,
    SchedulerConfig,
)
from hwcore_cpu.config import cpu_config_adjustments
from hwcore_cpu.facts import CpuArchitecture, CpuFacts, MemorySnapshot, NumaNode

GIB = 1 << 30
MEMORY = MemorySnapshot(total=32 * GIB, available=20 * GIB)
X86 = CpuFacts(
    architecture=CpuArchitecture.X86, machine="x86_64", model_name="Test Xeon",
    isa=("avx2", "avx512", "avx512_bf16"), online_cpus=(0, 1), allowed_cpus=(0, 1),
    numa_nodes=(NumaNode(0, (0, 1)),), memory=MEMORY, dtypes=("bfloat16", "float16", "float32"),
)
X86_AMX = dataclasses.replace(X86, isa=(*X86.isa, "amx_bf16", "amx_tile"))
APPLE_M1 = dataclasses.replace(
    X86, architecture=CpuArchitecture.ARM, machine="arm64", model_name="Apple M1",
    isa=("neon",), dtypes=("float16", "float32"),
)

DEFAULT_KV_REASON = (
    "8.0 GiB: 40% of the 20.0 GiB available memory; set HWCORE_CPU_KVCACHE_SPACE to choose"
)


def adjust(config: EngineConfig, facts: CpuFacts = X86, **environ: str) -> dict[str, object]:
    adjustments = cpu_config_adjustments(config, facts, MEMORY, environ)
    config.apply(adjustments)  # every adjustment must apply cleanly
    return {a.field: a.new for a in adjustments}


def test_default_config_on_x86() -> None:
    adjustments = cpu_config_adjustments(EngineConfig(), X86, MEMORY, {})
    assert [str(a) for a in adjustments] == [
        "cache.block_size: None -> 128 (CPU default (vLLM's too): CPU attention walks the "
        "cache block by block, and 128-token blocks amortise the per-block cost over four "
        "32-token kernel tiles)",
        "compilation.cudagraph_mode: 'auto' -> 'none' (a CPU has no CUDA graphs)",
        "compilation.cudagraph_capture_sizes: None -> () (a CPU has no CUDA graphs to capture)",
        "compilation.mode: 'auto' -> 'dynamo_trace_once' (without CUDA graphs, piecewise "
        "compilation buys nothing on a CPU; one Dynamo trace compiled by Inductor is vLLM's "
        "CPU setting)",
        "parallel.worker_cls: 'auto' -> 'vllm.v1.worker.cpu_worker.CPUWorker' (the CPU "
        "worker of vLLM)",
        f"cache.kv_cache_memory_bytes: None -> {8 * GIB} ({DEFAULT_KV_REASON})",
    ]


def test_never_mutates_and_an_adjusted_config_needs_nothing_more() -> None:
    config = EngineConfig()
    adjusted = config.apply(cpu_config_adjustments(config, X86, MEMORY, {}))
    assert config == EngineConfig()
    assert cpu_config_adjustments(adjusted, X86, MEMORY, {}) == []


def test_user_choices_that_fit_the_cpu_stay() -> None:
    config = EngineConfig(
        cache=CacheConfig(block_size=64, kv_cache_memory_bytes=GIB),
        compilation=CompilationConfig(mode="none", cudagraph_mode="none",
                                      cudagraph_capture_sizes=()),
        parallel=ParallelConfig(worker_cls="my.Worker"),
    )
    assert adjust(config) == {}


def test_vllm_compile_becomes_dynamo_trace_once_with_inductor() -> None:
    config = EngineConfig(compilation=CompilationConfig(mode="vllm_compile", backend="eager"))
    changes = adjust(config)
    assert changes["compilation.mode"] == "dynamo_trace_once"
    assert changes["compilation.backend"] == "inductor"
    stock = EngineConfig(compilation=CompilationConfig(mode="stock_torch_compile"))
    assert "compilation.mode" not in adjust(stock)


def test_async_scheduling_is_turned_off() -> None:
    config = EngineConfig(scheduler=SchedulerConfig(async_scheduling=True))
    adjustment = next(
        a for a in cpu_config_adjustments(config, X86, MEMORY, {})
        if a.field == "scheduler.async_scheduling"
    )
    assert adjustment == ConfigAdjustment(
        "scheduler.async_scheduling", True, False,
        "async scheduling overlaps host work with device work; on a CPU they are the same cores",
    )


def test_mla_without_amx_uses_16_token_blocks_and_no_chunked_prefill_or_prefix_caching() -> None:
    config = EngineConfig(model=ModelConfig(use_mla=True), cache=CacheConfig(block_size=128))
    changes = adjust(config)
    assert changes["cache.block_size"] == 16
    assert changes["scheduler.enable_chunked_prefill"] is False
    assert changes["cache.enable_prefix_caching"] is False


def test_mla_with_amx_keeps_chunked_prefill_and_prefix_caching() -> None:
    changes = adjust(EngineConfig(model=ModelConfig(use_mla=True)), X86_AMX)
    assert changes["cache.block_size"] == 16
    assert "scheduler.enable_chunked_prefill" not in changes
    assert "cache.enable_prefix_caching" not in changes


def test_kv_cache_space_from_the_environment() -> None:
    adjustments = cpu_config_adjustments(
        EngineConfig(), X86, MEMORY, {"HWCORE_CPU_KVCACHE_SPACE": "4 GiB"}
    )
    assert adjustments[-1] == ConfigAdjustment(
        "cache.kv_cache_memory_bytes", None, 4 * GIB, "4.0 GiB, from HWCORE_CPU_KVCACHE_SPACE='4 GiB'"
    )


def test_a_kv_cache_space_in_bytes_is_explained_in_binary_units() -> None:
    adjustments = cpu_config_adjustments(
        EngineConfig(), X86, MEMORY, {"HWCORE_CPU_KVCACHE_SPACE": "8589934592"}
    )
    assert str(adjustments[-1]) == (
        "cache.kv_cache_memory_bytes: None -> 8589934592 (8.0 GiB, from "
        "HWCORE_CPU_KVCACHE_SPACE='8589934592')"
    )


def test_default_kv_cache_space_is_split_between_workers() -> None:
    config = EngineConfig(parallel=ParallelConfig(tensor_parallel_size=2))
    adjustment = cpu_config_adjustments(config, X86, MEMORY, {})[-1]
    assert adjustment.new == 4 * GIB
    assert adjustment.reason == (
        "4.0 GiB: 40% of the 20.0 GiB available memory, split between 2 workers; set "
        "HWCORE_CPU_KVCACHE_SPACE to choose"
    )


def test_an_explicit_kv_cache_size_must_fit_in_memory() -> None:
    config = EngineConfig(cache=CacheConfig(kv_cache_memory_bytes=40 * GIB))
    message = (
        "cache.kv_cache_memory_bytes 42949672960 (40.0 GiB) is more than this machine's total "
        "memory (32.0 GiB); set a smaller value, or leave it unset to use 40% of the "
        "available memory"
    )
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        cpu_config_adjustments(config, X86, MEMORY, {})


def test_a_bad_kv_cache_variable_is_an_error_even_when_the_config_sets_the_size() -> None:
    config = EngineConfig(cache=CacheConfig(kv_cache_memory_bytes=GIB))
    with pytest.raises(InvalidConfigError, match=re.escape("HWCORE_CPU_KVCACHE_SPACE='lots'")):
        cpu_config_adjustments(config, X86, MEMORY, {"HWCORE_CPU_KVCACHE_SPACE": "lots"})


def test_rejects_a_model_dtype_the_cpu_lacks_and_names_one_to_use() -> None:
    config = EngineConfig(model=ModelConfig(dtype="bfloat16"))
    message = (
        "model.dtype 'bfloat16' is not supported on this arm CPU (Apple M1); use 'float16' "
        "or 'auto' (supported: float16, float32)"
    )
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        cpu_config_adjustments(config, APPLE_M1, MEMORY, {})


@pytest.mark.parametrize("cache_dtype", ["fp8", "fp8_e4m3", "fp8_e5m2", "fp8_inc"])
def test_rejects_fp8_kv_caches(cache_dtype: str) -> None:
    config = EngineConfig(cache=CacheConfig(cache_dtype=cache_dtype))
    message = (
        f"cache.cache_dtype {cache_dtype!r} is not supported by attention on this x86 CPU; "
        "use one of: 'auto', 'bfloat16', 'float16' ('auto' stores the KV cache in the model "
        "dtype)"
    )
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        cpu_config_adjustments(config, X86, MEMORY, {})


def test_rejects_a_bfloat16_kv_cache_for_mla_on_a_cpu_without_bfloat16() -> None:
    config = EngineConfig(
        model=ModelConfig(use_mla=True, dtype="float16"), cache=CacheConfig(cache_dtype="bfloat16")
    )
    message = (
        "cache.cache_dtype 'bfloat16' is not supported by MLA attention on this arm CPU; "
        "use one of: 'auto', 'float16' ('auto' stores the KV cache in the model dtype)"
    )
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        cpu_config_adjustments(config, APPLE_M1, MEMORY, {})
