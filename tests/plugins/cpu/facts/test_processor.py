from __future__ import annotations

import pytest

from hwcore_cpu.facts import CpuArchitecture
from hwcore_cpu.facts.processor import processor_name


def _never() -> str:
    raise AssertionError("the fallback must not run when cpuinfo names the CPU")


@pytest.mark.parametrize(
    ("architecture", "entry", "expected"),
    [
        (CpuArchitecture.X86, {"model name": "AMD EPYC 9654"}, "AMD EPYC 9654"),
        (CpuArchitecture.ARM, {"CPU implementer": "0x41", "CPU part": "0xd40"},
         "Arm Arm CPU (part 0xd40)"),
        (CpuArchitecture.ARM, {"CPU implementer": "0xc0", "CPU part": "0xac3"},
         "Ampere Arm CPU (part 0xac3)"),
        (CpuArchitecture.ARM, {"CPU implementer": "0x99"}, "implementer 0x99 Arm CPU (part unknown)"),
        (CpuArchitecture.POWERPC, {"cpu": "POWER10 (architected), altivec supported"},
         "POWER10 (architected)"),
        (CpuArchitecture.S390X, {"vendor_id": "IBM/S390"}, "IBM/S390"),
        (CpuArchitecture.RISCV, {"uarch": "sifive,u74-mc"}, "sifive,u74-mc"),
        (CpuArchitecture.RISCV, {"isa": "rv64imafdc_zicsr"}, "RISC-V rv64imafdc"),
    ],
)
def test_names_the_cpu_from_cpuinfo(
    architecture: CpuArchitecture, entry: dict[str, str], expected: str
) -> None:
    assert processor_name(architecture, entry, _never) == expected


def test_falls_back_when_cpuinfo_names_nothing() -> None:
    assert processor_name(CpuArchitecture.ARM, {}, lambda: "arm") == "arm"
    assert processor_name(CpuArchitecture.OTHER, {}, lambda: " ") == "unknown CPU"
