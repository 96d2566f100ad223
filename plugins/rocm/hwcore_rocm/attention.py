"""Attention-backend priorities on ROCm, in vLLM 0.33's order (``rocm.py``,
``_get_backend_priorities`` and the encoder-decoder rule of ``get_valid_backends``).

hwcore-rocm ranks backends by name and ships none of its own: the vendor kernels (AITER,
Triton, vLLM's ROCm paged attention) are registered by the packages that implement them,
and ``TORCH_SDPA`` (hwcore's reference backend) ends every list, so a request that no
vendor kernel can serve still runs. A candidate nobody registered is rejected with a hint
naming what would provide it.
"""

from __future__ import annotations

from hwcore_rocm.switches import Aiter

REFERENCE_BACKEND = "TORCH_SDPA"
# Always tried after the ROCm chain, in this order (vLLM 0.33 appends them unconditionally).
_NON_MLA_TAIL = ("TRITON_ATTN", "TURBOQUANT", "ROCM_OCTAVE", "ULTRAQUANT")
_AITER_MLA = ("ROCM_AITER_MLA", "TRITON_MLA", "ROCM_AITER_TRITON_MLA")

# What would register each vendor backend; shown as "provided by e.g. ..." when nobody did.
PROVIDER_HINTS = {
    "ROCM_ATTN": "a plugin wrapping vLLM's ROCm paged-attention kernels (vllm._rocm_C)",
    "ROCM_AITER_FA": "a plugin wrapping AITER's flash attention (aiter, CDNA3 or later)",
    "ROCM_AITER_UNIFIED_ATTN": "a plugin wrapping AITER's unified Triton attention (aiter)",
    "ROCM_AITER_MLA": "a plugin wrapping AITER's MLA decode kernels (aiter)",
    "ROCM_AITER_TRITON_MLA": "a plugin wrapping AITER's Triton MLA kernels (aiter)",
    "ROCM_AITER_MLA_SPARSE": "a plugin wrapping AITER's sparse MLA kernels (aiter)",
    "TRITON_ATTN": "a plugin with Triton attention kernels (triton)",
    "TRITON_MLA": "a plugin with Triton MLA kernels (triton)",
    "TURBOQUANT": "a plugin with the TurboQuant KV-cache attention kernels",
    "ROCM_OCTAVE": "a plugin with vLLM's Octave attention kernels for ROCm",
    "ULTRAQUANT": "a plugin with the UltraQuant 4-bit KV-cache attention kernels",
}


def backend_priority(
    aiter: Aiter,
    *,
    use_mla: bool,
    use_sparse: bool,
    use_kv_connector: bool = False,
    encoder_decoder: bool = False,
) -> tuple[str, ...]:
    """Backend names in the order vLLM 0.33 tries them, then ``TORCH_SDPA``.

    ``aiter`` holds the AITER switches on the GPU the request runs on (the weakest visible
    one). ``encoder_decoder``: the model is an encoder-decoder one, whose encoder and
    decoder layers need one KV layout, which ``ROCM_ATTN`` does not share.

    >>> from hwcore_rocm.switches import AiterSwitches
    >>> backend_priority(Aiter(AiterSwitches(), False, "gfx942"), use_mla=False, use_sparse=False)
    ('ROCM_ATTN', 'TRITON_ATTN', 'TURBOQUANT', 'ROCM_OCTAVE', 'ULTRAQUANT', 'TORCH_SDPA')
    """
    return (*_vllm_priority(aiter, use_mla, use_sparse, use_kv_connector, encoder_decoder),
            REFERENCE_BACKEND)


def _vllm_priority(
    aiter: Aiter, use_mla: bool, use_sparse: bool, use_kv_connector: bool,
    encoder_decoder: bool,
) -> list[str]:
    if use_sparse:
        return ["ROCM_AITER_MLA_SPARSE"]
    if use_mla:
        return list(_AITER_MLA) if aiter.mla else ["TRITON_MLA"]
    # ROCM_ATTN is kept away from KV connectors until their transfers are validated for
    # its split K/V cache views, and from encoder-decoder models (see above).
    backends = [] if use_kv_connector or encoder_decoder else ["ROCM_ATTN"]
    if aiter.mha:
        backends.append("ROCM_AITER_FA")
    # Unified attention follows on CDNA3+ whenever AITER is installed (vLLM does not ask
    # the switches here); on RDNA4 it leads, but only when AITER is switched on.
    if aiter.supported:
        backends.append("ROCM_AITER_UNIFIED_ATTN")
    elif aiter.rdna:
        backends.insert(0, "ROCM_AITER_UNIFIED_ATTN")
    return [*backends, *_NON_MLA_TAIL]
