"""``check_and_update_config`` on CUDA: every change reported, never applied silently, and
``pm.hook`` and the facade answering the same ``ValidatedConfig``."""

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
    ModelConfig,
    ParallelConfig,
)

WORKER = ConfigAdjustment(
    "parallel.worker_cls", "auto", "vllm.v1.worker.gpu_worker.Worker",
    "CUDA runs vLLM's GPU worker",
)
COMPILE = ConfigAdjustment(
    "compilation.mode", "auto", "vllm_compile", "vLLM compiles the model on CUDA by default"
)


def test_h100_defaults_with_flash_attention(
    cuda_platform: Callable[..., hwcore.Platform], vendor_backends: tuple[str, object],
) -> None:
    result = cuda_platform("8xH100", vendor_backends).check_and_update_config(EngineConfig())
    assert result.adjustments == (
        WORKER,
        ConfigAdjustment("cache.block_size", None, 16, "default block size of the FLASH_ATTN "
                         "attention backend, selected for head size 128 and dtype bfloat16"),
        COMPILE,
        ConfigAdjustment("compilation.cudagraph_mode", "auto", "full_and_piecewise",
                         "the FLASH_ATTN attention backend can be captured in a full CUDA "
                         "graph, and compilation.mode is 'vllm_compile'"),
    )
    assert result.config.cache.block_size == 16
    assert result.config.compilation.cudagraph_mode == "full_and_piecewise"
    assert hwcore.get_plugin_manager().hook.check_and_update_config(config=EngineConfig()) == (
        result
    )


def test_mla_on_blackwell_takes_the_backends_block_size(
    cuda_platform: Callable[..., hwcore.Platform], vendor_backends: tuple[str, object],
) -> None:
    config = EngineConfig(model=ModelConfig(head_size=576, use_mla=True))
    result = cuda_platform("B200", vendor_backends).check_and_update_config(config)
    assert result.config.cache.block_size == 64
    assert result.adjustments[1].reason == (
        "default block size of the FLASHINFER_MLA attention backend, selected for head size "
        "576 and dtype bfloat16"
    )


def test_float32_gets_piecewise_graphs_only(
    cuda_platform: Callable[..., hwcore.Platform],
) -> None:
    config = EngineConfig(model=ModelConfig(dtype="float32"), cache=CacheConfig(block_size=32))
    result = cuda_platform("H100").check_and_update_config(config)
    assert result.adjustments == (
        WORKER,
        COMPILE,
        ConfigAdjustment("compilation.cudagraph_mode", "auto", "piecewise",
                         "the TORCH_SDPA attention backend cannot be captured in a full CUDA "
                         "graph, and compilation.mode is 'vllm_compile'"),
    )


def test_without_vllm_compile_graphs_are_full_or_none(
    cuda_platform: Callable[..., hwcore.Platform], vendor_backends: tuple[str, object],
) -> None:
    config = EngineConfig(
        parallel=ParallelConfig(worker_cls="my.Worker"), cache=CacheConfig(block_size=16),
        compilation=CompilationConfig(mode="none"),
    )
    result = cuda_platform("A100", vendor_backends).check_and_update_config(config)
    assert result.adjustments == (
        ConfigAdjustment("compilation.cudagraph_mode", "auto", "full",
                         "the FLASH_ATTN attention backend can be captured in a full CUDA "
                         "graph, and compilation.mode is 'none'"),
    )


def test_piecewise_graphs_without_vllm_compile_are_refused(
    cuda_platform: Callable[..., hwcore.Platform],
) -> None:
    config = EngineConfig(compilation=CompilationConfig(mode="none", cudagraph_mode="piecewise"))
    message = (
        "compilation.cudagraph_mode='piecewise' needs compilation.mode='vllm_compile' "
        "(piecewise graphs are cut by vLLM's compiler), but compilation.mode is 'none'; set "
        "cudagraph_mode='full' or 'none', or mode='vllm_compile'."
    )
    with pytest.raises(hwcore.InvalidConfigError, match=f"^{re.escape(message)}$"):
        cuda_platform("A100").check_and_update_config(config)


def test_bfloat16_below_sm80_is_refused_with_vllms_message(
    cuda_platform: Callable[..., hwcore.Platform],
) -> None:
    config = EngineConfig(model=ModelConfig(dtype="bfloat16"))
    message = (
        "model.dtype='bfloat16' cannot run on this GPU. Bfloat16 is only supported on GPUs "
        "with compute capability of at least 8.0. Your Tesla T4 GPU has compute capability "
        "7.5. You can use float16 instead by explicitly setting the `dtype` flag in CLI, for "
        "example: --dtype=half. Set model.dtype to one of: float16, float32."
    )
    with pytest.raises(hwcore.InvalidConfigError, match=f"^{re.escape(message)}$"):
        cuda_platform("T4").check_and_update_config(config)


def test_auto_dtype_on_t4_selects_for_float16(
    cuda_platform: Callable[..., hwcore.Platform], vendor_backends: tuple[str, object],
) -> None:
    result = cuda_platform("T4", vendor_backends).check_and_update_config(EngineConfig())
    assert result.adjustments[1].reason == (
        "default block size of the FLASHINFER attention backend, selected for head size 128 "
        "and dtype float16"
    )


def test_more_ranks_than_visible_gpus_is_refused(
    cuda_platform: Callable[..., hwcore.Platform],
) -> None:
    platform = cuda_platform("8xH100", environ={"CUDA_VISIBLE_DEVICES": "0,1"})
    config = EngineConfig(parallel=ParallelConfig(tensor_parallel_size=4))
    message = (
        "parallel.tensor_parallel_size=4 x parallel.pipeline_parallel_size=1 needs 4 GPUs, "
        "but this process sees 2; lower the parallel sizes, make more GPUs visible "
        "(CUDA_VISIBLE_DEVICES), or use parallel.distributed_executor_backend='ray' to span "
        "nodes."
    )
    with pytest.raises(hwcore.InvalidConfigError, match=f"^{re.escape(message)}$"):
        platform.check_and_update_config(config)
    ray = EngineConfig(parallel=ParallelConfig(tensor_parallel_size=4,
                                               distributed_executor_backend="ray"))
    assert platform.check_and_update_config(ray).config.parallel.tensor_parallel_size == 4


def test_the_input_config_is_never_mutated(
    cuda_platform: Callable[..., hwcore.Platform],
) -> None:
    config = EngineConfig()
    cuda_platform("H100").check_and_update_config(config)
    assert config == EngineConfig()


def test_a_mixed_node_chooses_the_backend_its_weakest_gpu_runs(
    cuda_platform: Callable[..., hwcore.Platform], vendor_backends: tuple[str, object],
) -> None:
    config = EngineConfig(model=ModelConfig(head_size=576, use_mla=True))
    # FLASH_ATTN_MLA (SM 9.0 only) would lead on the H100 alone; the A100 rules it out.
    result = cuda_platform("A100+H100", vendor_backends).check_and_update_config(config)
    assert result.adjustments[1] == ConfigAdjustment(
        "cache.block_size", None, 16, "default block size of the TRITON_MLA attention "
        "backend, selected for head size 576 and dtype bfloat16",
    )
    hwcore.reset()
    alone = cuda_platform("A100+H100", vendor_backends, environ={"CUDA_VISIBLE_DEVICES": "1"})
    assert alone.check_and_update_config(config).adjustments[1].reason == (
        "default block size of the FLASH_ATTN_MLA attention backend, selected for head size "
        "576 and dtype bfloat16"
    )


def test_bfloat16_on_a_mixed_node_names_the_gpu_that_cannot_run_it(
    cuda_platform: Callable[..., hwcore.Platform],
) -> None:
    config = EngineConfig(model=ModelConfig(dtype="bfloat16"))
    message = (
        "model.dtype='bfloat16' cannot run on this GPU. Bfloat16 is only supported on GPUs "
        "with compute capability of at least 8.0. Your Tesla T4 GPU has compute capability "
        "7.5. You can use float16 instead by explicitly setting the `dtype` flag in CLI, for "
        "example: --dtype=half. Set model.dtype to one of: float16, float32."
    )
    with pytest.raises(hwcore.InvalidConfigError, match=f"^{re.escape(message)}$"):
        cuda_platform("H100+T4", environ={}).check_and_update_config(config)
