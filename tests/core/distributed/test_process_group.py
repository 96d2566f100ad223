"""Stateless process groups: every bad argument is refused before a connection is tried,
a missing backend names the torch build that has it, and a real gloo group is built without
torch's default group."""

from __future__ import annotations

import datetime
import re

import pytest

import hwcore
from hwcore.distributed import (
    BackendUnavailableError,
    InvalidProcessGroupError,
    check_process_group_arguments,
    runnable_backends,
    stateless_init_device_torch_dist_pg,
)

from .conftest import make_platform_info

CPU = make_platform_info()
CUDA = make_platform_info(
    name="cuda", device_name="cuda", device_type="cuda", dispatch_key="CUDA", dist_backend="nccl"
)
XPU = make_platform_info(
    name="xpu", device_name="xpu", device_type="xpu", dispatch_key="XPU", dist_backend="xccl"
)
VENDOR = make_platform_info(
    name="chip", device_name="chip", device_type="privateuseone", dispatch_key="PrivateUse1",
    dist_backend="hccl",
)
MINUTE = datetime.timedelta(seconds=60)


def test_runnable_backends_are_gloo_and_the_platforms_own():
    assert runnable_backends(CPU) == ("gloo",)
    assert runnable_backends(CUDA) == ("gloo", "nccl")
    assert runnable_backends(XPU) == ("gloo", "xccl")


def test_arguments_that_form_a_group_pass_and_the_backend_is_lower_cased():
    assert check_process_group_arguments("GLOO", 1, 2, MINUTE, CPU) == "gloo"
    assert check_process_group_arguments("nccl", 0, 1, MINUTE, CUDA) == "nccl"


@pytest.mark.parametrize(
    ("rank", "size", "message"),
    [
        (0, 0, "group_size=0 cannot form a process group: pass the number of processes that will join it, 1 or more"),
        (0, True, "group_size=True cannot form a process group: pass the number of processes that will join it, 1 or more"),
        (2, 2, "group_rank=2 is outside a group of 2 rank(s): pass this process's rank, from 0 to 1, different in every process"),
        (-1, 2, "group_rank=-1 is outside a group of 2 rank(s): pass this process's rank, from 0 to 1, different in every process"),
        ("0", 2, "group_rank='0' is outside a group of 2 rank(s): pass this process's rank, from 0 to 1, different in every process"),
    ],
)
def test_ranks_and_sizes_that_cannot_form_a_group_are_refused(rank, size, message):
    with pytest.raises(InvalidProcessGroupError, match=re.escape(message) + "$"):
        # No store at all: the check must come before any connection is tried.
        stateless_init_device_torch_dist_pg("gloo", None, rank, size, MINUTE, CPU)


@pytest.mark.parametrize(
    ("backend", "platform", "message"),
    [
        ("nccl", CPU, "backend 'nccl' cannot run on platform 'cpu': it runs 'gloo'; pass one of those (dist_backend 'gloo' for device tensors)"),
        ("xccl", CUDA, "backend 'xccl' cannot run on platform 'cuda': it runs 'gloo' and 'nccl'; pass one of those (dist_backend 'nccl' for device tensors)"),
        ("mpi", CPU, "backend 'mpi' cannot run on platform 'cpu': it runs 'gloo'; pass one of those (dist_backend 'gloo' for device tensors)"),
        ("hccl", VENDOR, "backend 'hccl' of platform 'chip' is not one the core builds ('gloo', 'nccl', 'xccl'): the platform's plugin must implement stateless_init_device_torch_dist_pg for it; ask its maintainers"),
    ],
)
def test_a_backend_the_platform_cannot_run_is_refused(backend, platform, message):
    with pytest.raises(InvalidProcessGroupError, match=re.escape(message) + "$"):
        stateless_init_device_torch_dist_pg(backend, None, 0, 2, MINUTE, platform)


@pytest.mark.parametrize("timeout", [60, datetime.timedelta(0), None])
def test_a_timeout_that_is_not_a_positive_timedelta_is_refused(timeout):
    message = (
        f"timeout={timeout!r} is not a positive datetime.timedelta: pass e.g. "
        "datetime.timedelta(seconds=60); it bounds how long a collective waits for a peer"
    )
    with pytest.raises(InvalidProcessGroupError, match=re.escape(message) + "$"):
        stateless_init_device_torch_dist_pg("gloo", None, 0, 2, timeout, CPU)


@pytest.mark.parametrize(
    ("platform", "backend", "check", "build"),
    [
        (XPU, "xccl", "is_xccl_available", "torch 2.8 or newer built for Intel XPU (torch's xpu wheels; IPEX is not needed)"),
        (CUDA, "nccl", "is_nccl_available", "a CUDA or ROCm build of torch for Linux (the CPU-only build has no NCCL)"),
    ],
)
def test_a_backend_missing_from_the_installed_torch_names_the_build_that_has_it(platform, backend, check, build):
    import torch
    import torch.distributed as dist

    if getattr(dist, check)():
        pytest.skip(f"this torch has {backend}")
    message = (
        f"the installed torch {torch.__version__} has no {backend!r} backend "
        f"(torch.distributed.{check}() is False), which platform {platform.name!r} needs for "
        f"its process groups: install {build}"
    )
    with pytest.raises(BackendUnavailableError, match=re.escape(message) + "$"):
        stateless_init_device_torch_dist_pg(backend, None, 0, 2, MINUTE, platform)


def test_a_store_that_is_not_a_torch_store_is_refused():
    message = (
        "prefix_store={'rank0': 'here'} is not a torch.distributed.Store: pass "
        "torch.distributed.PrefixStore('<group name>', torch.distributed.TCPStore(...)), the "
        "same in every rank of the group"
    )
    with pytest.raises(InvalidProcessGroupError, match=re.escape(message) + "$"):
        stateless_init_device_torch_dist_pg("gloo", {"rank0": "here"}, 0, 2, MINUTE, CPU)


def test_a_gloo_group_is_built_without_touching_the_default_group(loopback_gloo):
    import torch
    import torch.distributed as dist

    store = dist.PrefixStore("single", dist.HashStore())
    group = stateless_init_device_torch_dist_pg("gloo", store, 0, 1, MINUTE, CPU)
    try:
        assert isinstance(group, dist.ProcessGroup)
        assert (group.rank(), group.size(), group.name()) == (0, 1, "gloo")
        assert dist.is_initialized() is False
        tensor = torch.ones(3)
        dist.all_reduce(tensor, group=group)
        assert tensor.tolist() == [1.0, 1.0, 1.0]
    finally:
        group.shutdown()


def test_the_hooks_core_default_builds_the_group_on_the_cpu_platform(cpu_platform, loopback_gloo):
    import torch.distributed as dist

    store = dist.PrefixStore("hook", dist.HashStore())
    group = cpu_platform.stateless_init_device_torch_dist_pg("gloo", store, 0, 1, MINUTE)
    try:
        assert (group.rank(), group.size(), group.name()) == (0, 1, "gloo")
    finally:
        group.shutdown()


def test_the_hook_refuses_bad_arguments_on_the_cuda_platform(h100_node):
    h100_node()
    pm = hwcore.get_plugin_manager()
    message = (
        "backend 'xccl' cannot run on platform 'cuda': it runs 'gloo' and 'nccl'; pass one of "
        "those (dist_backend 'nccl' for device tensors)"
    )
    with pytest.raises(InvalidProcessGroupError, match=re.escape(message) + "$"):
        pm.hook.stateless_init_device_torch_dist_pg(
            backend="xccl", prefix_store=None, group_rank=0, group_size=2, timeout=MINUTE
        )
