"""What an AMD GPU of a given gfx architecture can do, as vLLM 0.33's ``rocm.py`` decides.

vLLM reads one architecture string (device 0's) at import and answers every question with
a substring test on it. Here each rule is a pure function of the string, so a mixed node
is asked per device and a test can ask about any GPU. The rules are vLLM's, including
where they are broad: ``"gfx9" in arch`` makes every gfx9 part (MI50 to MI355X) CDNA.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hwcore.plugin_api import DeviceCapability

# vLLM 0.33 RocmPlatform.supported_quantization, in its order.
SUPPORTED_QUANTIZATION = (
    "awq", "auto_awq", "awq_marlin", "gptq", "auto_gptq", "fp8", "deepseek_v4_fp8",
    "compressed-tensors", "fbgemm_fp8", "inc", "quark", "mxfp4", "mxfp8", "torchao",
    "modelopt", "modelopt_fp4", "modelopt_mxfp8", "modelopt_mixed", "fp8_per_tensor",
    "fp8_per_block", "fp8_per_channel", "online", "gpt_oss_mxfp4",
)
# vLLM keeps the platform default: every ROCm architecture it parses is >= 9.0, past the
# 8.0 that bfloat16 needs.
SUPPORTED_DTYPES = ("bfloat16", "float16", "float32")
BFLOAT16_MINIMUM = DeviceCapability(8, 0)

_GFX_DIGITS = re.compile(r"gfx(\d+)")
_FILE_AN_ISSUE = "Please file an hwcore-rocm issue naming your GPU model."


class ArchitectureError(ValueError):
    """A gfx architecture string that does not map to a known (major, minor) capability."""


class ArchitectureTooOldError(ArchitectureError):
    """A gfx architecture before gfx9 (Polaris, Fiji...): not a ROCm inference GPU."""


def base_architecture(target: str) -> str:
    """``"gfx942"`` from ``"gfx942:sramecc+:xnack-"`` (HIP appends target features)."""
    return target.strip().split(":", 1)[0]


def capability_from_architecture(architecture: str) -> DeviceCapability | None:
    """The (major, minor) capability HIP reports for ``architecture``, parsed as vLLM does.

    ``gfx<M><m><stepping>`` with a one-digit major for two or three digits (``gfx90a`` ->
    9.0, ``gfx942`` -> 9.4) and a two-digit major for four (``gfx1100`` -> 11.0). ``None``
    when the string is not a gfx name at all; ``ArchitectureError`` for a gfx name outside
    the layouts and generations vLLM knows (majors 9 to 12), ``ArchitectureTooOldError``
    for one before gfx9.

    >>> capability_from_architecture("gfx950")
    DeviceCapability(major=9, minor=5)
    """
    match = _GFX_DIGITS.match(architecture)
    if match is None:
        return None
    digits = match.group(1)
    count = len(digits)
    if count < 2:
        raise ArchitectureError(
            f"GCN arch '{architecture}' has too few digits ({count}) after 'gfx' to derive "
            f"a (major, minor) capability. {_FILE_AN_ISSUE}"
        )
    if count > 4:
        raise ArchitectureError(
            f"GCN arch '{architecture}' has {count} digits after 'gfx', which exceeds the "
            "known 4-digit layout (MMms). Cannot determine major/minor split unambiguously. "
            f"{_FILE_AN_ISSUE}"
        )
    major, minor = (int(digits[0]), int(digits[1])) if count < 4 else (
        int(digits[:2]), int(digits[2])
    )
    if major < 9:
        raise ArchitectureTooOldError(
            f"Parsed unknown ROCm architecture from GCN arch '{architecture}': major={major}, "
            f"minor={minor}. Major version < 9 is not expected for any supported AMD GPU. "
            f"{_FILE_AN_ISSUE}"
        )
    if major > 12:
        raise ArchitectureError(
            f"Parsed unknown ROCm architecture from GCN arch '{architecture}': major={major}, "
            f"minor={minor}. Major version > 12 is beyond currently known AMD generations. "
            f"{_FILE_AN_ISSUE}"
        )
    return DeviceCapability(major, minor)


# ------------------------------------------------------------------------------ families


def is_cdna(architecture: str) -> bool:
    """Instinct (compute) parts: every gfx9, and gfx1250."""
    return "gfx9" in architecture or "gfx1250" in architecture


def is_rdna(architecture: str) -> bool:
    """Radeon RDNA3/3.5/4 (gfx11, gfx12) parts, minus the CDNA-classified gfx1250.

    RDNA2 (gfx103x) is neither CDNA nor RDNA here, as in vLLM."""
    return ("gfx11" in architecture or "gfx12" in architecture) and not is_cdna(architecture)


def is_rdna4(architecture: str) -> bool:
    return "gfx1200" in architecture or "gfx1201" in architecture


def is_mi3xx(architecture: str) -> bool:
    """MI300 / MI325 (gfx942) and MI350 / MI355 (gfx950)."""
    return "gfx942" in architecture or "gfx950" in architecture


def cdna_version(architecture: str) -> int:
    """2 (MI200, gfx90a), 3 (MI300, gfx942), 4 (MI350, gfx950), 5 (gfx1250), else 0."""
    for marker, version in (("gfx90a", 2), ("gfx942", 3), ("gfx950", 4), ("gfx1250", 5)):
        if marker in architecture:
            return version
    return 0


def rdna_version(architecture: str) -> int:
    """4 (gfx1200/gfx1201), 3 (gfx11, including RDNA 3.5 APUs), else 0."""
    if is_rdna4(architecture):
        return 4
    return 3 if "gfx11" in architecture else 0


def family(architecture: str) -> str | None:
    """``"CDNA3"``, ``"RDNA4"``, ``"gfx9"`` (pre-CDNA gfx9 parts), or ``None`` outside both."""
    version = cdna_version(architecture)
    if version:
        return f"CDNA{version}"
    if "gfx908" in architecture:
        return "CDNA1"
    if is_cdna(architecture):
        return "gfx9"
    if is_rdna(architecture):
        return f"RDNA{rdna_version(architecture)}"
    return None


# --------------------------------------------------------------------------- numerics


def supports_fp8(architecture: str) -> bool:
    return is_cdna(architecture) or is_rdna(architecture)


def fp8_fnuz(architecture: str) -> bool:
    """MI300-series (gfx94x) FP8 is the FNUZ variant (no negative zero, NaN only)."""
    return "gfx94" in architecture


def fp8_dtype(architecture: str) -> str:
    return "float8_e4m3fnuz" if fp8_fnuz(architecture) else "float8_e4m3fn"


def supports_mx(architecture: str) -> bool:
    """Microscaling (MXFP4/MXFP8) matrix cores: gfx95x (MI350 series) and gfx1250."""
    return "gfx95" in architecture or "gfx1250" in architecture


def custom_allreduce_architecture(architecture: str) -> bool:
    """vLLM's custom all-reduce kernels are built for MI300 and MI350 (gfx94x, gfx95x)."""
    return "gfx94" in architecture or "gfx95" in architecture


def aiter_architecture(architecture: str) -> bool:
    """AITER's CK kernels run on CDNA3 and later (vLLM: ``get_cdna_version() > 2``)."""
    return cdna_version(architecture) > 2


# ------------------------------------------------------------------------- a whole node


@dataclass(frozen=True)
class NodeNumerics:
    """What every visible GPU of a node shares: a node runs at its weakest GPU."""

    supports_fp8: bool
    fp8_fnuz: bool
    fp8_dtype: str
    supports_mx: bool
    custom_allreduce_architecture: bool
    warnings: tuple[str, ...] = ()


def node_numerics(architectures: Sequence[str]) -> NodeNumerics:
    """The FP8/MX facts of GPUs of ``architectures`` used together.

    FP8 needs every GPU to support it *in the same format*: an MI300X (FNUZ) and an MI355X
    (OCP e4m3fn) cannot share FP8 weights, so such a node reports no FP8 and says why.
    """
    if not architectures:
        return NodeNumerics(False, False, "float8_e4m3fn", False, False)
    fnuz = {fp8_fnuz(a) for a in architectures}
    fp8 = all(supports_fp8(a) for a in architectures)
    warnings: tuple[str, ...] = ()
    if fp8 and len(fnuz) > 1:
        fp8 = False
        by_format = sorted({f"{a} ({fp8_dtype(a)})" for a in architectures})
        warnings = (
            f"these GPUs use different FP8 formats ({', '.join(by_format)}), so FP8 is "
            "reported unsupported; make GPUs of one FP8 format visible (HIP_VISIBLE_DEVICES) "
            "to use FP8",
        )
    uniform_fnuz = fnuz == {True}
    return NodeNumerics(
        supports_fp8=fp8,
        fp8_fnuz=uniform_fnuz,
        fp8_dtype="float8_e4m3fnuz" if uniform_fnuz else "float8_e4m3fn",
        supports_mx=all(supports_mx(a) for a in architectures),
        custom_allreduce_architecture=all(custom_allreduce_architecture(a) for a in architectures),
        warnings=warnings,
    )
