"""What hwcore-cpu reads about the host: one small module per source, gathered in ``gather``."""

from __future__ import annotations

from hwcore_cpu.facts.architecture import CpuArchitecture, cpu_architecture
from hwcore_cpu.facts.gather import CpuFacts, gather_cpu_facts
from hwcore_cpu.facts.memory import MemorySnapshot, read_memory
from hwcore_cpu.facts.topology import NumaNode, parse_cpu_list

__all__ = [
    "CpuArchitecture",
    "CpuFacts",
    "MemorySnapshot",
    "NumaNode",
    "cpu_architecture",
    "gather_cpu_facts",
    "parse_cpu_list",
    "read_memory",
]
