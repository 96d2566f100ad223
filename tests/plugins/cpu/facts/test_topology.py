from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from hwcore_cpu.facts import NumaNode, parse_cpu_list
from hwcore_cpu.facts.topology import process_affinity, read_numa_nodes, read_online_cpus


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0-3,8\n", (0, 1, 2, 3, 8)), ("5", (5,)), ("", ()), ("\n", ()), ("2,0-1", (0, 1, 2))],
)
def test_parses_the_kernel_cpu_list_format(text: str, expected: tuple[int, ...]) -> None:
    assert parse_cpu_list(text) == expected


def test_rejects_text_that_is_not_a_cpu_list() -> None:
    with pytest.raises(
        ValueError,
        match=re.escape("cannot read a CPU list from 'all'; expected the kernel's format such as '0-3,8'"),
    ):
        parse_cpu_list("all")


def _node(sys_root: Path, node_id: int, cpulist: str) -> None:
    path = sys_root / "devices" / "system" / "node" / f"node{node_id}"
    path.mkdir(parents=True)
    (path / "cpulist").write_text(cpulist + "\n")


def test_reads_nodes_in_id_order_including_memory_only_ones(tmp_path: Path) -> None:
    _node(tmp_path, 10, "")  # CXL memory: no CPUs
    _node(tmp_path, 1, "56-111,168-223")
    _node(tmp_path, 0, "0-55,112-167")
    (tmp_path / "devices" / "system" / "node" / "possible").write_text("0-1,10\n")
    nodes = read_numa_nodes(tmp_path, online_cpus=tuple(range(224)))
    assert [node.node_id for node in nodes] == [0, 1, 10]
    assert nodes[1].cpus == (*range(56, 112), *range(168, 224))
    assert nodes[2] == NumaNode(10, ())


def test_without_numa_support_everything_is_node_0(tmp_path: Path) -> None:
    assert read_numa_nodes(tmp_path, online_cpus=(0, 1, 2)) == (NumaNode(0, (0, 1, 2)),)


def test_online_cpus_come_from_sysfs_or_the_cpu_count(tmp_path: Path) -> None:
    assert read_online_cpus(tmp_path, lambda: 3) == (0, 1, 2)
    assert read_online_cpus(tmp_path, lambda: None) == (0,)
    online = tmp_path / "devices" / "system" / "cpu" / "online"
    online.parent.mkdir(parents=True)
    online.write_text("0-1,4\n")
    assert read_online_cpus(tmp_path, lambda: 99) == (0, 1, 4)


def test_process_affinity_is_what_the_scheduler_allows() -> None:
    assert process_affinity() == tuple(sorted(os.sched_getaffinity(0)))
