"""Fixtures for tests/core/distributed: platform facts, a TCPStore on the loopback
interface, and spawned worker processes that are always stopped."""

from __future__ import annotations

import datetime
import multiprocessing
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hwcore.records import PlatformInfo

HERE = Path(__file__).parent

# Spawned children find the worker targets by module name: multiprocessing gives them the
# parent's sys.path.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import hwcore_dist_test_workers  # noqa: E402

STORE_TIMEOUT = datetime.timedelta(seconds=20)
LOOPBACK_ONLY = {"GLOO_SOCKET_IFNAME": "lo"}
"""gloo connects through the interface its host name resolves to unless told otherwise."""


def make_platform_info(**facts: Any) -> PlatformInfo:
    """A ``PlatformInfo`` with the cpu platform's facts, overridden by ``facts``."""
    values: dict[str, Any] = {
        "name": "cpu",
        "device_name": "cpu",
        "device_type": "cpu",
        "dispatch_key": "CPU",
        "dist_backend": "gloo",
        "device_count": 1,
        "evidence": ("test facts",),
    }
    values.update(facts)
    return PlatformInfo(**values)


@pytest.fixture
def workers() -> Any:
    return hwcore_dist_test_workers


@pytest.fixture
def loopback_gloo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep gloo on lo and the platform on cpu, here and in spawned children (which inherit
    the environment)."""
    for name, value in LOOPBACK_ONLY.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HWCORE_PLATFORM", "cpu")


@pytest.fixture
def tcp_store() -> Iterator[Any]:
    """The master ``TCPStore`` of a 2-rank group, on 127.0.0.1 and a free port."""
    from torch.distributed import TCPStore

    store = TCPStore(
        "127.0.0.1", 0, 2, is_master=True, timeout=STORE_TIMEOUT, wait_for_workers=False
    )
    yield store
    del store


class Spawned:
    """Processes started with the spawn method; ``stop`` kills whatever still runs."""

    def __init__(self) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[Any] = []

    def start(self, target: Callable[..., None], *args_per_rank: tuple[Any, ...]) -> list[Any]:
        started = [self.context.Process(target=target, args=args) for args in args_per_rank]
        self.processes += started
        for process in started:
            process.start()
        return started

    def collect(self, results: Any, count: int, timeout_s: float = 60.0) -> list[Any]:
        """``count`` reports from ``results``; fails as soon as a process died without
        reporting, instead of waiting out the timeout."""
        import queue
        import time

        reports: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while len(reports) < count:
            try:
                reports.append(results.get(timeout=0.2))
                continue
            except queue.Empty:
                pass
            crashed = [p.exitcode for p in self.processes if p.exitcode not in (None, 0)]
            if crashed or time.monotonic() > deadline:
                pytest.fail(
                    f"{len(reports)} of {count} report(s) within {timeout_s:g} s; exit codes "
                    f"{[p.exitcode for p in self.processes]} (see the children's stderr)"
                )
        return reports

    def stop(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.kill()
            process.join(10)


@pytest.fixture
def spawned(loopback_gloo: None) -> Iterator[Spawned]:
    processes = Spawned()
    try:
        yield processes
    finally:
        processes.stop()
