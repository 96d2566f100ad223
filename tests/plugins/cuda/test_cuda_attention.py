"""Attention selection per compute capability, in vLLM 0.33's order.

With stand-ins for the vendor backends registered under vLLM's names, each GPU picks what
vLLM picks; without them, non-MLA requests fall back to TORCH_SDPA.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

import hwcore
from hwcore.records import DeviceCapability
from hwcore_cuda.attention import backend_priority

NON_MLA = ["FLASH_ATTN", "FLASHINFER", "TRITON_ATTN", "FLEX_ATTENTION", "TORCH_SDPA"]
BLACKWELL = ["FLASHINFER", "FLASH_ATTN", "TRITON_ATTN", "FLEX_ATTENTION", "TORCH_SDPA"]
MLA = ["FLASH_ATTN_MLA", "FLASHMLA", "FLASHINFER_MLA", "TRITON_MLA"]
BLACKWELL_MLA = ["FLASHINFER_MLA", "CUTLASS_MLA", "FLASH_ATTN_MLA", "FLASHMLA", "TRITON_MLA"]

# GPU, its capability, vLLM 0.33's non-MLA and MLA priority, and what each picks.
TABLE = [
    ("T4", (7, 5), NON_MLA, "FLASHINFER", MLA, "TRITON_MLA"),
    ("A100", (8, 0), NON_MLA, "FLASH_ATTN", MLA, "TRITON_MLA"),
    ("RTX3090", (8, 6), NON_MLA, "FLASH_ATTN", MLA, "TRITON_MLA"),
    ("L4", (8, 9), NON_MLA, "FLASH_ATTN", MLA, "TRITON_MLA"),
    ("H100", (9, 0), NON_MLA, "FLASH_ATTN", MLA, "FLASH_ATTN_MLA"),
    ("B200", (10, 0), BLACKWELL, "FLASHINFER", BLACKWELL_MLA, "FLASHINFER_MLA"),
    ("RTX5090", (12, 0), NON_MLA, "FLASH_ATTN", ["TRITON_MLA"], "TRITON_MLA"),
]


@pytest.mark.parametrize(("gpu", "capability", "order", "_", "mla_order", "__"), TABLE)
def test_priority_lists_match_vllm(
    gpu: str, capability: tuple[int, int], order: list[str], _: str,
    mla_order: list[str], __: str,
) -> None:
    assert list(backend_priority(DeviceCapability(*capability), use_mla=False)) == order
    assert list(backend_priority(DeviceCapability(*capability), use_mla=True)) == mla_order


@pytest.mark.parametrize(("gpu", "_", "__", "chosen", "___", "mla_chosen"), TABLE)
def test_selection_with_vendor_backends_registered(
    cuda_platform: Callable[..., hwcore.Platform], vendor_backends: tuple[str, object],
    gpu: str, _: object, __: object, chosen: str, ___: object, mla_chosen: str,
) -> None:
    platform = cuda_platform(gpu, vendor_backends)
    dtype = "float16" if gpu == "T4" else "bfloat16"
    assert platform.get_attn_backend_cls(None, 128, dtype) == (
        f"hwcore_cuda_test_backends.{chosen}"
    )
    assert platform.get_attn_backend_cls(None, 128, dtype, use_mla=True) == (
        f"hwcore_cuda_test_backends.{mla_chosen}"
    )


def test_float32_skips_the_half_precision_kernels(
    cuda_platform: Callable[..., hwcore.Platform], vendor_backends: tuple[str, object],
) -> None:
    platform = cuda_platform("H100", vendor_backends)
    assert platform.get_attn_backend_cls(None, 128, "float32") == (
        "hwcore_cuda_test_backends.TRITON_ATTN"
    )


@pytest.mark.parametrize("gpu", ["T4", "A100", "H100", "B200", "RTX5090"])
def test_without_vendor_backends_torch_sdpa_runs(
    cuda_platform: Callable[..., hwcore.Platform], gpu: str,
) -> None:
    platform = cuda_platform(gpu)
    assert platform.get_attn_backend_cls(None, 128, "float16") == (
        "hwcore.attention.torch_sdpa.TorchSDPABackend"
    )


def test_mla_without_vendor_backends_names_what_would_provide_them(
    cuda_platform: Callable[..., hwcore.Platform],
) -> None:
    platform = cuda_platform("H100")
    message = (
        "No valid attention backend for cuda (platform 'cuda', hwcore-cuda 0.1.0) with "
        "head_size=576, dtype=bfloat16, kv_cache_dtype=auto, block_size=auto, use_mla=True, "
        "has_sink=False, use_sparse=False. Reasons:\n"
        "  FLASH_ATTN_MLA: not registered by any installed plugin (provided by e.g. a plugin "
        "wrapping flash-attn's MLA kernels)\n"
        "  FLASHMLA: not registered by any installed plugin (provided by e.g. a plugin "
        "wrapping FlashMLA)\n"
        "  FLASHINFER_MLA: not registered by any installed plugin (provided by e.g. a plugin "
        "wrapping flashinfer-python's MLA kernels)\n"
        "  TRITON_MLA: not registered by any installed plugin (provided by e.g. a plugin "
        "with Triton MLA kernels (triton))\n"
        "Change what the reasons name: the dtype, KV-cache dtype, block size or head size "
        "to one a backend supports, install a missing package or plugin, or select a "
        "backend explicitly"
    )
    with pytest.raises(hwcore.NoValidBackendError, match=f"^{re.escape(message)}$"):
        platform.get_attn_backend_cls(None, 576, "bfloat16", use_mla=True)


def test_an_explicit_backend_that_cannot_run_is_an_error(
    cuda_platform: Callable[..., hwcore.Platform], vendor_backends: tuple[str, object],
) -> None:
    platform = cuda_platform("T4", vendor_backends)
    message = (
        "Selected attention backend FLASH_ATTN cannot run this request on cuda (platform "
        "'cuda', hwcore-cuda 0.1.0) with head_size=128, dtype=float16, kv_cache_dtype=auto, "
        "block_size=auto, use_mla=False, has_sink=False, use_sparse=False: compute capability "
        "7.5 below 8.0. hwcore does not fall back from an explicit choice; change the request "
        "or select another backend (valid here: FLASHINFER, TRITON_ATTN, FLEX_ATTENTION, "
        "TORCH_SDPA)"
    )
    with pytest.raises(hwcore.InvalidSelectedBackendError, match=f"^{re.escape(message)}$"):
        platform.get_attn_backend_cls("FLASH_ATTN", 128, "float16")
