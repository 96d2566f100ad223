"""What would provide each vendor backend in hwcore-cuda's priority lists.

``PlatformInfo.backend_hints`` carries this table, so a name nobody registered is rejected
with "provided by e.g. ...". Plain data: detection imports it, and it must cost nothing.
"""

from __future__ import annotations

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
