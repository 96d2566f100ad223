from __future__ import annotations

import re

import pytest

from hwcore.errors import InvalidConfigError
from hwcore.records import CacheConfig, ConfigAdjustment, EngineConfig, ModelConfig


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
            "ConfigAdjustment.field must name an EngineConfig field such as 'cache.block_size', got 'cache.blocksize'"
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
    assert set(EngineConfig().to_dict()) == {
        "model",
        "cache",
        "parallel",
        "scheduler",
        "compilation",
    }
