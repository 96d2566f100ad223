"""Fixtures for tests/core/distributed: platform facts, a TCPStore on the loopback
interface, and spawned worker processes that are always stopped."""

from __future__ import annotations

import datetime
import importlib.util
import multiprocessing
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from hwcore.records import DeviceInfo, PlatformInfo

HERE = Path(__file__).parent
FAKE_NVML_DIR = HERE.parents[1] / "plugins" / "cuda" / "fake_nvml"

# Spawned children find their targets (hwcore_dist_test_workers) by module name:
# multiprocessing hands them the parent's sys.path.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

STORE_TIMEOUT = datetime.timedelta(seconds=20)
WORKER_ENVIRONMENT = {"GLOO_SOCKET_IFNAME": "lo", "HWCORE_PLATFORM": "cpu"}
"""gloo connects through the interface its host name resolves to unless told otherwise;
spawned children inherit the environment."""


def make_platform_info(**facts: Any) -> PlatformInfo:
    """A ``PlatformInfo`` with the cpu platform's facts, overridden by ``facts``."""
    values: dict[str, Any] = {
        "name": "cpu",
        "device_name": "cpu",
        "device_type": "cpu",
        "dispatch_key": "CPU",
        "dist_backend": "gloo",
        "devices": (DeviceInfo(index=0, physical_index=0, name="test device"),),
        "evidence": ("test facts",),
    }
    values.update(facts)
    return PlatformInfo(**values)


@pytest.fixture
def loopback_gloo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep gloo on lo and the platform on cpu in this process."""
    for name, value in WORKER_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


def new_tcp_store() -> Any:
    """The master ``TCPStore`` of a 2-rank group, on 127.0.0.1 and a free port."""
    from torch.distributed import TCPStore

    return TCPStore("127.0.0.1", 0, 2, is_master=True, timeout=STORE_TIMEOUT, wait_for_workers=False)


class Spawned:
    """Processes started with the spawn method; ``stop`` kills whatever still runs."""

    def __init__(self) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[Any] = []
        self.killed: list[Any] = []

    def start(self, target: Callable[..., None], *args_per_rank: tuple[Any, ...]) -> list[Any]:
        started = [self.context.Process(target=target, args=args) for args in args_per_rank]
        self.processes += started
        for process in started:
            process.start()
        return started

    def collect(
        self,
        queues: Sequence[Any],
        count: int,
        timeout_s: float = 60.0,
        logs: tuple[Path, ...] = (),
    ) -> list[Any]:
        """``count`` reports from ``queues``; fails as soon as a process died without
        reporting, instead of waiting out the timeout, showing the children's ``logs``.

        One queue per child: a child killed while its queue's feeder thread holds the
        queue's write lock would otherwise keep every other child from reporting."""
        import queue
        import time

        reports: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while len(reports) < count:
            for results in queues:
                try:
                    reports.append(results.get(timeout=0.1))
                except queue.Empty:
                    continue
            if len(reports) >= count:
                break
            crashed = [
                p for p in self.processes if p.exitcode not in (None, 0) and p not in self.killed
            ]
            if crashed or time.monotonic() > deadline:
                shown = "".join(f"\n--- {log.name}:\n{log.read_text()}" for log in logs)
                pytest.fail(
                    f"{len(reports)} of {count} report(s) within {timeout_s:g} s; exit codes "
                    f"{[p.exitcode for p in self.processes]}{shown}"
                )
        return reports

    def kill(self, process: Any) -> None:
        """Kill ``process`` (SIGKILL) on purpose and wait for it to go."""
        self.killed.append(process)
        process.kill()
        process.join(10)

    def stop(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.kill()
            process.join(10)


def load_fake_nvml() -> Any:
    """tests/plugins/cuda's fake NVML node builder, loaded once under its own name."""
    if "hwcore_fake_nvml" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "hwcore_fake_nvml", FAKE_NVML_DIR / "hwcore_fake_nvml.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["hwcore_fake_nvml"] = module
        spec.loader.exec_module(module)
    return sys.modules["hwcore_fake_nvml"]


@pytest.fixture
def cpu_platform() -> Iterator[Any]:
    """The real hwcore-cpu platform on a host of its own."""
    import hwcore_cpu.plugin
    from hwcore.testing import IsolatedHost

    with IsolatedHost() as host:
        host.add_platform(hwcore_cpu.plugin, "cpu")
        yield host.platform()


@pytest.fixture
def h100_node(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """``h100_node(visible=None, **environ)``: the real hwcore-cuda platform on a fake
    8xH100 node, its host's ``CUDA_VISIBLE_DEVICES`` set to ``visible`` (unset for
    ``None``) and its other variables to ``environ``."""
    import pynvml

    import hwcore_cuda.plugin
    from hwcore.testing import IsolatedHost

    load_fake_nvml().node("8xH100").install(pynvml, monkeypatch.setattr)
    hosts: list[Any] = []

    def start(visible: str | None = None, **environ: str) -> Any:
        if visible is not None:
            environ["CUDA_VISIBLE_DEVICES"] = visible
        host = IsolatedHost(environ)
        hosts.append(host.install())
        host.add_platform(hwcore_cuda.plugin, "cuda")
        return host.platform()

    yield start
    for host in reversed(hosts):
        host.uninstall()
