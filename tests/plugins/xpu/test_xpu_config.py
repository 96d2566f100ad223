"""check_and_update_config on Intel GPUs: every rule as a reported adjustment."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from hwcore.plugin_api import (
    CacheConfig,
    CompilationConfig,
    ConfigAdjustment,
    EngineConfig,
    InvalidConfigError,
    KVTransferConfig,
    LoRAConfig,
    ModelConfig,
    ParallelConfig,
    Platform,
    SchedulerConfig,
)
from hwcore_xpu.config import XpuSetup, adjust_config

MAX = XpuSetup(("Intel(R) Data Center GPU Max 1550",) * 2, "2.13.0+xpu", xpu_graphs=True)
OLD_TORCH = XpuSetup(("Intel(R) Arc(TM) B580 Graphics",), "2.8.0+xpu", xpu_graphs=False)
NO_TORCH = XpuSetup(("Intel(R) Arc(TM) B580 Graphics",), None, xpu_graphs=False)
A770 = XpuSetup(("Intel(R) Arc(TM) A770 Graphics",), "2.13.0+xpu", xpu_graphs=True)

WORKER = ConfigAdjustment("parallel.worker_cls", "auto", "vllm.v1.worker.xpu_worker.XPUWorker",
                          "Intel GPUs run vLLM's XPU worker")
BLOCK = ConfigAdjustment("cache.block_size", None, 64,
                         "the XPU attention kernels take KV-cache blocks in multiples of 64")
LAYOUT = ConfigAdjustment("cache.kv_cache_layout", None, "NHD",
                          "the XPU attention kernels read only the NHD KV-cache layout")
FUSIONS = [
    ConfigAdjustment(f"compilation.{flag}", None, False, f"{feature} is not supported on XPU yet")
    for flag, feature in (
        ("fuse_allreduce_rms", "AllReduce + RMSNorm fusion"),
        ("fuse_attn_quant", "Attention + quant fusion"),
        ("fuse_act_padding", "Activation + padding fusion"),
        ("fuse_rope_kvcache", "RoPE + KV cache fusion"),
        ("fuse_rope_kvcache_cat_mla", "RoPE + KV cache + MLA fusion"),
    )
]


def fields(adjustments: list[ConfigAdjustment]) -> list[str]:
    return [adjustment.field for adjustment in adjustments]


def test_the_default_config_on_a_max_node() -> None:
    assert adjust_config(EngineConfig(), MAX) == [WORKER, BLOCK, LAYOUT, *FUSIONS]


def test_explicit_choices_are_kept_or_reported() -> None:
    config = EngineConfig(
        parallel=ParallelConfig(worker_cls="my.Worker"),
        cache=CacheConfig(block_size=128, kv_cache_layout="HND"),
        compilation=CompilationConfig(fuse_allreduce_rms=True, fuse_attn_quant=False),
    )
    adjustments = adjust_config(config, MAX)
    assert adjustments[0] == ConfigAdjustment(
        "cache.kv_cache_layout", "HND", "NHD",
        "the XPU attention kernels read only the NHD KV-cache layout")
    assert adjustments[1] == ConfigAdjustment(
        "compilation.fuse_allreduce_rms", True, False,
        "AllReduce + RMSNorm fusion is not supported on XPU yet")
    assert "compilation.fuse_attn_quant" not in fields(adjustments)  # already off
    assert "parallel.worker_cls" not in fields(adjustments)
    assert "cache.block_size" not in fields(adjustments)


def test_no_fusion_adjustments_without_compilation() -> None:
    config = EngineConfig(compilation=CompilationConfig(mode="none"))
    assert not any(f.startswith("compilation.fuse") for f in fields(adjust_config(config, MAX)))


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (OLD_TORCH, "XPU graphs need torch 2.11 or newer, and torch is 2.8.0+xpu"),
        (NO_TORCH, "XPU graphs need torch 2.11 or newer, and torch is not installed"),
    ],
)
def test_graphs_off_when_torch_cannot_capture_them(setup: XpuSetup, reason: str) -> None:
    for mode in ("auto", "full", "piecewise"):
        config = EngineConfig(compilation=CompilationConfig(cudagraph_mode=mode))
        assert ConfigAdjustment("compilation.cudagraph_mode", mode, "none", reason) in (
            adjust_config(config, setup))


def test_graphs_off_with_sleep_mode() -> None:
    config = EngineConfig(model=ModelConfig(enable_sleep_mode=True))
    assert ConfigAdjustment(
        "compilation.cudagraph_mode", "auto", "none",
        "XPU graphs do not work with sleep mode (model.enable_sleep_mode)",
    ) in adjust_config(config, MAX)


def test_graphs_stay_as_asked_when_supported() -> None:
    config = EngineConfig(compilation=CompilationConfig(cudagraph_mode="full"))
    assert "compilation.cudagraph_mode" not in fields(adjust_config(config, MAX))
    off = EngineConfig(compilation=CompilationConfig(cudagraph_mode="none"))
    assert "compilation.cudagraph_mode" not in fields(adjust_config(off, OLD_TORCH))


def test_lora_turns_compilation_off_and_leaves_fusion_alone() -> None:
    config = EngineConfig(lora=LoRAConfig(enabled=True))
    adjustments = adjust_config(config, MAX)
    assert ConfigAdjustment("compilation.mode", "auto", "none",
                            "LoRA on XPU runs the model without compilation (lora.enabled)") in (
        adjustments)
    assert not any(f.startswith("compilation.fuse") for f in fields(adjustments))


def test_mla_turns_chunked_prefill_off_and_fits_a_prompt_in_a_batch() -> None:
    config = EngineConfig(model=ModelConfig(use_mla=True, max_model_len=32768))
    adjustments = adjust_config(config, MAX)
    assert adjustments[-2:] == [
        ConfigAdjustment("scheduler.enable_chunked_prefill", True, False,
                         "MLA on XPU runs without chunked prefill"),
        ConfigAdjustment("scheduler.max_num_batched_tokens", None, 32768,
                         "without chunked prefill a whole prompt of up to "
                         "model.max_model_len=32768 tokens must fit in one batch"),
    ]


def test_mla_short_models_get_vllms_minimum_batch() -> None:
    config = EngineConfig(model=ModelConfig(use_mla=True, max_model_len=1024),
                          scheduler=SchedulerConfig(max_num_batched_tokens=512))
    assert adjust_config(config, MAX)[-1] == ConfigAdjustment(
        "scheduler.max_num_batched_tokens", 512, 2048,
        "without chunked prefill a whole prompt of up to model.max_model_len=1024 tokens "
        "must fit in one batch")


def test_mla_with_a_large_enough_batch_keeps_it() -> None:
    config = EngineConfig(model=ModelConfig(use_mla=True, max_model_len=4096),
                          scheduler=SchedulerConfig(max_num_batched_tokens=8192))
    assert "scheduler.max_num_batched_tokens" not in fields(adjust_config(config, MAX))


def test_kv_transfer_permutes_local_kv() -> None:
    config = EngineConfig(kv_transfer=KVTransferConfig(connector="NixlConnector"))
    assert adjust_config(config, MAX)[-1] == ConfigAdjustment(
        "kv_transfer.enable_permute_local_kv", False, True,
        "XPU keeps KV caches in the NHD layout, so the NixlConnector connector must permute "
        "blocks exchanged with HND peers")


def test_bfloat16_on_an_a770_is_refused_with_vllms_message() -> None:
    config = EngineConfig(model=ModelConfig(dtype="bfloat16"))
    with pytest.raises(InvalidConfigError, match=re.escape(
        "model.dtype='bfloat16' cannot run on Intel(R) Arc(TM) A770 Graphics: Intel Arc A770 "
        "have bfloat16 accuracy known issue. You can use float16 instead by explicitly "
        "setting the `dtype` flag in CLI, for example: --dtype=half. Set model.dtype to one "
        "of: float16, float32."
    )):
        adjust_config(config, A770)


def test_world_size_must_fit_the_visible_devices() -> None:
    config = EngineConfig(parallel=ParallelConfig(tensor_parallel_size=4))
    with pytest.raises(InvalidConfigError, match=re.escape(
        "parallel.tensor_parallel_size=4 x parallel.pipeline_parallel_size=1 needs 4 XPU "
        "devices, but this process sees 2; lower the parallel sizes, make more devices "
        "visible (ZE_AFFINITY_MASK; with ZE_FLAT_DEVICE_HIERARCHY=FLAT each tile is a "
        "device), or use parallel.distributed_executor_backend='ray' to span nodes."
    )):
        adjust_config(config, MAX)
    ray = EngineConfig(parallel=ParallelConfig(tensor_parallel_size=4,
                                               distributed_executor_backend="ray"))
    assert adjust_config(ray, MAX)[0] == WORKER


def test_through_the_host_adjustments_apply(xpu_platform: Callable[..., Platform]) -> None:
    platform = xpu_platform("Max1550", ZE_FLAT_DEVICE_HIERARCHY="FLAT")
    checked = platform.check_and_update_config(EngineConfig(parallel=ParallelConfig(
        tensor_parallel_size=2)))
    assert checked.config.cache.block_size == 64
    assert checked.config.cache.kv_cache_layout == "NHD"
    assert checked.config.parallel.worker_cls == "vllm.v1.worker.xpu_worker.XPUWorker"
    # torch 2.13 is installed here: XPU graphs are left to the engine.
    assert checked.config.compilation.cudagraph_mode == "auto"
    whole_card = xpu_platform("Max1550", ZE_FLAT_DEVICE_HIERARCHY="COMPOSITE")
    two_ranks = EngineConfig(parallel=ParallelConfig(tensor_parallel_size=2))
    with pytest.raises(InvalidConfigError, match="needs 2 XPU devices, but this process sees 1"):
        whole_card.check_and_update_config(two_ranks)
