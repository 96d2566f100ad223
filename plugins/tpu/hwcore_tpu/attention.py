"""The TPU attention backends: tpu-inference's Pallas kernels, and nothing else.

The platform's priority list holds only them. hwcore's ``TORCH_SDPA`` (or any CUDA kernel)
would run on the host CPU or not at all, so a TPU request that Pallas cannot run is an
error saying why, never a silent fallback to the wrong device. Without tpu-inference
installed the candidates are rejected with the reason and the install hint, and the
selection error says so.

What each spec declares is read from tpu-inference 0.32: both backends pad the head size
to a multiple of 128 (any head size runs); ``PALLAS`` runs decoder and encoder-only
attention with sinks and sliding windows, ``PALLAS_MLA`` decoder MLA layers; the KV cache
may be quantized to the FP8 formats it maps to JAX dtypes.
"""

from __future__ import annotations

from collections.abc import Sequence

from hwcore.plugin_api import AttentionBackendSpec, AttentionRequest
from hwcore_tpu.packages import TPU_INFERENCE_INSTALL
from hwcore_tpu.pallas import (
    KV_CACHE_DTYPES,
    MLA_PAGE_SIZE,
    PALLAS,
    PALLAS_CLASS,
    PALLAS_MLA,
    PALLAS_MLA_CLASS,
)

REQUIRED_PACKAGES = ("tpu-inference",)


def backend_specs() -> list[AttentionBackendSpec]:
    """``PALLAS`` and ``PALLAS_MLA``, provided by tpu-inference at run time."""
    return [
        AttentionBackendSpec(
            name=PALLAS,
            class_path=PALLAS_CLASS,
            dtypes=("bfloat16",),
            kv_cache_dtypes=KV_CACHE_DTYPES,
            default_block_size=128,
            sink=True,
            attn_types=("decoder", "encoder_only"),
            device_types=("tpu",),
            required_packages=REQUIRED_PACKAGES,
            install_hint=TPU_INFERENCE_INSTALL,
            description="tpu-inference's ragged paged attention in Pallas (vLLM's FLASH_ATTN)",
        ),
        AttentionBackendSpec(
            name=PALLAS_MLA,
            class_path=PALLAS_MLA_CLASS,
            dtypes=("bfloat16",),
            kv_cache_dtypes=KV_CACHE_DTYPES,
            default_block_size=MLA_PAGE_SIZE,
            mla=True,
            device_types=("tpu",),
            required_packages=REQUIRED_PACKAGES,
            install_hint=TPU_INFERENCE_INSTALL,
            description="tpu-inference's MLA attention in Pallas (vLLM's FLASH_ATTN_MLA)",
        ),
    ]


def backend_priority(request: AttentionRequest) -> Sequence[str]:
    """The one Pallas backend for the request's kind of layer."""
    return (PALLAS_MLA,) if request.use_mla else (PALLAS,)
