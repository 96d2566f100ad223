"""Targets of the spawned worker processes of tests/core/distributed.

Spawned children import this module by name (the conftest puts its folder on ``sys.path``,
which multiprocessing hands to the children), so it holds no test functions of its own.
Each target joins a gloo group through the ``stateless_init_device_torch_dist_pg`` hook of
the cpu platform, works through the core communicator, and reports what it saw on a queue.
"""

from __future__ import annotations

import datetime
import faulthandler
import os
import time
from typing import Any

SIZE = 2


def join(rank: int, port: int, timeout_s: float) -> Any:
    """This rank's communicator over a 2-rank gloo group on the store at 127.0.0.1:port."""
    from torch.distributed import PrefixStore, TCPStore

    import hwcore
    from hwcore.distributed import DeviceCommunicator

    timeout = datetime.timedelta(seconds=timeout_s)
    store = TCPStore("127.0.0.1", port, SIZE, is_master=False, timeout=timeout)
    platform = hwcore.current_platform()
    # Through the hook, as an engine calls it: the core default builds the group.
    group = platform.stateless_init_device_torch_dist_pg(
        "gloo", PrefixStore("test", store), rank, SIZE, timeout
    )
    return DeviceCommunicator(group, unique_name="test", platform=platform), group


def pair(
    rank: int, port: int, results: Any, peer_killed: Any, timeout_s: float, log_path: str
) -> None:
    """One rank of the 2-process test: every collective of the communicator once (results
    as plain lists), then "ready"; rank 1 then waits to be killed, and rank 0, once the
    parent has killed it, tries another all-reduce and reports the error.

    Python's tracebacks go to ``log_path`` if the process crashes or, waiting for the
    parent, outlives the test's patience: the test shows them when it fails."""
    log = open(log_path, "w")  # noqa: SIM115 (open until the process ends)
    faulthandler.enable(log)
    # Nothing outlives a parent that died: every child exits within 5 minutes.
    faulthandler.dump_traceback_later(300, exit=True, file=log)
    communicator, _ = join(rank, port, timeout_s)
    results.put(collectives(communicator))
    results.put(("ready", rank, os.getpid()))
    if rank == 1:
        time.sleep(600)  # the parent kills this process long before
        return
    peer_killed.wait(240)
    # The all-reduce must fail within the group's timeout; if it hangs, the traceback
    # shows where, and the test reports it.
    faulthandler.dump_traceback_later(timeout_s * 2, exit=True, file=log)
    results.put(all_reduce_after_the_peer_died(communicator))
    faulthandler.cancel_dump_traceback_later()


def collectives(communicator: Any) -> dict[str, Any]:
    import torch
    import torch.distributed as dist

    rank = communicator.rank
    base = torch.arange(4, dtype=torch.float32) + 10 * rank
    report: dict[str, Any] = {"rank": rank, "default_group": dist.is_initialized()}
    report["repr"] = repr(communicator)
    report["all_reduce"] = communicator.all_reduce(base.clone()).tolist()
    report["all_gather"] = communicator.all_gather(base.view(2, 2), dim=-1).tolist()
    report["all_gather_0"] = communicator.all_gather(base.view(2, 2), dim=0).tolist()
    report["reduce_scatter"] = communicator.reduce_scatter(base.clone(), dim=0).tolist()
    gathered = communicator.gather(base, dst=1, dim=0)
    report["gather"] = None if gathered is None else gathered.tolist()
    source = torch.full((3,), 7.0) if rank == 1 else torch.zeros(3)
    report["broadcast"] = communicator.broadcast(source, src=1).tolist()
    if rank == 0:
        communicator.send(torch.tensor([1.0, 2.0, 3.0]))
        report["recv"] = None
    else:
        report["recv"] = communicator.recv((3,), torch.float32).tolist()
    return report


def all_reduce_after_the_peer_died(communicator: Any) -> tuple[Any, ...]:
    import torch

    from hwcore.distributed import CollectiveError

    started = time.monotonic()
    try:
        communicator.all_reduce(torch.ones(1 << 16))
    except CollectiveError as error:
        cause = error.__cause__
        return ("failed", str(error), type(cause).__name__, str(cause), time.monotonic() - started)
    return ("no error", time.monotonic() - started)
