"""The model dtypes a CPU computes in, preferred first, as vLLM's ``CpuPlatform`` defines them."""

from __future__ import annotations

from collections.abc import Callable

from hwcore_cpu.facts.architecture import CpuArchitecture

_DEFAULT = ("bfloat16", "float16", "float32")
# vLLM prefers float32 over float16 on POWER: its fp16 CPU kernels are slow there.
_POWERPC = ("bfloat16", "float32", "float16")
# Apple silicon before M2 has no FEAT_BF16.
_APPLE_WITHOUT_BF16 = ("float16", "float32")


def supported_dtypes(
    architecture: CpuArchitecture,
    system: str,
    read_sysctl: Callable[[str], str | None],
) -> tuple[str, ...]:
    """``("bfloat16", "float16", "float32")`` on most machines.

    ``system`` is ``sys.platform``; on macOS Arm ``read_sysctl("hw.optional.arm.FEAT_BF16")``
    decides whether bfloat16 is there (it is only called on macOS).
    """
    if architecture is CpuArchitecture.POWERPC:
        return _POWERPC
    if architecture is CpuArchitecture.ARM and system == "darwin":
        has_bf16 = (read_sysctl("hw.optional.arm.FEAT_BF16") or "").strip() == "1"
        return _DEFAULT if has_bf16 else _APPLE_WITHOUT_BF16
    return _DEFAULT


def read_sysctl(name: str) -> str | None:
    """``sysctl -n <name>`` on macOS, or ``None`` if it fails. macOS has no ``/proc`` or
    ``/sys`` to read instead."""
    import subprocess

    try:
        result = subprocess.run(
            ["sysctl", "-n", name], capture_output=True, text=True, timeout=2, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None
