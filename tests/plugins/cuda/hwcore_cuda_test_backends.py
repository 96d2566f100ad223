"""Stand-ins for the vendor attention backends, registered under vLLM's names.

The capability ranges, dtypes, KV-cache dtypes and block sizes follow vLLM 0.33's backends,
so selection tables can be compared with vLLM's choices without the kernels. The sparse MLA
stand-ins are a separate plugin: most tests run without them, as most nodes do.
"""

from __future__ import annotations

from hwcore.plugin_api import AttentionBackendSpec, DeviceCapability, hookimpl

HALF = ("float16", "bfloat16")
ANY_FLOAT = ("float16", "bfloat16", "float32")
SM90 = {"min_capability": DeviceCapability(9, 0), "max_capability": DeviceCapability(9, 9)}
SM100 = {"min_capability": DeviceCapability(10, 0), "max_capability": DeviceCapability(10, 9)}


class FakeKernel:
    """A class the specs' ``class_path`` can name; selection never runs it."""


def _spec(name: str, **fields: object) -> AttentionBackendSpec:
    globals()[name] = type(name, (FakeKernel,), {})
    return AttentionBackendSpec(name=name, class_path=f"hwcore_cuda_test_backends.{name}", **fields)  # type: ignore[arg-type]


VENDOR_BACKENDS = [
    _spec("FLASH_ATTN", dtypes=HALF, block_sizes=(16,), min_capability=DeviceCapability(8, 0)),
    _spec("FLASHINFER", dtypes=HALF, block_sizes=(16,), min_capability=DeviceCapability(7, 5),
          max_capability=DeviceCapability(12, 1)),
    _spec("TRITON_ATTN", dtypes=ANY_FLOAT, block_sizes=(16,), mm_prefix=True),
    _spec("FLEX_ATTENTION", dtypes=ANY_FLOAT, mm_prefix=True),
    _spec("FLASHINFER_MLA", mla=True, block_sizes=(32, 64), default_block_size=64,
          kv_cache_dtypes=("auto", "float16", "bfloat16", "fp8"), **SM100),
    _spec("CUTLASS_MLA", mla=True, block_sizes=(128,), default_block_size=128, **SM100),
    _spec("FLASH_ATTN_MLA", mla=True, block_sizes=(16,),
          min_capability=DeviceCapability(9, 0), max_capability=DeviceCapability(9, 0)),
    _spec("FLASHMLA", mla=True, block_sizes=(64,), default_block_size=64,
          min_capability=DeviceCapability(9, 0), max_capability=DeviceCapability(10, 9)),
    _spec("TRITON_MLA", mla=True, dtypes=HALF),
]

SPARSE_MLA_BACKENDS = [
    _spec("FLASH_ATTN_MLA_SPARSE", mla=True, sparse=True, block_sizes=(64,),
          default_block_size=64, **SM90),
    _spec("FLASHINFER_MLA_SPARSE_SM90", mla=True, sparse=True, block_sizes=(64,),
          default_block_size=64, kv_cache_dtypes=("auto", "bfloat16", "fp8"), **SM90),
    _spec("FLASHMLA_SPARSE", mla=True, sparse=True, block_sizes=(64,), default_block_size=64,
          kv_cache_dtypes=("auto", "bfloat16", "fp8_ds_mla", "fp8"),
          min_capability=DeviceCapability(9, 0), max_capability=DeviceCapability(10, 9)),
    _spec("FLASHINFER_MLA_SPARSE", mla=True, sparse=True, block_sizes=(64,),
          default_block_size=64, kv_cache_dtypes=("auto", "float16", "bfloat16", "fp8"),
          **SM100),
    _spec("FLASH_ATTN_MLA_SPARSE_FA4", mla=True, sparse=True, block_sizes=(64,),
          default_block_size=64, kv_cache_dtypes=("auto", "bfloat16"), **SM100),
]


class VendorBackendsPlugin:
    """A general plugin registering the dense stand-ins, as a kernel package would."""

    HWCORE_CONTRACT_VERSION = "2.0"

    @hookimpl
    def register_attention_backends(self) -> list[AttentionBackendSpec]:
        return list(VENDOR_BACKENDS)


class SparseMlaBackendsPlugin:
    """A general plugin registering the sparse MLA stand-ins (DeepSeek V3.2's kernels)."""

    HWCORE_CONTRACT_VERSION = "2.0"

    @hookimpl
    def register_attention_backends(self) -> list[AttentionBackendSpec]:
        return list(SPARSE_MLA_BACKENDS)
