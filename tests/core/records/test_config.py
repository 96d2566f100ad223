from __future__ import annotations

import re

import pytest

from hwcore.errors import InvalidConfigError
from hwcore.records import (
    CacheConfig,
    CompilationConfig,
    ConfigAdjustment,
    EngineConfig,
    KVTransferConfig,
    LoRAConfig,
    ModelConfig,
    ParallelConfig,
    SpeculativeConfig,
    ValidatedConfig,
)


def test_apply_returns_an_adjusted_copy_and_leaves_the_original():
    config = EngineConfig()
    adjusted = config.apply(
        [ConfigAdjustment("cache.block_size", None, 128, "CPU kernels want 128")]
    )
    assert adjusted.cache.block_size == 128
    assert config.cache.block_size is None


def test_adjustment_must_name_a_real_field():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "ConfigAdjustment.field must name an EngineConfig field such as 'cache.block_size' or "
            "a platform option such as 'options.rocm.use_aiter', got 'cache.blocksize'"
        ),
    ):
        ConfigAdjustment("cache.blocksize", None, 16, "typo")


def test_conflicting_adjustments_are_refused():
    first = ConfigAdjustment("cache.block_size", None, 128, "platform")
    second = ConfigAdjustment("cache.block_size", None, 16, "plugin")
    with pytest.raises(
        InvalidConfigError,
        match=re.escape(
            "cannot apply 'cache.block_size: None -> 16 (plugin)': cache.block_size is 128 by now, "
            "so another plugin changed it first; remove one of the two adjustments"
        ),
    ):
        EngineConfig().apply([first, second])


def test_an_adjustment_to_an_invalid_value_is_refused():
    with pytest.raises(
        InvalidConfigError,
        match=re.escape(
            "cannot apply 'cache.cache_dtype: 'auto' -> 'int3' (why not)': CacheConfig.cache_dtype must be one of"
        ),
    ):
        EngineConfig().apply([ConfigAdjustment("cache.cache_dtype", "auto", "int3", "why not")])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: ModelConfig(dtype="float64"),
            "ModelConfig.dtype must be one of 'auto', 'bfloat16', 'float16', 'float32', got 'float64'",
        ),
        (
            lambda: ModelConfig(num_attention_heads=32, num_kv_heads=6),
            "ModelConfig.num_attention_heads (32) must be a multiple of num_kv_heads (6)",
        ),
        (
            lambda: CacheConfig(block_size=0),
            "CacheConfig.block_size must be an integer >= 1, got 0",
        ),
        (
            lambda: CacheConfig(gpu_memory_utilization=1.5),
            "CacheConfig.gpu_memory_utilization must be in (0, 1], got 1.5",
        ),
    ],
)
def test_parts_validate_their_fields(build, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        build()


def test_to_dict_round_trips_every_part():
    data = EngineConfig(options={"rocm.use_aiter": True}).to_dict()
    assert set(data) == {
        "model", "cache", "parallel", "scheduler", "compilation", "lora", "speculative",
        "kv_transfer", "options",
    }
    assert data["options"] == {"rocm.use_aiter": True}


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: CacheConfig(kv_cache_layout="NCHW"),
            "CacheConfig.kv_cache_layout must be one of None, 'NHD', 'HND', got 'NCHW'",
        ),
        (
            lambda: ParallelConfig(prefill_context_parallel_size=0),
            "ParallelConfig.prefill_context_parallel_size must be an integer >= 1, got 0",
        ),
        (
            lambda: CompilationConfig(fuse_attn_quant="off"),
            "CompilationConfig.fuse_attn_quant must be a bool or None, got 'off'",
        ),
        (
            lambda: CompilationConfig(custom_ops=["+rms_norm"]),
            "CompilationConfig.custom_ops must be a tuple of strings, got ['+rms_norm']",
        ),
        (lambda: LoRAConfig(enabled=1), "LoRAConfig.enabled must be a bool, got 1"),
        (
            lambda: SpeculativeConfig(num_speculative_tokens=-1),
            "SpeculativeConfig.num_speculative_tokens must be an integer >= 0, got -1",
        ),
        (
            lambda: KVTransferConfig(connector=""),
            "KVTransferConfig.connector must be a non-empty string, got ''",
        ),
        (lambda: ModelConfig(enable_sleep_mode="yes"), "ModelConfig.enable_sleep_mode must be a bool, got 'yes'"),
        (
            lambda: EngineConfig(options={"use_aiter": True}),
            "EngineConfig.options keys must read '<platform>.<name>' in lower case, e.g. "
            "'rocm.use_aiter', got 'use_aiter'",
        ),
        (
            lambda: EngineConfig(options={"rocm.use_aiter": [1]}),
            "EngineConfig.options['rocm.use_aiter'] must be a bool, number or string, got [1]",
        ),
    ],
)
def test_new_parts_validate_their_fields(build, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        build()


def test_options_are_read_only_and_adjustable_like_fields():
    source = {"rocm.use_aiter": True}
    config = EngineConfig(options=source)
    source["rocm.use_aiter"] = False  # the config keeps its own copy
    assert config.option("rocm.use_aiter") is True
    assert config.option("rocm.use_aiter_mha", "default") == "default"
    with pytest.raises(TypeError):
        config.options["rocm.use_aiter"] = False  # type: ignore[index]
    adjusted = config.apply([
        ConfigAdjustment("options.rocm.use_aiter", True, False, "AITER is not installed"),
        ConfigAdjustment("options.rocm.block", None, 64, "unified attention"),
    ])
    assert dict(adjusted.options) == {"rocm.use_aiter": False, "rocm.block": 64}
    assert adjusted.get("options.rocm.block") == 64
    removed = adjusted.apply([ConfigAdjustment("options.rocm.block", 64, None, "default again")])
    assert dict(removed.options) == {"rocm.use_aiter": False}


# ------------------------------------------------------------------------ ValidatedConfig.merge

PLATFORM_ANSWER = [
    ConfigAdjustment("cache.block_size", None, 16, "platform"),
    ConfigAdjustment("cache.block_size", 16, 32, "platform, again"),
]
IMPLEMENTERS = "acme (hwcore-acme 1.0), extra (hwcore-extra 1.0)"


def test_merge_applies_each_answer_in_order_and_keeps_every_adjustment():
    plugin_answer = [ConfigAdjustment("parallel.worker_cls", "auto", "my.Worker", "plugin")]
    merged = ValidatedConfig.merge(EngineConfig(), [PLATFORM_ANSWER, None, plugin_answer], "x")
    assert merged.config.cache.block_size == 32
    assert merged.config.parallel.worker_cls == "my.Worker"
    assert merged.adjustments == (*PLATFORM_ANSWER, *plugin_answer)


def test_the_same_change_from_two_plugins_counts_once():
    same = [ConfigAdjustment("cache.block_size", None, 16, "plugin agrees")]
    merged = ValidatedConfig.merge(EngineConfig(), [PLATFORM_ANSWER[:1], same], IMPLEMENTERS)
    assert merged.adjustments == (PLATFORM_ANSWER[0],)


def test_two_plugins_setting_one_field_differently_is_an_error_naming_both():
    other = [ConfigAdjustment("cache.block_size", None, 64, "plugin wants 64")]
    message = (
        "two plugins adjust cache.block_size differently: 'cache.block_size: None -> 16 "
        "(platform)' and 'cache.block_size: None -> 64 (plugin wants 64)'. Plugins answering "
        "check_and_update_config: acme (hwcore-acme 1.0), extra (hwcore-extra 1.0); remove or "
        "align one of the two adjustments"
    )
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        ValidatedConfig.merge(EngineConfig(), [PLATFORM_ANSWER[:1], other], IMPLEMENTERS)


def test_an_answer_that_is_not_a_list_of_adjustments_is_refused():
    message = (
        "a check_and_update_config implementation returned {'cache.block_size': 16}; it must "
        f"return a list of ConfigAdjustment. Plugins answering it: {IMPLEMENTERS}"
    )
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        ValidatedConfig.merge(EngineConfig(), [{"cache.block_size": 16}], IMPLEMENTERS)
