from __future__ import annotations

import pytest

from hwcore_cpu.facts import CpuArchitecture
from hwcore_cpu.facts.cpuinfo import parse_first_processor
from hwcore_cpu.facts.isa import has_amx, isa_features

from .samples import ARM_NEOVERSE_V1, RISCV_VISIONFIVE, X86_EPYC_AVX2, X86_SAPPHIRE_RAPIDS


def test_x86_with_amx() -> None:
    features = isa_features(CpuArchitecture.X86, parse_first_processor(X86_SAPPHIRE_RAPIDS))
    assert features == (
        "amx_bf16", "amx_int8", "amx_tile", "avx2", "avx512", "avx512_bf16", "avx512_fp16",
        "avx512_vnni",
    )
    assert has_amx(features)


def test_x86_with_avx2_only() -> None:
    features = isa_features(CpuArchitecture.X86, parse_first_processor(X86_EPYC_AVX2))
    assert features == ("avx2",)
    assert not has_amx(features)


def test_amx_needs_both_the_tile_unit_and_bf16() -> None:
    assert not has_amx(("amx_tile",))
    assert not has_amx(("amx_bf16",))


def test_arm_neon_sve_and_bf16() -> None:
    features = isa_features(CpuArchitecture.ARM, parse_first_processor(ARM_NEOVERSE_V1))
    assert features == ("bf16", "i8mm", "neon", "sve")


def test_riscv_vector_extension_from_the_isa_string() -> None:
    entry = parse_first_processor(RISCV_VISIONFIVE)
    assert isa_features(CpuArchitecture.RISCV, entry) == ("rvv",)
    assert isa_features(CpuArchitecture.RISCV, {"isa": "rv64imafdc_zvfh"}) == ()


@pytest.mark.parametrize(
    ("architecture", "entry", "expected"),
    [
        (CpuArchitecture.S390X, {"features": "esan3 zarch vx vxe"}, ("vx", "vxe")),
        (CpuArchitecture.POWERPC, {"cpu": "POWER9 (raw), altivec supported"}, ("altivec",)),
        (CpuArchitecture.OTHER, {"flags": "avx2"}, ()),
        (CpuArchitecture.X86, {}, ()),
    ],
)
def test_other_architectures(
    architecture: CpuArchitecture, entry: dict[str, str], expected: tuple[str, ...]
) -> None:
    assert isa_features(architecture, entry) == expected
