"""check_and_update_config on ROCm: every rule as a reported adjustment, through the host."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

import hwcore
from hwcore.plugin_api import (
    CacheConfig,
    CompilationConfig,
    ConfigAdjustment,
    EngineConfig,
    InvalidConfigError,
    KVTransferConfig,
    ModelConfig,
    NoValidBackendError,
    ParallelConfig,
    Platform,
)
from hwcore_rocm import switches

WORKER = ConfigAdjustment("parallel.worker_cls", "auto", "vllm.v1.worker.gpu_worker.Worker",
                          "ROCm runs vLLM's GPU worker")
BLOCK_16 = ConfigAdjustment("cache.block_size", None, 16, "ROCm's default KV-cache block size")
MODE = ConfigAdjustment("compilation.mode", "auto", "vllm_compile",
                        "vLLM compiles the model on ROCm by default")
INDEXER = ("+sparse_attn_indexer: ROCm runs the sparse-attention indexer as its own kernel")
GATED = ("+rms_norm_gated for unquantized models (quantized ones are untested with it)")


def adjustments(platform: Platform, config: EngineConfig) -> list[ConfigAdjustment]:
    return list(platform.check_and_update_config(config).adjustments)


def test_defaults_on_mi300x_with_only_the_reference_backend(
    rocm_platform: Callable[..., Platform],
) -> None:
    platform = rocm_platform("8xMI300X")
    assert adjustments(platform, EngineConfig()) == [
        WORKER,
        BLOCK_16,
        MODE,
        ConfigAdjustment(
            "compilation.cudagraph_mode", "auto", "piecewise",
            "the TORCH_SDPA attention backend cannot be captured in a full graph, and "
            "compilation.mode is 'vllm_compile'",
        ),
        ConfigAdjustment("compilation.custom_ops", (), ("+sparse_attn_indexer", "+rms_norm_gated"),
                         f"{INDEXER}; {GATED}"),
    ]


def test_vendor_backends_allow_full_graphs(
    rocm_platform: Callable[..., Platform], vendor_backends: object
) -> None:
    platform = rocm_platform("8xMI300X", plugins=[vendor_backends])
    graph = [a for a in adjustments(platform, EngineConfig())
             if a.field == "compilation.cudagraph_mode"]
    assert graph == [ConfigAdjustment(
        "compilation.cudagraph_mode", "auto", "full_and_piecewise",
        "the ROCM_ATTN attention backend can be captured in a full graph, and "
        "compilation.mode is 'vllm_compile'",
    )]


def test_the_hook_and_the_facade_agree(
    rocm_platform: Callable[..., Platform], vendor_backends: object
) -> None:
    platform = rocm_platform("8xMI300X", plugins=[vendor_backends])
    config = EngineConfig(model=ModelConfig(quantization="fp8"))
    assert hwcore.get_plugin_manager().hook.check_and_update_config(config=config) == (
        platform.check_and_update_config(config))


@pytest.mark.parametrize("mode", ["full", "full_decode_only", "full_and_piecewise"])
def test_prefill_context_parallel_downgrades_full_graphs(
    rocm_platform: Callable[..., Platform], mode: str
) -> None:
    platform = rocm_platform("8xMI300X")
    config = EngineConfig(parallel=ParallelConfig(prefill_context_parallel_size=2),
                          compilation=CompilationConfig(mode="vllm_compile", cudagraph_mode=mode))
    graph = [a for a in adjustments(platform, config) if a.field == "compilation.cudagraph_mode"]
    assert graph == [ConfigAdjustment(
        "compilation.cudagraph_mode", mode, "piecewise",
        "prefill context parallelism (parallel.prefill_context_parallel_size=2) cannot run "
        "inside full graphs",
    )]


def test_prefill_context_parallel_never_picks_full_graphs(
    rocm_platform: Callable[..., Platform], vendor_backends: object
) -> None:
    platform = rocm_platform("8xMI300X", plugins=[vendor_backends])
    config = EngineConfig(parallel=ParallelConfig(prefill_context_parallel_size=2))
    graph = [a for a in adjustments(platform, config) if a.field == "compilation.cudagraph_mode"]
    assert graph == [ConfigAdjustment(
        "compilation.cudagraph_mode", "auto", "piecewise",
        "prefill context parallelism (parallel.prefill_context_parallel_size=2) cannot run "
        "inside full graphs, and compilation.mode is 'vllm_compile'",
    )]


@pytest.mark.parametrize(
    ("options", "environ"),
    [
        ({"rocm.use_aiter": True, "rocm.use_aiter_unified_attention": True}, {}),
        ({}, {"HWCORE_ROCM_USE_AITER": "1", "HWCORE_ROCM_USE_AITER_UNIFIED_ATTENTION": "true"}),
        ({"rocm.use_aiter_unified_attention": True}, {"HWCORE_ROCM_USE_AITER": "1"}),
    ],
)
def test_aiter_unified_attention_takes_64_token_blocks(
    rocm_platform: Callable[..., Platform], options: dict[str, bool], environ: dict[str, str]
) -> None:
    platform = rocm_platform("8xMI300X", environ=environ)
    config = EngineConfig(options=options)
    blocks = [a for a in adjustments(platform, config) if a.field == "cache.block_size"]
    assert blocks == [ConfigAdjustment(
        "cache.block_size", None, 64,
        "AITER unified attention is switched on (rocm.use_aiter and "
        "rocm.use_aiter_unified_attention), and its kernels are tuned for 64-token blocks",
    )]


def test_a_block_size_the_user_chose_stays(rocm_platform: Callable[..., Platform]) -> None:
    platform = rocm_platform("8xMI300X", environ={
        "HWCORE_ROCM_USE_AITER": "1", "HWCORE_ROCM_USE_AITER_UNIFIED_ATTENTION": "1"})
    config = EngineConfig(cache=CacheConfig(block_size=32))
    assert not [a for a in adjustments(platform, config) if a.field == "cache.block_size"]


def test_switches_from_the_environment_are_written_into_the_options(
    rocm_platform: Callable[..., Platform],
) -> None:
    platform = rocm_platform("8xMI300X", environ={
        "HWCORE_ROCM_USE_AITER": "1", "HWCORE_ROCM_USE_AITER_MHA": "1",
        "HWCORE_ROCM_USE_AITER_MOE": "0"})
    validated = platform.check_and_update_config(EngineConfig())
    options = [a for a in validated.adjustments if a.field.startswith("options.")]
    assert options == [
        ConfigAdjustment("options.rocm.use_aiter", None, True, "HWCORE_ROCM_USE_AITER='1'"),
        ConfigAdjustment("options.rocm.use_aiter_moe", None, False, "HWCORE_ROCM_USE_AITER_MOE='0'"),
    ]
    assert dict(validated.config.options) == {"rocm.use_aiter": True, "rocm.use_aiter_moe": False}
    again = platform.check_and_update_config(validated.config)
    assert [a for a in again.adjustments if a.field.startswith("options.")] == []


def test_aiter_custom_ops_on_cdna3_with_aiter_installed(
    rocm_platform: Callable[..., Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(switches, "aiter_installed", lambda: True)
    platform = rocm_platform("8xMI355X", environ={
        "HWCORE_ROCM_USE_AITER": "1", "HWCORE_ROCM_USE_AITER_FUSION_SHARED_EXPERTS": "1"})
    config = EngineConfig(compilation=CompilationConfig(custom_ops=("-grouped_topk", "+rms_norm")))
    ops = [a for a in adjustments(platform, config) if a.field == "compilation.custom_ops"]
    assert ops == [ConfigAdjustment(
        "compilation.custom_ops", ("-grouped_topk", "+rms_norm"),
        ("+rms_norm", "+quant_fp8", "+grouped_topk", "+sparse_attn_indexer", "+rms_norm_gated"),
        "+quant_fp8 for AITER FP8 linear layers (rocm.use_aiter_linear); -grouped_topk "
        "dropped: AITER shared-expert fusion (rocm.use_aiter_fusion_shared_experts) needs the "
        "grouped_topk op; +grouped_topk for AITER fused MoE (rocm.use_aiter_moe); "
        f"{INDEXER}; {GATED}",
    )]


def test_ops_the_user_named_either_way_are_kept(rocm_platform: Callable[..., Platform]) -> None:
    platform = rocm_platform("8xMI300X")
    config = EngineConfig(
        model=ModelConfig(quantization="fp8"),
        compilation=CompilationConfig(custom_ops=("-sparse_attn_indexer",)),
    )
    assert not [a for a in adjustments(platform, config) if a.field == "compilation.custom_ops"]


def test_aiter_ops_need_aiter_where_it_runs(
    rocm_platform: Callable[..., Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(switches, "aiter_installed", lambda: True)
    platform = rocm_platform("4xMI210", environ={"HWCORE_ROCM_USE_AITER": "1"})  # CDNA2
    ops = [a for a in adjustments(platform, EngineConfig()) if a.field == "compilation.custom_ops"]
    assert ops[0].new == ("+sparse_attn_indexer", "+rms_norm_gated")


def test_multimodal_prefix_models_stop_chunking_their_input(
    rocm_platform: Callable[..., Platform], vendor_backends: object
) -> None:
    # The config is checked against the backend its layers will get: one with full
    # attention over a multimodal prefix (TRITON_ATTN here; hwcore's TORCH_SDPA has none).
    platform = rocm_platform("8xMI300X", plugins=[vendor_backends])
    config = EngineConfig(model=ModelConfig(is_mm_prefix_lm=True))
    assert ConfigAdjustment(
        "scheduler.disable_chunked_mm_input", False, True,
        "the model attends bidirectionally over multimodal prefixes, which must not be split "
        "across scheduler steps",
    ) in adjustments(platform, config)


def test_a_multimodal_prefix_model_without_a_backend_for_it_is_refused_naming_each(
    rocm_platform: Callable[..., Platform],
) -> None:
    platform = rocm_platform("8xMI300X")
    config = EngineConfig(model=ModelConfig(is_mm_prefix_lm=True))
    with pytest.raises(NoValidBackendError, match=re.escape(
        "No valid attention backend for cuda (platform 'rocm', hwcore-rocm 0.1.0; checked for "
        "device 0 (AMD Instinct MI300X, compute capability 9.4), the weakest of 8 visible "
        "devices) with head_size=128, dtype=bfloat16, kv_cache_dtype=auto, block_size=auto, "
        "use_mm_prefix=True, num_heads=32. Reasons:\n"
        "  ROCM_ATTN: not registered by any installed plugin (provided by e.g. a plugin "
        "wrapping vLLM's ROCm paged-attention kernels (vllm._rocm_C))\n"
        "  TRITON_ATTN: not registered by any installed plugin (provided by e.g. a plugin with "
        "Triton attention kernels (triton))\n"
        "  TURBOQUANT: not registered by any installed plugin (provided by e.g. a plugin with "
        "the TurboQuant KV-cache attention kernels)\n"
        "  ROCM_OCTAVE: not registered by any installed plugin (provided by e.g. a plugin with "
        "vLLM's Octave attention kernels for ROCm)\n"
        "  ULTRAQUANT: not registered by any installed plugin (provided by e.g. a plugin with "
        "the UltraQuant 4-bit KV-cache attention kernels)\n"
        "  TORCH_SDPA: partial multimodal token full attention not supported\n"
        "Change what the reasons name: the dtype, KV-cache dtype, block size or head size to "
        "one a backend supports, install a missing package or plugin, or select a backend "
        "explicitly"
    )):
        platform.check_and_update_config(config)


def test_an_option_that_attention_selection_would_ignore_is_an_error(
    rocm_platform: Callable[..., Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(switches, "aiter_installed", lambda: True)
    platform = rocm_platform("8xMI300X")
    message = (
        "options['rocm.use_aiter']=True would make hwcore-rocm try the attention backends "
        "ROCM_ATTN, ROCM_AITER_FA, ROCM_AITER_UNIFIED_ATTN, TRITON_ATTN, TURBOQUANT, "
        "ROCM_OCTAVE, ULTRAQUANT, TORCH_SDPA, but attention is selected per process from the "
        "environment (HWCORE_ROCM_USE_AITER unset (default 0)), which gives ROCM_ATTN, "
        "ROCM_AITER_UNIFIED_ATTN, TRITON_ATTN, TURBOQUANT, ROCM_OCTAVE, ULTRAQUANT, "
        "TORCH_SDPA; set HWCORE_ROCM_USE_AITER=1 in the engine's environment so both agree"
    )
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        platform.check_and_update_config(EngineConfig(options={"rocm.use_aiter": True}))
    # Where the option changes nothing attention tries, it is simply used.
    kv = EngineConfig(options={"rocm.use_aiter_mla": False})
    platform.check_and_update_config(kv)


def test_mla_models_are_checked_against_the_mla_priorities(
    rocm_platform: Callable[..., Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(switches, "aiter_installed", lambda: True)
    platform = rocm_platform("8xMI300X", environ={"HWCORE_ROCM_USE_AITER": "1"})
    config = EngineConfig(model=ModelConfig(use_mla=True), options={"rocm.use_aiter_mla": False},
                          kv_transfer=KVTransferConfig(connector="NixlConnector"))
    with pytest.raises(InvalidConfigError, match=r"^options\['rocm.use_aiter_mla'\]=False would make hwcore-rocm try the attention backends TRITON_MLA, TORCH_SDPA, but "):
        platform.check_and_update_config(config)


def test_a_bad_option_is_an_invalid_config(rocm_platform: Callable[..., Platform]) -> None:
    platform = rocm_platform("8xMI300X")
    message = ("options['rocm.use_aiter'] must be True or False, got 'yes'; write "
               "options={'rocm.use_aiter': True}")
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        platform.check_and_update_config(EngineConfig(options={"rocm.use_aiter": "yes"}))


def test_the_world_must_fit_the_visible_gpus(rocm_platform: Callable[..., Platform]) -> None:
    platform = rocm_platform("8xMI300X", environ={"HIP_VISIBLE_DEVICES": "0,1"})
    message = (
        "parallel.tensor_parallel_size=4 x parallel.pipeline_parallel_size=1 needs 4 GPUs, but "
        "this process sees 2; lower the parallel sizes, make more GPUs visible "
        "(HIP_VISIBLE_DEVICES), or use parallel.distributed_executor_backend='ray' to span "
        "nodes."
    )
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        platform.check_and_update_config(
            EngineConfig(parallel=ParallelConfig(tensor_parallel_size=4)))
    platform.check_and_update_config(EngineConfig(parallel=ParallelConfig(
        tensor_parallel_size=4, distributed_executor_backend="ray")))
