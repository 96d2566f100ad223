"""The core communicator over real gloo groups: two spawned processes on the loopback
interface, and single-rank groups in this process for the argument checks."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import hwcore_dist_test_workers
import pytest

from hwcore.distributed import DeviceCommunicator, InvalidProcessGroupError

from .conftest import WORKER_ENVIRONMENT, Spawned, make_platform_info, new_tcp_store

PEER_TIMEOUT_S = 10.0


class GlooPair:
    """Two spawned ranks of a gloo group on the loopback interface, started once for the
    module (each child imports torch: seconds on a 2-core machine). They report their
    collectives, then wait: the second test kills rank 1 and watches rank 0 fail."""

    def __init__(self, spawned: Spawned, store: Any, logs: Path) -> None:
        self.spawned = spawned
        self.store = store  # the group's TCPStore master lives as long as the pair
        self.results = [spawned.context.Queue() for _ in (0, 1)]
        self.peer_killed = spawned.context.Event()
        self.logs = tuple(logs / f"rank{rank}.log" for rank in (0, 1))
        arguments = [
            (rank, store.port, self.results[rank], self.peer_killed, PEER_TIMEOUT_S, str(self.logs[rank]))
            for rank in (0, 1)
        ]
        self.processes = spawned.start(hwcore_dist_test_workers.pair, *arguments)
        reports = self.collect(4)
        self.collectives = {r["rank"]: r for r in reports if isinstance(r, dict)}
        self.ready = sorted(r[:2] for r in reports if isinstance(r, tuple))

    def collect(self, count: int) -> list[Any]:
        return self.spawned.collect(self.results, count, logs=self.logs)


@pytest.fixture(scope="module")
def gloo_pair(tmp_path_factory):
    spawned = Spawned()
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in WORKER_ENVIRONMENT.items():
                patch.setenv(name, value)
            yield GlooPair(spawned, new_tcp_store(), tmp_path_factory.mktemp("gloo_pair"))
    finally:
        spawned.stop()


def test_two_processes_run_every_collective_through_the_communicator(gloo_pair):
    rank0, rank1 = gloo_pair.collectives[0], gloo_pair.collectives[1]
    assert rank0["default_group"] is False and rank1["default_group"] is False
    assert rank0["repr"] == "<DeviceCommunicator 'test' rank 0/2 gloo on cpu>"
    assert rank0["all_reduce"] == rank1["all_reduce"] == [10.0, 12.0, 14.0, 16.0]
    assert rank0["all_gather"] == rank1["all_gather"] == [[0.0, 1.0, 10.0, 11.0], [2.0, 3.0, 12.0, 13.0]]
    assert rank0["all_gather_0"] == [[0.0, 1.0], [2.0, 3.0], [10.0, 11.0], [12.0, 13.0]]
    assert rank0["reduce_scatter"] == [10.0, 12.0]
    assert rank1["reduce_scatter"] == [14.0, 16.0]
    assert rank0["gather"] is None
    assert rank1["gather"] == [0.0, 1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 13.0]
    assert rank0["broadcast"] == rank1["broadcast"] == [7.0, 7.0, 7.0]
    assert rank1["recv"] == [1.0, 2.0, 3.0]


def test_a_killed_peer_makes_the_other_rank_fail_clearly_within_the_timeout(gloo_pair):
    assert gloo_pair.ready == [("ready", 0), ("ready", 1)]
    gloo_pair.spawned.kill(gloo_pair.processes[1])
    gloo_pair.peer_killed.set()
    [report] = gloo_pair.spawned.collect(gloo_pair.results[:1], 1, logs=gloo_pair.logs)

    assert report[0] == "failed", report
    _, message, cause_type, cause, seconds = report
    assert message == (
        f"all_reduce failed on rank 0 of 2 in group 'test' (gloo): {cause_type}: {cause}\n"
        "Either the call does not fit the group (shapes, dtypes or devices differ between "
        "ranks) or a peer died, hung past the group's timeout, or called a different "
        "collective. After a peer failure the group cannot be used again: find the failed "
        "worker's own error, then build a new group."
    )
    assert cause_type in ("RuntimeError", "DistBackendError", "DistNetworkError")
    assert seconds < PEER_TIMEOUT_S


class TwoRankGroup:
    """Rank 0 of a 2-rank group that never communicates: the argument checks run first."""

    def rank(self) -> int:
        return 0

    def size(self) -> int:
        return 2

    def name(self) -> str:
        return "fake"


@pytest.fixture
def single_rank_group(loopback_gloo):
    import torch.distributed as dist

    from hwcore.distributed import stateless_init_device_torch_dist_pg

    group = stateless_init_device_torch_dist_pg(
        "gloo", dist.PrefixStore("one", dist.HashStore()), 0, 1,
        datetime.timedelta(seconds=10), make_platform_info(),
    )
    yield group
    group.shutdown()


def communicator_on(group, **arguments):
    import torch

    return DeviceCommunicator(group, device=torch.device("cpu"), unique_name="tp", **arguments)


def test_a_single_rank_group_gives_its_own_tensors_back(single_rank_group):
    import torch

    communicator = communicator_on(single_rank_group)
    tensor = torch.arange(6.0).view(2, 3)
    assert (communicator.rank, communicator.world_size, communicator.ranks) == (0, 1, [0])
    assert (communicator.global_rank, communicator.global_world_size) == (0, 1)
    assert communicator.all_reduce(tensor.clone()).tolist() == tensor.tolist()
    assert communicator.all_gather(tensor, dim=1).tolist() == tensor.tolist()
    assert communicator.reduce_scatter(tensor, dim=0) is tensor
    assert communicator.gather(tensor, dst=0).tolist() == tensor.tolist()
    assert communicator.broadcast(tensor) is tensor


def test_the_device_defaults_to_the_active_platforms(single_rank_group):
    import torch

    import hwcore

    communicator = DeviceCommunicator(single_rank_group, platform=hwcore.current_platform())
    assert communicator.device == torch.device("cpu")


def test_global_ranks_describe_a_stateless_group(single_rank_group):
    communicator = communicator_on(single_rank_group, global_ranks=[5], global_world_size=8)
    assert (communicator.ranks, communicator.global_rank, communicator.global_world_size) == ([5], 5, 8)


def test_global_ranks_of_the_wrong_length_are_refused(single_rank_group):
    message = "group 'tp': global_ranks=[0, 1] lists 2 rank(s) for a group of 1; pass one global rank per group rank"
    with pytest.raises(InvalidProcessGroupError, match=re.escape(message) + "$"):
        communicator_on(single_rank_group, global_ranks=[0, 1])


def test_all_to_all_is_refused_rather_than_silently_skipped(single_rank_group):
    message = (
        "group 'tp': hwcore's DeviceCommunicator has no all-to-all (expert-parallel "
        "dispatch/combine) manager; pass use_all2all=False, or use a communicator class of the "
        "platform or engine that provides one"
    )
    with pytest.raises(InvalidProcessGroupError, match=re.escape(message) + "$"):
        communicator_on(single_rank_group, use_all2all=True)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c, t: c.broadcast(t, src=2), "broadcast on group 'tp': src=2 is not a peer of rank 0 in a group of 2; pass a group rank from 0 to 1"),
        (lambda c, t: c.gather(t, dst=-1), "gather on group 'tp': dst=-1 is not a peer of rank 0 in a group of 2; pass a group rank from 0 to 1"),
        (lambda c, t: c.send(t, dst=0), "send on group 'tp': dst=0 is not a peer of rank 0 in a group of 2; pass a group rank from 0 to 1 other than this rank's own"),
        (lambda c, t: c.recv((3,), t.dtype, src=0), "recv on group 'tp': src=0 is not a peer of rank 0 in a group of 2; pass a group rank from 0 to 1 other than this rank's own"),
        (lambda c, t: c.all_gather(t, dim=1), "dim=1 is outside a tensor of shape (3,); pass a dimension from -1 to 0"),
        (lambda c, t: c.reduce_scatter(t), "reduce_scatter on group 'tp': dimension 0 of shape (3,) does not divide into 2 equal slices; pad it to a multiple of 2"),
    ],
)
def test_a_call_that_cannot_fit_the_group_is_refused_before_communicating(call, message):
    import torch

    communicator = communicator_on(TwoRankGroup())
    with pytest.raises(InvalidProcessGroupError, match=re.escape(message) + "$"):
        call(communicator, torch.zeros(3))


def test_the_class_path_imports_without_torch():
    code = (
        "import importlib, sys; "
        "module, _, name = 'hwcore.distributed.DeviceCommunicator'.rpartition('.'); "
        "cls = getattr(importlib.import_module(module), name); "
        "print(cls.__name__, 'torch' in sys.modules, 'ray' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["DeviceCommunicator", "False", "False"]


def load_class(path):
    import importlib

    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_the_cpu_platform_names_the_core_communicator(cpu_platform):
    path = cpu_platform.get_device_communicator_cls()
    assert path == "hwcore.distributed.DeviceCommunicator"
    assert load_class(path) is DeviceCommunicator


def test_the_cuda_platform_names_a_communicator_class_that_imports(h100_node):
    path = h100_node().get_device_communicator_cls()
    assert path == "hwcore.distributed.DeviceCommunicator"
    assert load_class(path) is DeviceCommunicator
