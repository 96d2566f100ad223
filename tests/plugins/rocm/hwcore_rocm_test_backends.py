"""Stand-ins for vLLM 0.33's ROCm attention backends, registered under their names.

Dtypes, KV-cache dtypes, head and block sizes and feature flags follow vLLM 0.33's backend
classes, so selection on a fake node can be compared with vLLM's choices without kernels.
"""

from __future__ import annotations

from hwcore.plugin_api import AttentionBackendSpec, hookimpl

HALF = ("float16", "bfloat16")
ANY_FLOAT = ("float16", "bfloat16", "float32")
FP8_KV = ("auto", "float16", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2")


class FakeKernel:
    """A class the specs' ``class_path`` can name; selection never runs it."""


def _spec(name: str, **fields: object) -> AttentionBackendSpec:
    globals()[name] = type(name, (FakeKernel,), {})
    return AttentionBackendSpec(name=name, class_path=f"hwcore_rocm_test_backends.{name}", **fields)  # type: ignore[arg-type]


VENDOR_BACKENDS = [
    _spec("ROCM_ATTN", dtypes=ANY_FLOAT, kv_cache_dtypes=FP8_KV, block_sizes=(16,),
          head_sizes=(32, 64, 80, 96, 128, 160, 192, 224, 256), non_causal=True,
          attn_types=("decoder", "encoder", "encoder_only"), kv_connector=False),
    _spec("ROCM_AITER_FA", dtypes=HALF, kv_cache_dtypes=FP8_KV, block_sizes=(16, 32),
          head_sizes=(64, 128, 256)),
    _spec("ROCM_AITER_UNIFIED_ATTN", dtypes=HALF, kv_cache_dtypes=FP8_KV, block_sizes=(16,)),
    _spec("TRITON_ATTN", dtypes=ANY_FLOAT, block_sizes=(16,),
          kv_cache_dtypes=(*FP8_KV, "int4_per_token_head", "int8_per_token_head",
                           "fp8_per_token_head"),
          attn_types=("decoder", "encoder", "encoder_only", "encoder_decoder"), mm_prefix=True),
    _spec("TRITON_MLA", mla=True, dtypes=HALF, block_sizes=(16,)),
    _spec("ROCM_AITER_MLA", mla=True, dtypes=HALF, block_sizes=(1,), default_block_size=1),
]


class VendorBackendsPlugin:
    """A general plugin registering every stand-in, as a kernel package would."""

    HWCORE_CONTRACT_VERSION = "2.0"

    @hookimpl
    def register_attention_backends(self) -> list[AttentionBackendSpec]:
        return list(VENDOR_BACKENDS)
