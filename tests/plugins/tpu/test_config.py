"""vLLM's TPU config rules as adjustments, and the configs a TPU cannot run."""

from __future__ import annotations

import re

import pytest

from hwcore.plugin_api import (
    CacheConfig,
    CompilationConfig,
    ConfigAdjustment,
    EngineConfig,
    InvalidConfigError,
    KVTransferConfig,
    ModelConfig,
    ParallelConfig,
    SchedulerConfig,
    SpeculativeConfig,
)
from hwcore_tpu.config import TPU_WORKER, adjust_config

WORKER = ConfigAdjustment(
    "parallel.worker_cls", "auto", TPU_WORKER,
    "TPUs run tpu-inference's worker (vLLM 0.33 has no TPU worker of its own)",
)
NO_CHUNKED_MM = ConfigAdjustment(
    "scheduler.disable_chunked_mm_input", False, True,
    "TPUs cannot run multimodal input in chunks (vLLM's TPU rule)",
)
MODE = ConfigAdjustment(
    "compilation.mode", "auto", "dynamo_trace_once",
    "a TPU model is traced by Dynamo once and compiled whole by XLA",
)
BACKEND = ConfigAdjustment(
    "compilation.backend", "inductor", "openxla",
    "'inductor' does not generate TPU code; XLA (openxla) does",
)
NO_GRAPHS = ConfigAdjustment(
    "compilation.cudagraph_mode", "auto", "none",
    "there are no CUDA graphs on a TPU; XLA compiles the whole step instead",
)


def test_the_default_config_gets_every_tpu_rule() -> None:
    assert adjust_config(EngineConfig(), 8) == [
        MODE, BACKEND, NO_GRAPHS,
        ConfigAdjustment(
            "cache.block_size", None, 256,
            "the page size the PALLAS attention backend wants for model.max_model_len=4096 "
            "and scheduler.max_num_seqs=256",
        ),
        WORKER, NO_CHUNKED_MM,
    ]


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_float16_and_float32_become_bfloat16(dtype: str) -> None:
    adjustments = adjust_config(EngineConfig(model=ModelConfig(dtype=dtype)), 8)
    assert adjustments[0] == ConfigAdjustment(
        "model.dtype", dtype, "bfloat16",
        f"TPUs do not run {dtype} models: the matrix units compute in bfloat16, the one dtype "
        "vLLM's TPU platform runs",
    )


@pytest.mark.parametrize("dtype", ["auto", "bfloat16"])
def test_bfloat16_and_auto_stay(dtype: str) -> None:
    fields = [a.field for a in adjust_config(EngineConfig(model=ModelConfig(dtype=dtype)), 8)]
    assert "model.dtype" not in fields


def test_a_config_already_right_for_tpus_needs_nothing() -> None:
    config = EngineConfig(
        cache=CacheConfig(block_size=64),
        parallel=ParallelConfig(worker_cls="my.Worker"),
        scheduler=SchedulerConfig(disable_chunked_mm_input=True),
        compilation=CompilationConfig(
            mode="dynamo_trace_once", backend="eager", cudagraph_mode="none"
        ),
    )
    assert adjust_config(config, 1) == []


def test_long_contexts_and_many_sequences_size_the_block() -> None:
    config = EngineConfig(
        model=ModelConfig(max_model_len=32768), scheduler=SchedulerConfig(max_num_seqs=1024)
    )
    [block] = [a for a in adjust_config(config, 8) if a.field == "cache.block_size"]
    assert block.new == 256


def test_mla_takes_the_mla_page_and_turns_chunked_prefill_off() -> None:
    adjustments = adjust_config(EngineConfig(model=ModelConfig(use_mla=True)), 8)
    assert ConfigAdjustment(
        "cache.block_size", None, 1024,
        "the page size of the PALLAS_MLA attention backend for MLA models",
    ) in adjustments
    assert adjustments[-1] == ConfigAdjustment(
        "scheduler.enable_chunked_prefill", True, False,
        "MLA models run without chunked prefill on TPUs (vLLM's rule off GPUs)",
    )


def test_adjustments_apply_to_the_config() -> None:
    config = EngineConfig(model=ModelConfig(dtype="float16"))
    adjusted = config.apply(adjust_config(config, 8))
    assert adjusted.model.dtype == "bfloat16"
    assert adjusted.compilation.mode == "dynamo_trace_once"
    assert adjust_config(adjusted, 8) == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (EngineConfig(speculative=SpeculativeConfig(num_speculative_tokens=3, method="eagle")),
         "speculative.method='eagle' with speculative.num_speculative_tokens=3: TPUs do not "
         "run speculative decoding; remove the speculative config"),
        (EngineConfig(speculative=SpeculativeConfig(method="ngram")),
         "speculative.method='ngram' with speculative.num_speculative_tokens=0: TPUs do not "
         "run speculative decoding; remove the speculative config"),
        (EngineConfig(model=ModelConfig(enable_sleep_mode=True)),
         "model.enable_sleep_mode=True: sleep mode is not available on TPUs (vLLM offers it "
         "on CUDA, ROCm and XPU); set it to False"),
        (EngineConfig(kv_transfer=KVTransferConfig(connector="NixlConnector")),
         "kv_transfer.connector='NixlConnector' does not run on TPUs; use one of "
         "tpu-inference's: TPUConnector, TPUConnectorHMA, TPUOffloadConnector, "
         "RaidenOffloadConnector"),
        (EngineConfig(parallel=ParallelConfig(tensor_parallel_size=8)),
         "parallel.tensor_parallel_size=8 x parallel.pipeline_parallel_size=1 needs 8 TPU "
         "chips, but this process sees 4; lower the parallel sizes, make more chips visible "
         "(TPU_VISIBLE_CHIPS), or use parallel.distributed_executor_backend='ray' to span "
         "hosts"),
    ],
)
def test_what_a_tpu_cannot_run(config: EngineConfig, message: str) -> None:
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        adjust_config(config, 4)


def test_ray_spans_hosts() -> None:
    config = EngineConfig(
        parallel=ParallelConfig(tensor_parallel_size=8, distributed_executor_backend="ray")
    )
    assert WORKER in adjust_config(config, 4)


def test_tpu_inference_connectors_are_allowed() -> None:
    config = EngineConfig(kv_transfer=KVTransferConfig(connector="TPUConnector"))
    assert WORKER in adjust_config(config, 4)
