from __future__ import annotations

import re

import pytest
import torch

from hwcore.records import AttentionRequest


def test_defaults_follow_vllms_selector_config():
    request = AttentionRequest(head_size=128, dtype=torch.bfloat16)
    assert request.to_dict() == {
        "head_size": 128, "dtype": "bfloat16", "kv_cache_dtype": "auto", "block_size": None,
        "use_mla": False, "has_sink": False, "use_sparse": False, "use_mm_prefix": False,
        "attn_type": "decoder", "has_sliding_window": False, "use_non_causal": False,
        "use_batch_invariant": False, "use_kv_connector": False, "num_heads": None,
    }


def test_spellings_of_one_request_are_one_key():
    spelled = {
        AttentionRequest(128, torch.bfloat16, None),
        AttentionRequest(128, "bf16", "auto"),
        AttentionRequest(head_size=128, dtype="bfloat16"),
    }
    assert len(spelled) == 1
    assert AttentionRequest(128, "float16", "fp8").kv_cache_dtype == "fp8"


def test_describe_shows_what_differs_from_the_defaults():
    request = AttentionRequest(64, "float16", block_size=16, use_mla=True, num_heads=16)
    assert request.describe() == (
        "head_size=64, dtype=float16, kv_cache_dtype=auto, block_size=16, use_mla=True, "
        "num_heads=16"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"head_size": 0}, "AttentionRequest.head_size must be an integer >= 1, got 0"),
        ({"head_size": -5}, "AttentionRequest.head_size must be an integer >= 1, got -5"),
        ({"block_size": 0}, "AttentionRequest.block_size must be an integer >= 1, got 0"),
        ({"num_heads": True}, "AttentionRequest.num_heads must be an integer >= 1, got True"),
        ({"use_mla": 1}, "AttentionRequest.use_mla must be a bool, got 1"),
        (
            {"attn_type": "cross"},
            "AttentionRequest.attn_type must be one of decoder, encoder, encoder_only, "
            "encoder_decoder, got 'cross'",
        ),
    ],
)
def test_validation_names_the_field(fields, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        AttentionRequest(**{"head_size": 128, "dtype": "bfloat16", **fields})


def test_for_config_asks_for_the_models_decoder_layers_on_one_rank():
    from hwcore.records import (
        CacheConfig,
        EngineConfig,
        KVTransferConfig,
        ModelConfig,
        ParallelConfig,
    )

    config = EngineConfig(
        model=ModelConfig(head_size=576, num_attention_heads=128, num_kv_heads=1, use_mla=True,
                          is_mm_prefix_lm=True),
        cache=CacheConfig(block_size=64, cache_dtype="fp8"),
        parallel=ParallelConfig(tensor_parallel_size=8),
        kv_transfer=KVTransferConfig(connector="NixlConnector"),
    )
    assert AttentionRequest.for_config(config, torch.bfloat16) == AttentionRequest(
        head_size=576, dtype="bfloat16", kv_cache_dtype="fp8", block_size=64, use_mla=True,
        use_mm_prefix=True, use_kv_connector=True, num_heads=16,
    )
    assert AttentionRequest.for_config(EngineConfig(), "float16") == AttentionRequest(
        head_size=128, dtype="float16", num_heads=32,
    )
