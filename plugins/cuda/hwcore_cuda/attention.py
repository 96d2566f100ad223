"""Attention-backend priorities per compute capability, in vLLM 0.33's order.

hwcore-cuda ranks backends by name and ships none of its own: the vendor kernels
(FlashAttention, FlashInfer, Triton, FlexAttention, the MLA kernels) are registered by the
packages that implement them, and ``TORCH_SDPA`` (hwcore's reference backend) runs on any
GPU, so a non-MLA request always has a backend. A candidate nobody registered is rejected
with a hint naming what would provide it.
"""

from __future__ import annotations

from hwcore.records import DeviceCapability

REFERENCE_BACKEND = "TORCH_SDPA"

# vLLM 0.33 cuda.py `_get_backend_priorities`, without the model-specific and sparse tails.
_BLACKWELL_PRIORITY = ("FLASHINFER", "FLASH_ATTN", "TRITON_ATTN", "FLEX_ATTENTION")
_DEFAULT_PRIORITY = ("FLASH_ATTN", "FLASHINFER", "TRITON_ATTN", "FLEX_ATTENTION")
_BLACKWELL_MLA_PRIORITY = (
    "FLASHINFER_MLA", "CUTLASS_MLA", "FLASH_ATTN_MLA", "FLASHMLA", "TRITON_MLA",
)
_SM12X_MLA_PRIORITY = ("TRITON_MLA",)
_DEFAULT_MLA_PRIORITY = ("FLASH_ATTN_MLA", "FLASHMLA", "FLASHINFER_MLA", "TRITON_MLA")

# What would register each vendor backend; shown as "provided by e.g. ..." when nobody did.
PROVIDER_HINTS = {
    "FLASH_ATTN": "a plugin wrapping flash-attn (FlashAttention 2/3)",
    "FLASHINFER": "a plugin wrapping flashinfer-python",
    "TRITON_ATTN": "a plugin with Triton attention kernels (triton)",
    "FLEX_ATTENTION": "a plugin wrapping torch FlexAttention",
    "FLASH_ATTN_MLA": "a plugin wrapping flash-attn's MLA kernels",
    "FLASHMLA": "a plugin wrapping FlashMLA",
    "FLASHINFER_MLA": "a plugin wrapping flashinfer-python's MLA kernels",
    "CUTLASS_MLA": "a plugin with CUTLASS MLA kernels",
    "TRITON_MLA": "a plugin with Triton MLA kernels (triton)",
}


def backend_priority(capability: DeviceCapability | None, use_mla: bool) -> tuple[str, ...]:
    """Backend names in the order vLLM 0.33 tries them on a GPU of ``capability``.

    An unknown capability gets the default (pre-Blackwell) order: each backend's own
    capability range still rules out what cannot run.
    """
    major = None if capability is None else capability.major
    if use_mla:
        if major == 10:
            return _BLACKWELL_MLA_PRIORITY
        if major == 12:
            return _SM12X_MLA_PRIORITY
        return _DEFAULT_MLA_PRIORITY
    ordered = _BLACKWELL_PRIORITY if major == 10 else _DEFAULT_PRIORITY
    return (*ordered, REFERENCE_BACKEND)
