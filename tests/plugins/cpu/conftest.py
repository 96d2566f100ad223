"""Sample machines as fake ``/proc`` and ``/sys`` trees, and a host with the CPU plugin."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import hwcore
import hwcore_cpu.plugin
from hwcore.host import Candidate, Host, install_host
from hwcore_cpu.facts import CpuFacts, gather_cpu_facts

from .facts.samples import X86_SAPPHIRE_RAPIDS

GIB = 1 << 30

@dataclass
class FakeMachine:
    """A fake ``/proc`` and ``/sys`` under ``root`` plus the callables ``gather_cpu_facts``
    takes; ``facts()`` reads it all back."""

    root: Path
    machine: str = "x86_64"
    system: str = "linux"
    affinity: tuple[int, ...] = (0, 1)
    cpu_count: int = 2
    sysctl: dict[str, str] | None = None

    @property
    def proc(self) -> Path:
        return self.root / "proc"

    @property
    def sys(self) -> Path:
        return self.root / "sys"

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def facts(self) -> CpuFacts:
        sysctl = self.sysctl or {}
        return gather_cpu_facts(
            proc_root=self.proc,
            sys_root=self.sys,
            machine=lambda: self.machine,
            system=self.system,
            affinity=lambda: self.affinity,
            cpu_count=lambda: self.cpu_count,
            sysctl=sysctl.get,
        )


MachineFactory = Callable[..., FakeMachine]


@pytest.fixture
def make_machine(tmp_path: Path) -> MachineFactory:
    """``make_machine(cpuinfo=..., memory_kib=(total, available), online="0-3",
    nodes={0: "0-1", 1: "2-3"}, ...)``: a ``FakeMachine`` written under ``tmp_path``."""

    def make(
        *,
        cpuinfo: str | None = X86_SAPPHIRE_RAPIDS,
        memory_kib: tuple[int, int] | None = (16 * 1024 * 1024, 12 * 1024 * 1024),
        online: str | None = "0-1",
        nodes: dict[int, str] | None = None,
        **fields: object,
    ) -> FakeMachine:
        machine = FakeMachine(root=tmp_path, **fields)  # type: ignore[arg-type]
        machine.proc.mkdir(parents=True, exist_ok=True)
        machine.sys.mkdir(parents=True, exist_ok=True)
        if cpuinfo is not None:
            machine.write("proc/cpuinfo", cpuinfo)
        if memory_kib is not None:
            total, available = memory_kib
            machine.write(
                "proc/meminfo",
                f"MemTotal:       {total} kB\nMemFree:        1024 kB\n"
                f"MemAvailable:   {available} kB\nBuffers:        0 kB\n",
            )
        if online is not None:
            machine.write("sys/devices/system/cpu/online", online + "\n")
        for node_id, cpulist in (nodes or {}).items():
            machine.write(f"sys/devices/system/node/node{node_id}/cpulist", cpulist + "\n")
            # Per-node meminfo undercounts on hot-plug systems; it must never be read.
            machine.write(
                f"sys/devices/system/node/node{node_id}/meminfo",
                f"Node {node_id} MemTotal:       1024 kB\n",
            )
        return machine

    return make


def cpu_candidate() -> Candidate:
    return Candidate(
        "cpu", "hwcore.platforms", "hwcore_cpu.plugin", "hwcore-cpu", "0.1.0",
        load=lambda: hwcore_cpu.plugin,
    )


@pytest.fixture
def install_cpu_host() -> Iterator[Callable[..., Host]]:
    """``install_cpu_host(*extra_candidates, environ={})``: make a host that sees the CPU
    plugin (and the extras) the process-wide host; ``hwcore.reset()`` afterwards."""

    def install(*extra: Candidate, environ: dict[str, str] | None = None) -> Host:
        host = Host(discover=lambda: [cpu_candidate(), *extra], environ=environ or {})
        install_host(host)
        return host

    yield install
    hwcore.reset()
