from __future__ import annotations

import pytest

from hwcore_cpu.facts import CpuArchitecture
from hwcore_cpu.facts.dtypes import supported_dtypes


def _no_sysctl(name: str) -> str | None:
    raise AssertionError(f"sysctl {name} must only be read on macOS")


@pytest.mark.parametrize(
    ("architecture", "expected"),
    [
        (CpuArchitecture.X86, ("bfloat16", "float16", "float32")),
        (CpuArchitecture.ARM, ("bfloat16", "float16", "float32")),
        (CpuArchitecture.RISCV, ("bfloat16", "float16", "float32")),
        (CpuArchitecture.S390X, ("bfloat16", "float16", "float32")),
        (CpuArchitecture.POWERPC, ("bfloat16", "float32", "float16")),
    ],
)
def test_linux_dtypes_follow_vllm(architecture: CpuArchitecture, expected: tuple[str, ...]) -> None:
    assert supported_dtypes(architecture, "linux", _no_sysctl) == expected


@pytest.mark.parametrize(
    ("feat_bf16", "expected"),
    [("1\n", ("bfloat16", "float16", "float32")), ("0\n", ("float16", "float32")),
     (None, ("float16", "float32"))],
)
def test_apple_silicon_has_bfloat16_only_with_feat_bf16(
    feat_bf16: str | None, expected: tuple[str, ...]
) -> None:
    sysctl = {"hw.optional.arm.FEAT_BF16": feat_bf16}
    assert supported_dtypes(CpuArchitecture.ARM, "darwin", sysctl.get) == expected
