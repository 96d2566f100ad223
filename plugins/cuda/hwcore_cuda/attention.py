"""Attention-backend priorities on NVIDIA GPUs: vLLM 0.33's order, exactly.

``backend_priority`` reproduces ``_get_backend_priorities`` of vLLM 0.33.0
(``vllm/platforms/cuda.py``) for every combination of compute capability, MLA, KV-cache
dtype, head count, head size, multimodal prefix and non-causal attention, sparse MLA tails
included, and appends ``TORCH_SDPA``, hwcore's portable reference backend, as the runnable
fallback. hwcore-cuda ships none of the vendor kernels: FlashAttention, FlashInfer, Triton
and the MLA kernels are registered by the packages that implement them, and a name nobody
registered is rejected with a hint naming what would provide it (``PROVIDER_HINTS``).
"""

from __future__ import annotations

from hwcore.plugin_api import (
    REFERENCE_BACKEND,
    AttentionRequest,
    DeviceCapability,
    is_quantized_kv_cache,
)

# What would register each vendor backend; shown as "provided by e.g. ..." when nobody did.
PROVIDER_HINTS = {
    "FLASH_ATTN": "a plugin wrapping flash-attn (FlashAttention 2/3)",
    "FLASHINFER": "a plugin wrapping flashinfer-python",
    "TRITON_ATTN": "a plugin with Triton attention kernels (triton)",
    "TRITON_FLASH_ATTN": "a plugin with Triton FlashAttention kernels for multimodal prefixes",
    "TRITON_FLASHINFER": "a plugin with Triton FlashInfer kernels for multimodal prefixes",
    "FLEX_ATTENTION": "a plugin wrapping torch FlexAttention",
    "TURBOQUANT": "a plugin with TurboQuant KV-cache kernels",
    "FLASH_ATTN_MLA": "a plugin wrapping flash-attn's MLA kernels",
    "FLASHMLA": "a plugin wrapping FlashMLA",
    "FLASHINFER_MLA": "a plugin wrapping flashinfer-python's MLA kernels",
    "TOKENSPEED_MLA": "a plugin with TokenSpeed MLA kernels",
    "CUTLASS_MLA": "a plugin with CUTLASS MLA kernels",
    "TRITON_MLA": "a plugin with Triton MLA kernels (triton)",
    "FLASHMLA_SPARSE": "a plugin wrapping FlashMLA's sparse kernels",
    "FLASHINFER_MLA_SPARSE": "a plugin wrapping flashinfer-python's sparse MLA kernels",
    "FLASHINFER_MLA_SPARSE_SM90": "a plugin wrapping flashinfer-python's SM90 sparse MLA kernels",
    "FLASHINFER_MLA_SPARSE_SM120": "a plugin wrapping flashinfer-python's SM120 sparse MLA kernels",
    "FLASH_ATTN_MLA_SPARSE": "a plugin wrapping flash-attn's sparse MLA kernels",
    "FLASH_ATTN_MLA_SPARSE_FA4": "a plugin wrapping flash-attn 4's sparse MLA kernels",
}


def backend_priority(
    capability: DeviceCapability | None, request: AttentionRequest
) -> tuple[str, ...]:
    """Backend names in the order vLLM 0.33 tries them for ``request`` on a GPU of
    ``capability``, then ``TORCH_SDPA``.

    An unknown capability gets the order of neither Hopper nor Blackwell; each backend's own
    capability range still rules out what cannot run.
    """
    major = None if capability is None else capability.major
    names = _mla_priority(major, request) if request.use_mla else _priority(major, request)
    return (*names, REFERENCE_BACKEND)


def _priority(major: int | None, request: AttentionRequest) -> tuple[str, ...]:
    # On SM100 FlashInfer's TRT-LLM path leads for causal attention; its non-causal path
    # has known problems, so non-causal requests keep FlashAttention first (vLLM's note).
    if major == 10 and not request.use_non_causal:
        prefix = ("TRITON_FLASHINFER",) if request.use_mm_prefix else ()
        return (*prefix, "FLASHINFER", "FLASH_ATTN", "TRITON_ATTN", "FLEX_ATTENTION", "TURBOQUANT")
    prefix = ("TRITON_FLASH_ATTN",) if major == 9 and request.use_mm_prefix else ()
    return (*prefix, "FLASH_ATTN", "FLASHINFER", "TRITON_ATTN", "FLEX_ATTENTION", "TURBOQUANT")


def _mla_priority(major: int | None, request: AttentionRequest) -> tuple[str, ...]:
    if major == 10:
        return (
            "FLASHINFER_MLA", "TOKENSPEED_MLA", "CUTLASS_MLA", "FLASH_ATTN_MLA", "FLASHMLA",
            "TRITON_MLA", *_blackwell_sparse_tail(request),
        )
    if major == 12:
        return ("TRITON_MLA", "FLASHINFER_MLA_SPARSE_SM120")
    sparse_tail = ["FLASH_ATTN_MLA_SPARSE", "FLASHMLA_SPARSE"]
    # FlashInfer's SM90 sparse kernel leads only for 512-wide heads.
    if request.head_size == 512:
        sparse_tail.insert(0, "FLASHINFER_MLA_SPARSE_SM90")
    else:
        sparse_tail.append("FLASHINFER_MLA_SPARSE_SM90")
    return ("FLASH_ATTN_MLA", "FLASHMLA", "FLASHINFER_MLA", "TRITON_MLA", *sparse_tail)


def _blackwell_sparse_tail(request: AttentionRequest) -> tuple[str, ...]:
    # vLLM's benchmark-driven choice (vllm#35807): FlashInfer for a quantized KV cache;
    # with bf16, FA4 then FlashInfer at low head counts, where FlashMLA pads heads.
    if is_quantized_kv_cache(request.kv_cache_dtype):
        return ("FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE")
    if request.num_heads is not None and request.num_heads <= 16:
        return ("FLASH_ATTN_MLA_SPARSE_FA4", "FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE")
    return ("FLASHMLA_SPARSE", "FLASHINFER_MLA_SPARSE")
