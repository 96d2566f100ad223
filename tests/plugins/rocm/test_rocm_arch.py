"""gfx architectures: capability parsing with vLLM's errors, families, FP8/MX rules."""

from __future__ import annotations

import re

import pytest

from hwcore.plugin_api import DeviceCapability
from hwcore_rocm import arch


@pytest.mark.parametrize(
    ("architecture", "capability"),
    [
        ("gfx90a", (9, 0)),
        ("gfx906", (9, 0)),
        ("gfx908", (9, 0)),
        ("gfx942", (9, 4)),
        ("gfx950", (9, 5)),
        ("gfx1030", (10, 3)),
        ("gfx1100", (11, 0)),
        ("gfx1101", (11, 0)),
        ("gfx1151", (11, 5)),
        ("gfx1200", (12, 0)),
        ("gfx1201", (12, 0)),
        ("gfx1250", (12, 5)),
        ("gfx942:sramecc+:xnack-", (9, 4)),  # HIP's gcnArchName carries target features
    ],
)
def test_capability_is_parsed_as_vllm_parses_it(architecture: str, capability: tuple[int, int]) -> None:
    assert arch.capability_from_architecture(architecture) == DeviceCapability(*capability)


def test_architectures_before_gfx9_have_their_own_error_class() -> None:
    with pytest.raises(arch.ArchitectureTooOldError):
        arch.capability_from_architecture("gfx803")
    with pytest.raises(arch.ArchitectureError) as raised:
        arch.capability_from_architecture("gfx1300")
    assert not isinstance(raised.value, arch.ArchitectureTooOldError)


def test_a_string_that_is_not_a_gfx_name_has_no_capability() -> None:
    assert arch.capability_from_architecture("sm_90") is None


@pytest.mark.parametrize(
    ("architecture", "message"),
    [
        ("gfx8", "GCN arch 'gfx8' has too few digits (1) after 'gfx' to derive a (major, minor) "
                 "capability. Please file an hwcore-rocm issue naming your GPU model."),
        ("gfx10300", "GCN arch 'gfx10300' has 5 digits after 'gfx', which exceeds the known "
                     "4-digit layout (MMms). Cannot determine major/minor split unambiguously. "
                     "Please file an hwcore-rocm issue naming your GPU model."),
        ("gfx803", "Parsed unknown ROCm architecture from GCN arch 'gfx803': major=8, minor=0. "
                   "Major version < 9 is not expected for any supported AMD GPU. Please file an "
                   "hwcore-rocm issue naming your GPU model."),
        ("gfx1300", "Parsed unknown ROCm architecture from GCN arch 'gfx1300': major=13, "
                    "minor=0. Major version > 12 is beyond currently known AMD generations. "
                    "Please file an hwcore-rocm issue naming your GPU model."),
    ],
)
def test_unknown_architectures_raise_vllms_errors(architecture: str, message: str) -> None:
    with pytest.raises(arch.ArchitectureError, match=f"^{re.escape(message)}$"):
        arch.capability_from_architecture(architecture)


def test_base_architecture_drops_target_features() -> None:
    assert arch.base_architecture(" gfx90a:sramecc+:xnack- ") == "gfx90a"
    assert arch.base_architecture("gfx1100") == "gfx1100"


# architecture: family, CDNA, RDNA, RDNA4, MI3xx, CDNA version, RDNA version
FAMILIES = {
    "gfx906": ("gfx9", True, False, False, False, 0, 0),
    "gfx908": ("CDNA1", True, False, False, False, 0, 0),
    "gfx90a": ("CDNA2", True, False, False, False, 2, 0),
    "gfx942": ("CDNA3", True, False, False, True, 3, 0),
    "gfx950": ("CDNA4", True, False, False, True, 4, 0),
    "gfx1250": ("CDNA5", True, False, False, False, 5, 0),
    "gfx1030": (None, False, False, False, False, 0, 0),
    "gfx1100": ("RDNA3", False, True, False, False, 0, 3),
    "gfx1151": ("RDNA3", False, True, False, False, 0, 3),
    "gfx1200": ("RDNA4", False, True, True, False, 0, 4),
    "gfx1201": ("RDNA4", False, True, True, False, 0, 4),
}


@pytest.mark.parametrize("architecture", sorted(FAMILIES))
def test_families(architecture: str) -> None:
    family, cdna, rdna, rdna4, mi3xx, cdna_version, rdna_version = FAMILIES[architecture]
    assert arch.family(architecture) == family
    assert arch.is_cdna(architecture) is cdna
    assert arch.is_rdna(architecture) is rdna
    assert arch.is_rdna4(architecture) is rdna4
    assert arch.is_mi3xx(architecture) is mi3xx
    assert arch.cdna_version(architecture) == cdna_version
    assert arch.rdna_version(architecture) == rdna_version


# architecture: FP8, FNUZ, FP8 dtype, MX, custom all-reduce, AITER (CK) architecture
RULES = {
    "gfx906": (True, False, "float8_e4m3fn", False, False, False),
    "gfx90a": (True, False, "float8_e4m3fn", False, False, False),
    "gfx942": (True, True, "float8_e4m3fnuz", False, True, True),
    "gfx950": (True, False, "float8_e4m3fn", True, True, True),
    "gfx1250": (True, False, "float8_e4m3fn", True, False, True),
    "gfx1030": (False, False, "float8_e4m3fn", False, False, False),
    "gfx1100": (True, False, "float8_e4m3fn", False, False, False),
    "gfx1201": (True, False, "float8_e4m3fn", False, False, False),
}


@pytest.mark.parametrize("architecture", sorted(RULES))
def test_numeric_and_collective_rules(architecture: str) -> None:
    fp8, fnuz, fp8_dtype, mx, custom_allreduce, aiter = RULES[architecture]
    assert arch.supports_fp8(architecture) is fp8
    assert arch.fp8_fnuz(architecture) is fnuz
    assert arch.fp8_dtype(architecture) == fp8_dtype
    assert arch.supports_mx(architecture) is mx
    assert arch.custom_allreduce_architecture(architecture) is custom_allreduce
    assert arch.aiter_architecture(architecture) is aiter


def test_the_23_quantization_methods_of_vllm() -> None:
    assert len(arch.SUPPORTED_QUANTIZATION) == len(set(arch.SUPPORTED_QUANTIZATION)) == 23
    assert arch.SUPPORTED_QUANTIZATION[:6] == ("awq", "auto_awq", "awq_marlin", "gptq",
                                               "auto_gptq", "fp8")
    assert {"quark", "mxfp4", "gpt_oss_mxfp4", "compressed-tensors"} <= set(
        arch.SUPPORTED_QUANTIZATION
    )
    assert "bitsandbytes" not in arch.SUPPORTED_QUANTIZATION


def test_a_uniform_mi300x_node() -> None:
    assert arch.node_numerics(["gfx942"] * 8) == arch.NodeNumerics(
        supports_fp8=True, fp8_fnuz=True, fp8_dtype="float8_e4m3fnuz", supports_mx=False,
        custom_allreduce_architecture=True,
    )


def test_fp8_formats_that_differ_turn_fp8_off_and_say_why() -> None:
    numerics = arch.node_numerics(["gfx942", "gfx950"])
    assert numerics.supports_fp8 is False
    assert numerics.fp8_fnuz is False
    assert numerics.fp8_dtype == "float8_e4m3fn"
    assert numerics.supports_mx is False  # only the MI355X has MX
    assert numerics.custom_allreduce_architecture is True
    assert numerics.warnings == (
        "these GPUs use different FP8 formats (gfx942 (float8_e4m3fnuz), gfx950 "
        "(float8_e4m3fn)), so FP8 is reported unsupported; make GPUs of one FP8 format "
        "visible (HIP_VISIBLE_DEVICES) to use FP8",
    )


def test_a_mixed_workstation_runs_at_its_weakest_gpu() -> None:
    numerics = arch.node_numerics(["gfx90a", "gfx1100"])
    assert (numerics.supports_fp8, numerics.fp8_fnuz, numerics.supports_mx,
            numerics.custom_allreduce_architecture, numerics.warnings) == (
        True, False, False, False, ())


def test_no_gpus_support_nothing() -> None:
    assert arch.node_numerics([]) == arch.NodeNumerics(False, False, "float8_e4m3fn", False, False)
