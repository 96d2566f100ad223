"""Whole machines: each sample tree gives the right facts and dtype lists."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hwcore_cpu.facts import CpuArchitecture, MemorySnapshot, NumaNode, gather_cpu_facts

from .samples import ARM_NEOVERSE_V1, RISCV_VISIONFIVE

GIB_KIB = 1024 * 1024

# make_machine (tests/plugins/cpu/conftest.py) returns a FakeMachine
MachineFactory = Callable[..., Any]


def test_two_socket_two_node_x86(make_machine: MachineFactory) -> None:
    machine = make_machine(
        online="0-7", nodes={0: "0-3", 1: "4-7"}, affinity=tuple(range(8)),
        memory_kib=(512 * GIB_KIB, 500 * GIB_KIB),
    )
    facts = machine.facts()
    assert facts.architecture is CpuArchitecture.X86
    assert facts.model_name == "Intel(R) Xeon(R) Platinum 8480+"
    assert facts.has_amx
    assert facts.numa_nodes == (NumaNode(0, (0, 1, 2, 3)), NumaNode(1, (4, 5, 6, 7)))
    assert facts.allowed_nodes == facts.numa_nodes
    # /proc/meminfo, never the 1 MiB the per-node meminfo files claim
    assert facts.memory == MemorySnapshot(total=512 << 30, available=500 << 30)
    assert facts.dtypes == ("bfloat16", "float16", "float32")


def test_container_with_restricted_affinity(make_machine: MachineFactory) -> None:
    machine = make_machine(online="0-7", nodes={0: "0-3", 1: "4-7"}, affinity=(4, 5))
    facts = machine.facts()
    assert facts.online_cpus == tuple(range(8))
    assert facts.allowed_cpus == (4, 5)
    assert facts.allowed_nodes == (NumaNode(1, (4, 5, 6, 7)),)


def test_arm_server(make_machine: MachineFactory) -> None:
    facts = make_machine(cpuinfo=ARM_NEOVERSE_V1, machine="aarch64").facts()
    assert facts.architecture is CpuArchitecture.ARM
    assert facts.model_name == "Arm Arm CPU (part 0xd40)"
    assert facts.isa == ("bf16", "i8mm", "neon", "sve")
    assert not facts.has_amx
    assert facts.dtypes == ("bfloat16", "float16", "float32")


def test_apple_silicon_without_proc_or_sys(make_machine: MachineFactory) -> None:
    machine = make_machine(
        cpuinfo=None, memory_kib=None, online=None, machine="arm64", system="darwin",
        sysctl={"hw.optional.arm.FEAT_BF16": "0"}, affinity=(0, 1, 2, 3), cpu_count=4,
    )
    facts = machine.facts()
    assert facts.dtypes == ("float16", "float32")
    assert facts.numa_nodes == (NumaNode(0, (0, 1, 2, 3)),)
    assert facts.memory.total > 0  # from psutil


def test_riscv_board(make_machine: MachineFactory) -> None:
    facts = make_machine(cpuinfo=RISCV_VISIONFIVE, machine="riscv64").facts()
    assert facts.architecture is CpuArchitecture.RISCV
    assert facts.model_name == "sifive,u74-mc"
    assert facts.isa == ("rvv",)
    assert facts.dtypes == ("bfloat16", "float16", "float32")


def test_this_machine_is_read_in_a_few_milliseconds() -> None:
    gather_cpu_facts()  # warm the imports
    start = time.perf_counter()
    facts = gather_cpu_facts()
    elapsed = time.perf_counter() - start
    assert facts.online_cpus
    assert facts.memory.total > 0
    # measured: about 0.3 ms here; the bound leaves room for a loaded CI machine
    assert elapsed < 0.05
