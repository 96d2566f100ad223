"""What Intel GPUs compute in and which features they have: vLLM 0.33's XPU answers.

* Model dtypes: bfloat16, float16, float32, except on the Arc A770, where vLLM refuses
  bfloat16 for a known accuracy problem (its message, verbatim, is ``BFLOAT16_ON_A770``).
  vLLM matches the name, so the mobile A770M is included.
* FP8: supported, as ``float8_e4m3fn``; Intel GPUs have no FNUZ formats.
* Quantization: the 17 methods vLLM's XPU platform lists.
* XPU graphs (vLLM's ``supports_xpu_graph``): torch 2.11 or newer.
* Compute capability: always ``None``. ``torch.xpu.get_device_capability`` returns a dict of
  device properties, not CUDA's (major, minor), so vLLM reports none rather than let CUDA
  thresholds misread it; backends are chosen by the request instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hwcore.plugin_api import UnsupportedDtypeError, dtype_name

SUPPORTED_DTYPES = ("bfloat16", "float16", "float32")
A770_DTYPES = ("float16", "float32")
FP8_DTYPE = "float8_e4m3fn"
SUPPORTED_QUANTIZATION = (
    "awq", "gptq", "moe_wna16", "auto_awq", "auto_gptq", "inc", "fp8", "deepseek_v4_fp8",
    "mxfp4", "mxfp8", "fp8_per_tensor", "fp8_per_block", "fp8_per_channel", "online",
    "gpt_oss_mxfp4", "modelopt", "compressed-tensors",
)
XPU_GRAPHS_SINCE = (2, 11)
BFLOAT16_ON_A770 = (
    "Intel Arc A770 have bfloat16 accuracy known issue. You can use float16 instead by "
    "explicitly setting the `dtype` flag in CLI, for example: --dtype=half."
)


def refuses_bfloat16(device_name: str) -> bool:
    """vLLM's test: the device name mentions the A770."""
    return "a770" in device_name.lower()


def supported_dtypes(device_names: Iterable[str]) -> tuple[str, ...]:
    """Model dtypes every named device computes in, preferred first."""
    if any(refuses_bfloat16(name) for name in device_names):
        return A770_DTYPES
    return SUPPORTED_DTYPES


def check_dtype(dtype: object, device_names: Iterable[str]) -> None:
    """Raise ``UnsupportedDtypeError`` with vLLM's message for bfloat16 on an A770."""
    if dtype_name(dtype) == "bfloat16" and any(refuses_bfloat16(n) for n in device_names):
        raise UnsupportedDtypeError(BFLOAT16_ON_A770)


def xpu_graphs_supported(torch_version: str | None) -> bool:
    """Whether ``torch_version`` captures XPU graphs (2.11 and its pre-releases on)."""
    if torch_version is None:
        return False
    match = re.match(r"(\d+)\.(\d+)", torch_version)
    return match is not None and (int(match[1]), int(match[2])) >= XPU_GRAPHS_SINCE
