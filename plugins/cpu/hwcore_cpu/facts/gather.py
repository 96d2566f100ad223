"""``CpuFacts``: everything hwcore-cpu knows about the host CPU, read once, from seams."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from hwcore_cpu.facts.architecture import CpuArchitecture, cpu_architecture
from hwcore_cpu.facts.cpuinfo import read_first_processor
from hwcore_cpu.facts.dtypes import read_sysctl, supported_dtypes
from hwcore_cpu.facts.files import Root
from hwcore_cpu.facts.isa import has_amx, isa_features
from hwcore_cpu.facts.memory import MemorySnapshot, read_memory
from hwcore_cpu.facts.processor import processor_name
from hwcore_cpu.facts.topology import (
    NumaNode,
    process_affinity,
    read_numa_nodes,
    read_online_cpus,
)


@dataclass(frozen=True)
class CpuFacts:
    """The host CPU's static facts, plus the memory seen when they were read."""

    architecture: CpuArchitecture
    machine: str
    model_name: str
    isa: tuple[str, ...]
    online_cpus: tuple[int, ...]
    allowed_cpus: tuple[int, ...]
    numa_nodes: tuple[NumaNode, ...]
    memory: MemorySnapshot
    dtypes: tuple[str, ...]

    @property
    def has_amx(self) -> bool:
        return has_amx(self.isa)

    @property
    def allowed_nodes(self) -> tuple[NumaNode, ...]:
        """The nodes holding at least one CPU this process may run on."""
        allowed = set(self.allowed_cpus)
        return tuple(node for node in self.numa_nodes if allowed.intersection(node.cpus))


def machine_name_of_this_host() -> str:
    """``platform.machine()``, read from ``os.uname`` where it exists: the ``platform``
    module costs about 2 ms of every hwcore command's start-up."""
    if hasattr(os, "uname"):
        return os.uname().machine
    import platform

    return platform.machine()


def _platform_processor() -> str:
    import platform

    return platform.processor()


def gather_cpu_facts(
    proc_root: Root = "/proc",
    sys_root: Root = "/sys",
    machine: Callable[[], str] = machine_name_of_this_host,
    system: str = sys.platform,
    affinity: Callable[[], tuple[int, ...]] = process_affinity,
    cpu_count: Callable[[], int | None] = os.cpu_count,
    sysctl: Callable[[str], str | None] = read_sysctl,
) -> CpuFacts:
    """Read the facts. Tests pass a fake ``/proc`` and ``/sys`` tree and plain callables;
    the defaults read this machine. No torch, no subprocess (except ``sysctl`` on macOS)."""
    machine_name = machine()
    architecture = cpu_architecture(machine_name)
    entry = read_first_processor(proc_root)
    online = read_online_cpus(sys_root, cpu_count)
    return CpuFacts(
        architecture=architecture,
        machine=machine_name,
        model_name=processor_name(
            architecture, entry, lambda: _platform_processor() or machine_name
        ),
        isa=isa_features(architecture, entry),
        online_cpus=online,
        allowed_cpus=affinity(),
        numa_nodes=read_numa_nodes(sys_root, online),
        memory=read_memory(proc_root),
        dtypes=supported_dtypes(architecture, system, sysctl),
    )
