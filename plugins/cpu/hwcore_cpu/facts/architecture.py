"""The CPU architecture family, mapped from ``platform.machine()`` as vLLM does."""

from __future__ import annotations

import enum


class CpuArchitecture(str, enum.Enum):
    """vLLM's ``CpuArchEnum``, with string values that read well in ``hwcore info``."""

    X86 = "x86"
    ARM = "arm"
    POWERPC = "powerpc"
    S390X = "s390x"
    RISCV = "riscv"
    OTHER = "other"
    UNKNOWN = "unknown"


def cpu_architecture(machine: str) -> CpuArchitecture:
    """``CpuArchitecture.X86`` for ``"x86_64"``; vLLM's ``get_cpu_architecture`` mapping.

    ``machine`` is ``platform.machine()``: ``"x86_64"``, ``"AMD64"`` (Windows), ``"arm64"``
    (macOS), ``"aarch64"``, ``"ppc64le"``, ``"s390x"``, ``"riscv64"``.
    """
    name = machine.strip().lower()
    if not name:
        return CpuArchitecture.UNKNOWN
    if name in ("x86_64", "amd64", "i386", "i686"):
        return CpuArchitecture.X86
    if name.startswith(("arm", "aarch")):
        return CpuArchitecture.ARM
    if name.startswith("ppc"):
        return CpuArchitecture.POWERPC
    if name == "s390x":
        return CpuArchitecture.S390X
    if name.startswith("riscv"):
        return CpuArchitecture.RISCV
    return CpuArchitecture.OTHER
