"""What a GPU of a given compute capability can do: dtypes, FP8, MX (vLLM's thresholds)."""

from __future__ import annotations

from hwcore.plugin_api import DeviceCapability, UnsupportedDtypeError, dtype_name

AMPERE = DeviceCapability(8, 0)  # first generation with bfloat16
PASCAL = DeviceCapability(6, 0)  # first generation with fast float16
ADA = DeviceCapability(8, 9)  # first generation with FP8 tensor cores


def supported_dtypes(capability: DeviceCapability | None) -> list[str]:
    """Model dtypes in order of preference; the first is used for ``dtype="auto"``."""
    if capability is None or capability >= AMPERE:
        return ["bfloat16", "float16", "float32"]
    if capability >= PASCAL:
        return ["float16", "float32"]
    return ["float32"]


def supports_fp8(capability: DeviceCapability | None) -> bool:
    return capability is not None and capability >= ADA


def supports_mx(capability: DeviceCapability | None) -> bool:
    # Microscaling (MXFP4/MXFP8) tensor cores: Blackwell data-centre parts, SM 10.x.
    return capability is not None and capability.major == 10


def check_dtype(dtype: object, capability: DeviceCapability | None, gpu_name: str) -> None:
    """Raise ``UnsupportedDtypeError`` if a GPU of ``capability`` cannot compute in
    ``dtype``, with vLLM's wording for the common bfloat16 case."""
    name = dtype_name(dtype)
    if capability is None or name in supported_dtypes(capability):
        return
    if name == "bfloat16":
        raise UnsupportedDtypeError(bfloat16_message(capability, gpu_name))
    raise UnsupportedDtypeError(
        f"{name} is not supported on your {gpu_name} GPU (compute capability "
        f"{capability.as_version_str()}); use one of: {', '.join(supported_dtypes(capability))}"
    )


def bfloat16_message(capability: DeviceCapability, gpu_name: str) -> str:
    return (
        "Bfloat16 is only supported on GPUs with compute capability of at least 8.0. "
        f"Your {gpu_name} GPU has compute capability {capability.as_version_str()}. "
        "You can use float16 instead by explicitly setting the `dtype` flag in CLI, "
        "for example: --dtype=half."
    )
