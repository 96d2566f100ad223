"""Attention selection in vLLM 0.33's XPU order, with stand-ins for the XPU kernels."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from hwcore.plugin_api import (
    AttentionRequest,
    InvalidSelectedBackendError,
    NoValidBackendError,
    Platform,
)
from hwcore_xpu.attention import backend_priority

SDPA = "hwcore.attention.torch_sdpa.TorchSDPABackend"


def request(**fields: object) -> AttentionRequest:
    return AttentionRequest(**{"head_size": 128, "dtype": "bfloat16", **fields})  # type: ignore[arg-type]


# vLLM 0.33 XPUPlatform.get_attn_backend_cls, one row per branch of its decision order.
PRIORITIES = [
    ({"kv_cache_dtype": "turboquant_k8v4", "use_mla": True}, ["TURBOQUANT"]),
    ({"use_sparse": True, "use_mla": True}, ["XPU_MLA_SPARSE"]),
    ({"use_mla": True}, ["FLASH_ATTN_MLA", "TRITON_MLA"]),
    ({"use_mla": True, "dtype": "float32"}, ["FLASH_ATTN_MLA", "TRITON_MLA"]),
    ({"use_batch_invariant": True, "use_mm_prefix": True}, ["TRITON_ATTN"]),
    ({"use_mm_prefix": True}, ["TRITON_FLASH_ATTN", "TRITON_ATTN"]),
    ({"use_mm_prefix": True, "dtype": "float32"}, ["TRITON_ATTN"]),
    ({"dtype": "float32"}, ["TRITON_ATTN"]),
    ({}, ["FLASH_ATTN"]),
    ({"dtype": "float16", "has_sink": True, "kv_cache_dtype": "fp8"}, ["FLASH_ATTN"]),
]


@pytest.mark.parametrize(("fields", "vllm"), PRIORITIES)
def test_priority_follows_vllm_then_torch_sdpa(fields: dict[str, object], vllm: list[str]) -> None:
    assert list(backend_priority(request(**fields))) == [*vllm, "TORCH_SDPA"]


# What gets selected with the stand-in kernels registered.
SELECTIONS = [
    ({}, "FLASH_ATTN"),
    ({"dtype": "float32"}, "TRITON_ATTN"),
    ({"use_batch_invariant": True}, "TRITON_ATTN"),
    ({"use_mm_prefix": True}, "TRITON_FLASH_ATTN"),
    ({"use_mm_prefix": True, "head_size": 96}, "TRITON_ATTN"),  # composite lacks 96
    ({"use_mla": True, "head_size": 576}, "FLASH_ATTN_MLA"),
    ({"use_mla": True, "head_size": 192}, "TRITON_MLA"),  # FlashAttention MLA cannot run it
    ({"use_mla": True, "use_sparse": True, "head_size": 576}, "XPU_MLA_SPARSE"),
    ({"kv_cache_dtype": "turboquant_k8v4"}, "TURBOQUANT"),
]


@pytest.mark.parametrize(("fields", "chosen"), SELECTIONS)
def test_selection_with_xpu_kernels_registered(
    xpu_platform: Callable[..., Platform], fields: dict[str, object], chosen: str,
) -> None:
    platform = xpu_platform("Max1550", backends=True)
    assert platform.get_attn_backend_cls(None, request(**fields)) == (
        f"hwcore_xpu_test_backends.{chosen}"
    )


@pytest.mark.parametrize("fields", [{}, {"dtype": "float32"}, {"dtype": "float16"}])
def test_without_xpu_kernels_torch_sdpa_runs(
    xpu_platform: Callable[..., Platform], fields: dict[str, object],
) -> None:
    platform = xpu_platform("B580")
    assert platform.get_attn_backend_cls(None, request(**fields)) == SDPA


def test_a_multimodal_prefix_needs_the_triton_kernels(
    xpu_platform: Callable[..., Platform],
) -> None:
    # torch's SDPA cannot mask a multimodal prefix, so there is no runnable fallback.
    platform = xpu_platform("B580")
    with pytest.raises(NoValidBackendError) as raised:
        platform.get_attn_backend_cls(None, request(use_mm_prefix=True))
    assert str(raised.value).splitlines()[1:4] == [
        "  TRITON_FLASH_ATTN: not registered by any installed plugin (provided by e.g. a "
        "plugin combining Triton and vllm-xpu-kernels FlashAttention for multimodal prefixes)",
        "  TRITON_ATTN: not registered by any installed plugin (provided by e.g. a plugin with "
        "Triton attention kernels (Intel's XPU Triton backend))",
        "  TORCH_SDPA: partial multimodal token full attention not supported",
    ]


def test_mla_without_kernels_names_what_would_provide_them(
    xpu_platform: Callable[..., Platform],
) -> None:
    platform = xpu_platform("Max1100")
    with pytest.raises(NoValidBackendError) as raised:
        platform.get_attn_backend_cls(None, request(use_mla=True))
    message = str(raised.value)
    assert "FLASH_ATTN_MLA: not registered by any installed plugin (provided by e.g. a plugin " \
        "wrapping vllm-xpu-kernels' FlashAttention MLA kernels)" in message
    assert "TRITON_MLA: not registered by any installed plugin (provided by e.g. a plugin " \
        "with Triton MLA kernels (Intel's XPU Triton backend))" in message


def test_an_explicit_backend_that_cannot_run_is_an_error_not_a_fallback(
    xpu_platform: Callable[..., Platform],
) -> None:
    platform = xpu_platform("A770", backends=True)
    with pytest.raises(InvalidSelectedBackendError, match=re.escape("FLASH_ATTN")) as raised:
        platform.get_attn_backend_cls("FLASH_ATTN", request(dtype="float32"))
    assert "dtype float32 not supported (supports float16, bfloat16)" in str(raised.value)


def test_an_explicit_backend_that_can_run_is_used(xpu_platform: Callable[..., Platform]) -> None:
    platform = xpu_platform("A770", backends=True)
    assert platform.get_attn_backend_cls("TRITON_ATTN", request()) == (
        "hwcore_xpu_test_backends.TRITON_ATTN"
    )
