"""vLLM's live config as hwcore's EngineConfig, and hwcore's adjustments written back."""

from __future__ import annotations

import dataclasses
import enum
import re
from types import SimpleNamespace

import hwcore_simulated.plugin
import pytest

import hwcore_cpu.plugin
from hwcore.records import (
    CacheConfig,
    CompilationConfig,
    ConfigAdjustment,
    EngineConfig,
    KVTransferConfig,
    LoRAConfig,
    ModelConfig,
    ParallelConfig,
    SchedulerConfig,
    SpeculativeConfig,
)
from hwcore_vllm.engine_config import BINDINGS, Applied, VllmTypes, apply, translate
from hwcore_vllm.errors import UntranslatableError

torch = pytest.importorskip("torch")


# The members of vLLM 0.33's CompilationMode and CUDAGraphMode (vllm/config/compilation.py).
class CompilationMode(enum.IntEnum):
    NONE = 0
    STOCK_TORCH_COMPILE = 1
    DYNAMO_TRACE_ONCE = 2
    VLLM_COMPILE = 3


class CUDAGraphMode(enum.Enum):
    NONE = 0
    PIECEWISE = 1
    FULL = 2
    FULL_DECODE_ONLY = (2, 0)
    FULL_AND_PIECEWISE = (2, 1)


TYPES = VllmTypes(compilation_mode=CompilationMode, cudagraph_mode=CUDAGraphMode,
                  torch_dtype=lambda name: getattr(torch, name))


class ExecutorOfMyOwn:
    pass


def vllm_config(**parts):
    """A stand-in for a built ``VllmConfig`` of a tiny Llama, with vLLM's attribute names
    and the values vLLM 0.33 holds when it calls the platform check (measured)."""
    model = SimpleNamespace(
        model="/models/tiny-llama", architecture="LlamaForCausalLM", dtype=torch.bfloat16,
        max_model_len=128, quantization=None, use_mla=False, enable_sleep_mode=False,
        is_mm_prefix_lm=False, is_encoder_decoder=False,
        model_arch_config=SimpleNamespace(total_num_attention_heads=4),
        get_head_size=lambda: 16, get_total_num_kv_heads=lambda: 2,
    )
    config = SimpleNamespace(
        model_config=model,
        cache_config=SimpleNamespace(
            block_size=16, user_specified_block_size=False, cache_dtype="auto",
            kv_cache_memory_bytes=None, gpu_memory_utilization=0.92,
            enable_prefix_caching=True, kv_cache_layout=None,
        ),
        parallel_config=SimpleNamespace(
            tensor_parallel_size=1, pipeline_parallel_size=1, data_parallel_size=1,
            prefill_context_parallel_size=1, decode_context_parallel_size=1,
            distributed_executor_backend="uni", worker_cls="auto",
        ),
        scheduler_config=SimpleNamespace(
            max_num_seqs=128, max_num_batched_tokens=2048, enable_chunked_prefill=True,
            async_scheduling=True, disable_chunked_mm_input=False,
        ),
        compilation_config=SimpleNamespace(
            mode=CompilationMode.VLLM_COMPILE, backend="inductor", cudagraph_mode=None,
            cudagraph_capture_sizes=None, custom_ops=["all"],
            pass_config=SimpleNamespace(
                fuse_allreduce_rms=False, fuse_attn_quant=False, fuse_act_padding=False,
                fuse_rope_kvcache=None, fuse_rope_kvcache_cat_mla=False,
            ),
        ),
        lora_config=None, speculative_config=None, kv_transfer_config=None,
        additional_config={},
    )
    for name, value in parts.items():
        setattr(config, name, value)
    return config


EXPECTED = EngineConfig(
    model=ModelConfig(model="/models/tiny-llama", architecture="LlamaForCausalLM",
                      dtype="bfloat16", max_model_len=128, head_size=16,
                      num_attention_heads=4, num_kv_heads=2),
    cache=CacheConfig(block_size=None, gpu_memory_utilization=0.92),
    parallel=ParallelConfig(distributed_executor_backend="uni"),
    scheduler=SchedulerConfig(max_num_seqs=128, max_num_batched_tokens=2048,
                              async_scheduling=True),
    compilation=CompilationConfig(mode="vllm_compile", cudagraph_mode="auto",
                                  custom_ops=("all",), fuse_allreduce_rms=False,
                                  fuse_attn_quant=False, fuse_act_padding=False,
                                  fuse_rope_kvcache_cat_mla=False),
)


# ------------------------------------------------------------------------ reading


def test_every_field_of_hwcores_engine_config_has_a_binding():
    parts = [f for f in dataclasses.fields(EngineConfig) if f.name != "options"]
    expected = {f"{part.name}.{field.name}"
                for part in parts for field in dataclasses.fields(part.default_factory())}
    assert {binding.field for binding in BINDINGS} == expected


def test_a_built_vllm_config_reads_as_hwcores_config():
    assert translate(vllm_config()) == EXPECTED


def test_a_block_size_nobody_chose_is_unset_and_a_chosen_one_is_kept():
    cache = vllm_config().cache_config
    assert translate(vllm_config(cache_config=cache)).cache.block_size is None
    cache.block_size, cache.user_specified_block_size = 64, True
    assert translate(vllm_config(cache_config=cache)).cache.block_size == 64


def test_vllms_undecided_modes_read_as_auto_and_members_as_their_names():
    compilation = vllm_config().compilation_config
    compilation.mode, compilation.cudagraph_mode = None, CUDAGraphMode.FULL_AND_PIECEWISE
    compilation.cudagraph_capture_sizes, compilation.backend = [1, 2, 4], ""
    read = translate(vllm_config(compilation_config=compilation)).compilation
    assert (read.mode, read.cudagraph_mode) == ("auto", "full_and_piecewise")
    assert read.cudagraph_capture_sizes == (1, 2, 4)
    assert read.backend == "inductor"  # "" is vLLM's "the default backend"


@pytest.mark.parametrize(("vllm_layout", "hwcore_layout"),
                         [(None, None), ("NHD", "NHD"), ("LBNHC", "NHD"), ("LBHNC", "HND")])
def test_kv_cache_layouts_read_as_hwcores_two_names(vllm_layout, hwcore_layout):
    cache = vllm_config().cache_config
    cache.kv_cache_layout = vllm_layout
    assert translate(vllm_config(cache_config=cache)).cache.kv_cache_layout == hwcore_layout


def test_optional_parts_read_as_off_when_vllm_has_none_and_as_their_values_otherwise():
    config = vllm_config(
        lora_config=SimpleNamespace(max_loras=4),
        speculative_config=SimpleNamespace(num_speculative_tokens=3, method="eagle"),
        kv_transfer_config=SimpleNamespace(kv_connector="NixlConnector",
                                           enable_permute_local_kv=False),
        additional_config={"hwcore": {"rocm.use_aiter": True}, "other": 1},
    )
    read = translate(config)
    assert read.lora == LoRAConfig(enabled=True, max_loras=4)
    assert read.speculative == SpeculativeConfig(num_speculative_tokens=3, method="eagle")
    assert read.kv_transfer == KVTransferConfig(connector="NixlConnector")
    assert dict(read.options) == {"rocm.use_aiter": True}


def test_a_config_without_a_model_reads_hwcores_model_defaults():
    assert translate(vllm_config(model_config=None)).model == ModelConfig()


def test_a_custom_executor_class_is_refused_naming_it():
    parallel = vllm_config().parallel_config
    parallel.distributed_executor_backend = ExecutorOfMyOwn
    message = ("vLLM's parallel_config.distributed_executor_backend is the class "
               f"{__name__}.ExecutorOfMyOwn; hwcore's ParallelConfig.distributed_executor_backend "
               "names one of vLLM's executors ('uni', 'mp', 'ray', 'external_launcher')")
    with pytest.raises(UntranslatableError, match=re.escape(message)):
        translate(vllm_config(parallel_config=parallel))


def test_a_kv_cache_layout_hwcore_has_no_name_for_is_refused():
    cache = vllm_config().cache_config
    cache.kv_cache_layout = "BLHNC"
    message = ("vLLM's cache_config.kv_cache_layout='BLHNC' has no counterpart in hwcore's "
               "CacheConfig.kv_cache_layout, which knows 'NHD' (vLLM's LBNHC) and 'HND' (LBHNC)")
    with pytest.raises(UntranslatableError, match=re.escape(message)):
        translate(vllm_config(cache_config=cache))


def test_a_value_hwcores_records_refuse_is_an_error_with_hwcores_reason():
    model = vllm_config().model_config
    model.dtype = torch.float64
    message = ("vLLM's config cannot be expressed as hwcore's EngineConfig: ModelConfig.dtype "
               "must be one of 'auto', 'bfloat16', 'float16', 'float32', got 'float64'")
    with pytest.raises(UntranslatableError, match=re.escape(message)):
        translate(vllm_config(model_config=model))


def test_options_that_are_not_a_mapping_are_refused():
    message = ("vLLM's additional_config['hwcore'] must map hwcore platform options to values, "
               "e.g. {'hwcore': {'rocm.use_aiter': true}}, got ['rocm.use_aiter']")
    with pytest.raises(UntranslatableError) as raised:
        translate(vllm_config(additional_config={"hwcore": ["rocm.use_aiter"]}))
    assert str(raised.value) == message


# ------------------------------------------------------------------------ writing


def change(field, old, new, reason="the test says so"):
    return ConfigAdjustment(field, old, new, reason)


def test_each_adjustment_is_written_as_vllms_type_and_reported():
    config = vllm_config(speculative_config=SimpleNamespace(num_speculative_tokens=0,
                                                            method=None))
    adjustments = [
        change("cache.block_size", None, 128),
        change("model.dtype", "bfloat16", "float16"),
        change("compilation.mode", "vllm_compile", "dynamo_trace_once"),
        change("compilation.cudagraph_mode", "auto", "none"),
        change("compilation.cudagraph_capture_sizes", None, ()),
        change("compilation.custom_ops", ("all",), ("all", "+quant_fp8")),
        change("compilation.fuse_rope_kvcache", None, False),
        change("cache.kv_cache_layout", None, "HND"),
        change("parallel.worker_cls", "auto", "mychip.Worker"),
        change("scheduler.async_scheduling", True, False),
        change("speculative.num_speculative_tokens", 0, 2),
        change("options.mychip.fast_path", None, True),
    ]
    applied = apply(config, adjustments, TYPES, "mychip")
    assert [a.source for a in applied] == [
        "cache_config.block_size", "model_config.dtype", "compilation_config.mode",
        "compilation_config.cudagraph_mode", "compilation_config.cudagraph_capture_sizes",
        "compilation_config.custom_ops", "compilation_config.pass_config.fuse_rope_kvcache",
        "cache_config.kv_cache_layout", "parallel_config.worker_cls",
        "scheduler_config.async_scheduling", "speculative_config.num_speculative_tokens",
        "additional_config['hwcore']['mychip.fast_path']",
    ]
    assert [a.adjustment for a in applied] == adjustments
    cache, compilation = config.cache_config, config.compilation_config
    assert (cache.block_size, cache.user_specified_block_size) == (128, True)
    assert config.model_config.dtype is torch.float16
    assert compilation.mode is CompilationMode.DYNAMO_TRACE_ONCE
    assert compilation.cudagraph_mode is CUDAGraphMode.NONE
    assert compilation.cudagraph_capture_sizes == []
    assert compilation.custom_ops == ["all", "+quant_fp8"]
    assert compilation.pass_config.fuse_rope_kvcache is False
    assert cache.kv_cache_layout == "LBHNC"
    assert config.parallel_config.worker_cls == "mychip.Worker"
    assert config.scheduler_config.async_scheduling is False
    assert config.speculative_config.num_speculative_tokens == 2
    assert config.additional_config == {"hwcore": {"mychip.fast_path": True}}


def test_auto_is_written_back_as_vllms_undecided_none_and_an_option_set_to_none_is_removed():
    config = vllm_config(additional_config={"hwcore": {"mychip.fast_path": True}})
    apply(config, [change("compilation.mode", "vllm_compile", "auto"),
                   change("options.mychip.fast_path", True, None)], TYPES, "mychip")
    assert config.compilation_config.mode is None
    assert config.additional_config == {"hwcore": {}}


def test_an_applied_adjustment_describes_itself_with_its_reason():
    applied = Applied(change("cache.block_size", None, 16, "16-token pages"),
                      "cache_config.block_size")
    assert applied.describe("mychip") == (
        "hwcore's platform 'mychip' adjusted cache.block_size None -> 16 (vLLM's "
        "cache_config.block_size): 16-token pages"
    )


def test_a_field_vllm_derives_from_the_model_is_refused_before_anything_is_written():
    config = vllm_config()
    message = ("hwcore's platform 'mychip' adjusts model.head_size: 16 -> 32 (the test says "
               "so), which the bridge cannot write into vLLM's model_config.get_head_size(): "
               "vLLM reads it from the model when it makes the model config")
    with pytest.raises(UntranslatableError, match=re.escape(message)):
        apply(config, [change("cache.block_size", None, 32), change("model.head_size", 16, 32)],
              TYPES, "mychip")
    assert config.cache_config.block_size == 16  # the first adjustment was not written


@pytest.mark.parametrize(("field", "old", "new", "source", "why"), [
    ("parallel.tensor_parallel_size", 1, 2, "parallel_config.tensor_parallel_size",
     "vLLM sizes its process groups from it when it makes the config"),
    ("lora.enabled", False, True, "lora_config",
     "vLLM makes its LoRA config from --enable-lora when it makes the config"),
    ("speculative.method", None, "eagle", "speculative_config.method",
     "this vLLM config has no speculative_config"),
    ("cache.block_size", None, None, "cache_config.block_size",
     "vLLM always holds a block size once its config is made"),
    ("model.dtype", "bfloat16", "auto", "model_config.dtype",
     "vLLM resolves the model dtype when it makes the model config"),
])
def test_adjustments_vllms_config_cannot_take_are_refused(field, old, new, source, why):
    adjustment = change(field, old, new)
    message = (f"hwcore's platform 'mychip' adjusts {adjustment}, which the bridge cannot write "
               f"into vLLM's {source}: {why}")
    with pytest.raises(UntranslatableError, match=re.escape(message)):
        apply(vllm_config(), [adjustment], TYPES, "mychip")


def test_options_need_a_dict_shaped_additional_config():
    message = ("hwcore's platform 'mychip' adjusts options.mychip.fast_path: None -> True (the "
               "test says so), but vLLM's additional_config is a SimpleNamespace, not a dict, "
               "so it has no ['hwcore'] to hold hwcore's platform options")
    with pytest.raises(UntranslatableError, match=re.escape(message)):
        apply(vllm_config(additional_config=SimpleNamespace()),
              [change("options.mychip.fast_path", None, True)], TYPES, "mychip")


# ------------------------------------------------ round trips through real platforms


@pytest.mark.parametrize(("plugin", "name", "environ"), [
    (hwcore_cpu.plugin, "cpu", {}),
    (hwcore_simulated.plugin, "simulated", {"HWCORE_SIMULATED_DEVICES": "2"}),
])
def test_a_config_the_platform_adjusted_needs_nothing_the_second_time(
    hwcore_host, plugin, name, environ
):
    # vLLM runs the platform check on every VllmConfig it builds.
    hwcore_host.environ.update(environ)
    hwcore_host.add_platform(plugin, name)
    platform = hwcore_host.platform()
    config = vllm_config()
    config.model_config.dtype = torch.float32  # every CPU computes in it
    first = platform.check_and_update_config(translate(config))
    assert first.adjustments
    apply(config, first.adjustments, TYPES, name)
    assert translate(config) == first.config
    assert platform.check_and_update_config(translate(config)).adjustments == ()
