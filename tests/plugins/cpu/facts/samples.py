"""``/proc/cpuinfo`` texts of real machines, trimmed to the lines hwcore-cpu reads."""

from __future__ import annotations

X86_SAPPHIRE_RAPIDS = """\
processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
physical id\t: 0
flags\t\t: fpu sse sse2 avx avx2 avx512f avx512bw avx512_bf16 avx512_fp16 avx512_vnni \
amx_bf16 amx_tile amx_int8

processor\t: 1
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse sse2 avx avx2 avx512f avx512bw avx512_bf16 amx_bf16 amx_tile amx_int8
"""

X86_EPYC_AVX2 = """\
processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7R13 Processor
flags\t\t: fpu sse sse2 avx avx2 fma
"""

ARM_NEOVERSE_V1 = """\
processor\t: 0
BogoMIPS\t: 2100.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm \
jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm \
ssbs paca pacg dcpodp svei8mm svebf16 i8mm bf16 dgh rng
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x1
CPU part\t: 0xd40
CPU revision\t: 1

processor\t: 1
Features\t: fp asimd
"""

RISCV_VISIONFIVE = """\
processor\t: 0
hart\t\t: 1
isa\t\t: rv64imafdcv_zicsr_zifencei
mmu\t\t: sv39
uarch\t\t: sifive,u74-mc

processor\t: 1
hart\t\t: 2
"""
