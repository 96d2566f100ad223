from __future__ import annotations

import re
from pathlib import Path

import psutil
import pytest

from hwcore_cpu.facts import MemorySnapshot, read_memory
from hwcore_cpu.facts.memory import parse_meminfo


def test_reads_memtotal_and_memavailable_in_bytes() -> None:
    text = "MemTotal:       24684092 kB\nMemFree:         1000 kB\nMemAvailable:   20000000 kB\n"
    assert parse_meminfo(text) == MemorySnapshot(total=24684092 * 1024, available=20000000 * 1024)


def test_estimates_available_memory_on_kernels_without_memavailable() -> None:
    text = "MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 5 kB\nCached: 20 kB\n"
    snapshot = parse_meminfo(text)
    assert snapshot == MemorySnapshot(total=100 * 1024, available=35 * 1024)
    assert snapshot.used == 65 * 1024


def test_rejects_meminfo_without_memtotal() -> None:
    with pytest.raises(
        ValueError, match=re.escape("meminfo has no MemTotal line; cannot tell the system memory")
    ):
        parse_meminfo("MemFree: 10 kB\n")


def test_reads_the_given_proc_root(tmp_path: Path) -> None:
    (tmp_path / "meminfo").write_text("MemTotal: 2048 kB\nMemAvailable: 1024 kB\n")
    assert read_memory(tmp_path) == MemorySnapshot(total=2 << 20, available=1 << 20)


def test_asks_psutil_where_there_is_no_proc(tmp_path: Path) -> None:
    snapshot = read_memory(tmp_path / "missing")
    assert snapshot.total == psutil.virtual_memory().total
    assert 0 < snapshot.available <= snapshot.total


def test_this_machine_agrees_with_psutil() -> None:
    assert read_memory(Path("/proc")).total == psutil.virtual_memory().total
