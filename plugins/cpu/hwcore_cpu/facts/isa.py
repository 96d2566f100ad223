"""ISA features that matter for inference kernels, read from a ``/proc/cpuinfo`` entry."""

from __future__ import annotations

from hwcore_cpu.facts.architecture import CpuArchitecture

# cpuinfo flag -> the name hwcore reports. Only features that change which kernels or
# dtypes are fast are listed; the full flag list is in /proc/cpuinfo for the curious.
_X86_FLAGS = {
    "avx2": "avx2",
    "avx512f": "avx512",
    "avx512_bf16": "avx512_bf16",
    "avx512_fp16": "avx512_fp16",
    "avx512_vnni": "avx512_vnni",
    "amx_tile": "amx_tile",
    "amx_bf16": "amx_bf16",
    "amx_int8": "amx_int8",
}
_ARM_FLAGS = {"asimd": "neon", "sve": "sve", "sve2": "sve2", "bf16": "bf16", "i8mm": "i8mm"}
_S390X_FLAGS = {"vx": "vx", "vxe": "vxe", "vxe2": "vxe2"}
_POWERPC_WORDS = {"altivec": "altivec", "vsx": "vsx"}
_RISCV_VECTOR = "v"


def isa_features(architecture: CpuArchitecture, entry: dict[str, str]) -> tuple[str, ...]:
    """The notable features of this CPU, sorted, e.g. ``("amx_bf16", "avx2", "avx512")``.

    ``entry`` is the first processor entry of ``/proc/cpuinfo``. Each architecture names
    its flag line differently: ``flags`` (x86), ``Features`` (Arm), ``features`` (s390x),
    ``isa`` (RISC-V), the ``cpu`` line (POWER).
    """
    if architecture is CpuArchitecture.X86:
        return _pick(entry.get("flags", "").split(), _X86_FLAGS)
    if architecture is CpuArchitecture.ARM:
        return _pick(entry.get("Features", "").split(), _ARM_FLAGS)
    if architecture is CpuArchitecture.S390X:
        return _pick(entry.get("features", "").split(), _S390X_FLAGS)
    if architecture is CpuArchitecture.POWERPC:
        return _pick(entry.get("cpu", "").replace(",", " ").lower().split(), _POWERPC_WORDS)
    if architecture is CpuArchitecture.RISCV:
        return ("rvv",) if _RISCV_VECTOR in _riscv_base_extensions(entry.get("isa", "")) else ()
    return ()


def has_amx(features: tuple[str, ...]) -> bool:
    """Whether the AMX tile unit with bf16 is there (vLLM's test for its AMX kernels)."""
    return "amx_tile" in features and "amx_bf16" in features


def _pick(flags: list[str], known: dict[str, str]) -> tuple[str, ...]:
    return tuple(sorted({known[flag] for flag in flags if flag in known}))


def _riscv_base_extensions(isa: str) -> str:
    """``"imafdcv"`` for ``"rv64imafdcv_zicsr_zifencei"``: the single-letter extensions."""
    base = isa.strip().lower().split("_")[0]
    return base[4:] if base.startswith(("rv32", "rv64")) else ""
