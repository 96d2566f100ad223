"""Attention-backend priorities on Intel GPUs: vLLM 0.33's XPU decision order.

vLLM's ``XPUPlatform.get_attn_backend_cls`` decides in this order (``vllm/platforms/
xpu.py``); ``backend_priority`` returns the same choice as a list, then ``TORCH_SDPA``, the
core's portable backend, which runs on XPU through torch's SDPA:

1. a TurboQuant KV cache (``turboquant_*``): ``TURBOQUANT``;
2. sparse attention: ``XPU_MLA_SPARSE``;
3. MLA: ``FLASH_ATTN_MLA`` (the XPU FlashAttention MLA kernel) where it can run, else
   ``TRITON_MLA``;
4. batch-invariant runs: ``TRITON_ATTN`` (FlashAttention on XPU is not validated for it);
5. a multimodal prefix: ``TRITON_FLASH_ATTN`` (Triton for prefix batches, FlashAttention
   for causal ones) unless the model runs in float32, then ``TRITON_ATTN``;
6. float32: ``TRITON_ATTN`` (the XPU FlashAttention kernels have no float32);
7. otherwise ``FLASH_ATTN``.

The core validates each name against the registry and the request (head sizes, dtypes,
block sizes), so "where it can run" is each backend's own declaration. A backend the user
selects explicitly is validated the same way and is an error when it cannot run, never a
silent fallback. hwcore-xpu ships no kernels: the names are registered by the packages that
implement them, and ``PROVIDER_HINTS`` says which.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hwcore.plugin_api import AttentionRequest

PROVIDER_HINTS = {
    "FLASH_ATTN": "a plugin wrapping vllm-xpu-kernels' SYCL FlashAttention",
    "FLASH_ATTN_MLA": "a plugin wrapping vllm-xpu-kernels' FlashAttention MLA kernels",
    "XPU_MLA_SPARSE": "a plugin wrapping vllm-xpu-kernels' sparse MLA kernels",
    "TRITON_ATTN": "a plugin with Triton attention kernels (Intel's XPU Triton backend)",
    "TRITON_MLA": "a plugin with Triton MLA kernels (Intel's XPU Triton backend)",
    "TRITON_FLASH_ATTN": (
        "a plugin combining Triton and vllm-xpu-kernels FlashAttention for multimodal prefixes"
    ),
    "TURBOQUANT": "a plugin with TurboQuant KV-cache kernels",
}


def backend_priority(request: AttentionRequest) -> tuple[str, ...]:
    """Backend names in the order vLLM 0.33 decides them on XPU, then ``TORCH_SDPA``."""
    # Imported here: the selection machinery behind the name costs start-up time that
    # detection, which reads PROVIDER_HINTS, never needs.
    from hwcore.plugin_api import REFERENCE_BACKEND

    return (*_vllm_choice(request), REFERENCE_BACKEND)


def _vllm_choice(request: AttentionRequest) -> tuple[str, ...]:
    if request.kv_cache_dtype.startswith("turboquant_"):
        return ("TURBOQUANT",)
    if request.use_sparse:
        return ("XPU_MLA_SPARSE",)
    if request.use_mla:
        return ("FLASH_ATTN_MLA", "TRITON_MLA")
    if request.use_batch_invariant:
        return ("TRITON_ATTN",)
    if request.use_mm_prefix:
        if request.dtype == "float32":
            return ("TRITON_ATTN",)
        return ("TRITON_FLASH_ATTN", "TRITON_ATTN")
    if request.dtype == "float32":
        return ("TRITON_ATTN",)
    return ("FLASH_ATTN",)
