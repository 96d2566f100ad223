"""Dtype, FP8 and MX rules by compute capability (vLLM's thresholds)."""

from __future__ import annotations

import re

import pytest

from hwcore.errors import UnsupportedDtypeError
from hwcore.records import DeviceCapability
from hwcore_cuda import capabilities


@pytest.mark.parametrize(
    ("capability", "dtypes", "fp8", "mx"),
    [
        ((5, 2), ["float32"], False, False),
        ((6, 0), ["float16", "float32"], False, False),
        ((7, 5), ["float16", "float32"], False, False),
        ((8, 0), ["bfloat16", "float16", "float32"], False, False),
        ((8, 6), ["bfloat16", "float16", "float32"], False, False),
        ((8, 9), ["bfloat16", "float16", "float32"], True, False),
        ((9, 0), ["bfloat16", "float16", "float32"], True, False),
        ((10, 0), ["bfloat16", "float16", "float32"], True, True),
        ((10, 3), ["bfloat16", "float16", "float32"], True, True),
        ((12, 0), ["bfloat16", "float16", "float32"], True, False),
    ],
)
def test_rules_by_capability(
    capability: tuple[int, int], dtypes: list[str], fp8: bool, mx: bool
) -> None:
    cap = DeviceCapability(*capability)
    assert capabilities.supported_dtypes(cap) == dtypes
    assert capabilities.supports_fp8(cap) is fp8
    assert capabilities.supports_mx(cap) is mx


def test_unknown_capability_allows_every_dtype_and_no_fp8() -> None:
    assert capabilities.supported_dtypes(None) == ["bfloat16", "float16", "float32"]
    assert capabilities.supports_fp8(None) is False
    capabilities.check_dtype("bfloat16", None, "Jetson")


def test_float16_below_pascal_names_what_works() -> None:
    message = (
        "float16 is not supported on your Tesla M60 GPU (compute capability 5.2); use one "
        "of: float32"
    )
    with pytest.raises(UnsupportedDtypeError, match=f"^{re.escape(message)}$"):
        capabilities.check_dtype("torch.float16", DeviceCapability(5, 2), "Tesla M60")
