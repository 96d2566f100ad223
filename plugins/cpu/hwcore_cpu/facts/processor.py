"""A human-readable CPU model name from a ``/proc/cpuinfo`` entry."""

from __future__ import annotations

from collections.abc import Callable

from hwcore_cpu.facts.architecture import CpuArchitecture

# Linux on Arm prints no model name, only the implementer code (MIDR_EL1 bits 31:24).
_ARM_IMPLEMENTERS = {
    "0x41": "Arm",
    "0x42": "Broadcom",
    "0x46": "Fujitsu",
    "0x48": "HiSilicon",
    "0x4e": "NVIDIA",
    "0x51": "Qualcomm",
    "0x61": "Apple",
    "0x6d": "Microsoft",
    "0xc0": "Ampere",
}


def processor_name(
    architecture: CpuArchitecture, entry: dict[str, str], fallback: Callable[[], str]
) -> str:
    """``"Intel(R) Xeon(R) Platinum 8480+"``, or the best the architecture offers.

    ``fallback()`` (``platform.processor()``) is called only when the entry names nothing,
    e.g. on macOS where there is no ``/proc``: on Linux it runs ``uname -p`` in a
    subprocess, which detection must not pay for.
    """
    for key in ("model name", "Processor", "uarch"):
        if entry.get(key):
            return entry[key]
    if architecture is CpuArchitecture.ARM and "CPU implementer" in entry:
        return _arm_name(entry)
    if architecture is CpuArchitecture.POWERPC and entry.get("cpu"):
        return entry["cpu"].split(",")[0].strip()
    if architecture is CpuArchitecture.S390X and entry.get("vendor_id"):
        return entry["vendor_id"]
    if architecture is CpuArchitecture.RISCV and entry.get("isa"):
        return f"RISC-V {entry['isa'].split('_')[0]}"
    return fallback().strip() or "unknown CPU"


def _arm_name(entry: dict[str, str]) -> str:
    code = entry["CPU implementer"].lower()
    vendor = _ARM_IMPLEMENTERS.get(code, f"implementer {code}")
    part = entry.get("CPU part", "unknown")
    return f"{vendor} Arm CPU (part {part})"
