from __future__ import annotations

import pytest

from hwcore_cpu.facts import CpuArchitecture, cpu_architecture


@pytest.mark.parametrize(
    ("machine", "expected"),
    [
        ("x86_64", CpuArchitecture.X86),
        ("AMD64", CpuArchitecture.X86),
        ("i686", CpuArchitecture.X86),
        ("aarch64", CpuArchitecture.ARM),
        ("arm64", CpuArchitecture.ARM),
        ("armv7l", CpuArchitecture.ARM),
        ("ppc64le", CpuArchitecture.POWERPC),
        ("s390x", CpuArchitecture.S390X),
        ("riscv64", CpuArchitecture.RISCV),
        ("loongarch64", CpuArchitecture.OTHER),
        ("", CpuArchitecture.UNKNOWN),
    ],
)
def test_maps_machine_strings_like_vllm(machine: str, expected: CpuArchitecture) -> None:
    assert cpu_architecture(machine) is expected
