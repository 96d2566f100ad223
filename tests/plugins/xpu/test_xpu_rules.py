"""Dtypes, FP8, quantization and XPU graphs: vLLM 0.33's XPU answers."""

from __future__ import annotations

import re

import pytest

from hwcore.plugin_api import UnsupportedDtypeError
from hwcore_xpu import rules

VLLM_A770_MESSAGE = (
    "Intel Arc A770 have bfloat16 accuracy known issue. You can use float16 instead by "
    "explicitly setting the `dtype` flag in CLI, for example: --dtype=half."
)


def test_the_17_quantization_methods_of_vllm_xpu() -> None:
    assert rules.SUPPORTED_QUANTIZATION == (
        "awq", "gptq", "moe_wna16", "auto_awq", "auto_gptq", "inc", "fp8", "deepseek_v4_fp8",
        "mxfp4", "mxfp8", "fp8_per_tensor", "fp8_per_block", "fp8_per_channel", "online",
        "gpt_oss_mxfp4", "modelopt", "compressed-tensors",
    )
    assert len(set(rules.SUPPORTED_QUANTIZATION)) == 17


@pytest.mark.parametrize(
    "name", ["Intel(R) Arc(TM) A770 Graphics", "Intel(R) Arc(TM) A770M Graphics"]
)
def test_bfloat16_is_refused_on_the_a770_with_vllms_message(name: str) -> None:
    with pytest.raises(UnsupportedDtypeError, match=f"^{re.escape(VLLM_A770_MESSAGE)}$"):
        rules.check_dtype("bf16", [name])
    assert rules.supported_dtypes([name]) == ("float16", "float32")
    rules.check_dtype("float16", [name])  # float16 is fine


@pytest.mark.parametrize(
    "name",
    ["Intel(R) Arc(TM) A750 Graphics", "Intel(R) Arc(TM) B580 Graphics",
     "Intel(R) Data Center GPU Max 1550", "Intel(R) Arc(TM) Graphics"],
)
def test_bfloat16_is_fine_elsewhere(name: str) -> None:
    rules.check_dtype("bfloat16", [name])
    assert rules.supported_dtypes([name]) == ("bfloat16", "float16", "float32")


def test_one_a770_among_others_decides_for_the_node() -> None:
    names = ["Intel(R) Arc(TM) B580 Graphics", "Intel(R) Arc(TM) A770 Graphics"]
    assert rules.supported_dtypes(names) == ("float16", "float32")


@pytest.mark.parametrize(
    ("version", "supported"),
    [("2.13.0+cpu", True), ("2.11.0", True), ("2.11.0.dev20260101+xpu", True),
     ("2.10.1+xpu", False), ("2.8.0", False), ("3.0.0", True), (None, False),
     ("garbage", False)],
)
def test_xpu_graphs_need_torch_2_11(version: str | None, supported: bool) -> None:
    assert rules.xpu_graphs_supported(version) is supported


def test_fp8_is_e4m3fn() -> None:
    assert rules.FP8_DTYPE == "float8_e4m3fn"
