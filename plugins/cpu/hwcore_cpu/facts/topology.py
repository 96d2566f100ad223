"""NUMA nodes and the CPUs this process may run on, from ``/sys`` and the scheduler."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from hwcore_cpu.facts.files import Root, list_names, read_text


@dataclass(frozen=True)
class NumaNode:
    """One NUMA node: its id and the CPUs it holds (empty for a memory-only node, e.g.
    CXL memory)."""

    node_id: int
    cpus: tuple[int, ...]


def read_numa_nodes(sys_root: Root, online_cpus: tuple[int, ...]) -> tuple[NumaNode, ...]:
    """Every node under ``<sys>/devices/system/node``, by id.

    A kernel without NUMA support (or a system without ``/sys``, like macOS) has no node
    directories; like vLLM (which maps lscpu's ``"node": -`` to 0), that is one node 0
    holding every online CPU.
    """
    nodes = []
    node_root = ("devices", "system", "node")
    try:
        names = [name for name in list_names(sys_root, *node_root) if _is_node_name(name)]
    except OSError:
        names = []
    for name in names:
        try:
            cpulist = read_text(sys_root, *node_root, name, "cpulist")
        except OSError:
            continue
        nodes.append(NumaNode(int(name[4:]), parse_cpu_list(cpulist)))
    if not nodes:
        return (NumaNode(0, online_cpus),)
    return tuple(sorted(nodes, key=lambda node: node.node_id))


def read_online_cpus(sys_root: Root, cpu_count: Callable[[], int | None]) -> tuple[int, ...]:
    """The online CPUs from ``<sys>/devices/system/cpu/online``, else ``0..cpu_count()-1``."""
    try:
        text = read_text(sys_root, "devices", "system", "cpu", "online")
    except OSError:
        return tuple(range(cpu_count() or 1))
    return parse_cpu_list(text)


def parse_cpu_list(text: str) -> tuple[int, ...]:
    """``(0, 1, 2, 3, 8)`` for the kernel's list format ``"0-3,8"``; ``()`` for ``""``.

    Raises ``ValueError`` naming the text when it is not in that format.
    """
    cpus: set[int] = set()
    for part in text.strip().split(","):
        if not part:
            continue
        first, dash, last = part.partition("-")
        try:
            cpus.update(range(int(first), int(last if dash else first) + 1))
        except ValueError:
            raise ValueError(
                f"cannot read a CPU list from {text.strip()!r}; expected the kernel's "
                "format such as '0-3,8'"
            ) from None
    return tuple(sorted(cpus))


def process_affinity() -> tuple[int, ...]:
    """The CPUs this process may run on (a container or ``taskset`` may restrict them);
    every CPU where the OS has no affinity call (macOS)."""
    if hasattr(os, "sched_getaffinity"):
        return tuple(sorted(os.sched_getaffinity(0)))
    return tuple(range(os.cpu_count() or 1))


def _is_node_name(name: str) -> bool:
    return name.startswith("node") and name[4:].isdigit()
