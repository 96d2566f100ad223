"""Stand-ins for the XPU attention backends, registered under vLLM's names.

Dtypes, head sizes, block sizes and features follow vLLM 0.33's backends on XPU (the XPU
FlashAttention kernels take blocks in multiples of 64, head sizes up to 512 and no float32),
so selection can be compared with vLLM's choices without the kernels.
"""

from __future__ import annotations

from hwcore.plugin_api import AttentionBackendSpec, hookimpl

HALF = ("float16", "bfloat16")
ANY_FLOAT = ("float16", "bfloat16", "float32")
FP8_KV = ("auto", "float16", "bfloat16", "fp8", "fp8_e4m3")
FA_HEADS = tuple(range(8, 513, 8))


class FakeKernel:
    """A class the specs' ``class_path`` can name; selection never runs it."""


def _spec(name: str, **fields: object) -> AttentionBackendSpec:
    globals()[name] = type(name, (FakeKernel,), {})
    return AttentionBackendSpec(  # type: ignore[arg-type]
        name=name, class_path=f"hwcore_xpu_test_backends.{name}", device_types=("xpu",),
        **fields,
    )


VENDOR_BACKENDS = [
    _spec("FLASH_ATTN", dtypes=HALF, kv_cache_dtypes=FP8_KV, head_sizes=FA_HEADS,
          block_sizes=(64,), default_block_size=64, sink=True, sliding_window=True,
          non_causal=True, batch_invariant=True,
          attn_types=("decoder", "encoder", "encoder_only", "encoder_decoder")),
    _spec("TRITON_ATTN", dtypes=ANY_FLOAT, block_sizes=(16,), sink=True,
          sliding_window=True, batch_invariant=True, mm_prefix=True),
    _spec("TRITON_FLASH_ATTN", dtypes=HALF, head_sizes=(64, 128, 256), block_sizes=(64,),
          default_block_size=64, mm_prefix=True, sliding_window=True),
    _spec("FLASH_ATTN_MLA", mla=True, head_sizes=(576,), block_sizes=(64,),
          default_block_size=64),
    _spec("TRITON_MLA", mla=True, dtypes=HALF),
    _spec("XPU_MLA_SPARSE", mla=True, sparse=True, block_sizes=(64,), default_block_size=64),
    _spec("TURBOQUANT", kv_cache_dtypes=("turboquant_k8v4", "turboquant_4bit_nc")),
]


class VendorBackendsPlugin:
    """A general plugin registering every stand-in, as a kernel package would."""

    HWCORE_CONTRACT_VERSION = "2.0"

    @hookimpl
    def register_attention_backends(self) -> list[AttentionBackendSpec]:
        return list(VENDOR_BACKENDS)
