"""A worker's view: logical device 0 is the physical device the visibility variable gave
the process, as the platform's own detection mapped it."""

from __future__ import annotations

import os
import re

import pytest

from hwcore.distributed import PlacementError, worker_device, worker_view


def test_a_cpu_worker_sees_the_host_as_its_one_device(cpu_platform):
    import torch

    view = worker_view(cpu_platform)
    assert (view.platform, view.device_type, view.pid) == ("cpu", "cpu", os.getpid())
    assert view.describe() == "cpu sees 1 device: logical 0 = physical 0 (CPU_VISIBLE_MEMORY_NODES unset)"
    assert worker_device(cpu_platform) == torch.device("cpu")


def test_a_worker_given_gpu_3_maps_logical_0_to_physical_3(h100_node):
    import torch

    platform = h100_node("3")
    view = worker_view(platform)
    assert view.device_count == 1
    assert view.physical_index(0) == 3
    assert view.describe() == "cuda sees 1 device: logical 0 = physical 3 (CUDA_VISIBLE_DEVICES='3')"
    assert worker_device(platform) == torch.device("cuda", 0)


def test_a_launcher_that_shows_every_gpu_picks_one_by_local_rank(h100_node):
    import torch

    platform = h100_node("6,7", LOCAL_RANK="1")
    assert worker_device(platform) == torch.device("cuda", 1)
    assert worker_view(platform).physical_index(1) == 7


def test_a_local_rank_past_the_visible_devices_is_refused(h100_node):
    platform = h100_node("3", LOCAL_RANK="1")
    message = (
        "LOCAL_RANK='1' names no device of this worker: cuda sees 1 device: logical 0 = "
        "physical 3 (CUDA_VISIBLE_DEVICES='3'); give each worker its own device through "
        "CUDA_VISIBLE_DEVICES and use logical device 0, or pass a local rank below 1"
    )
    with pytest.raises(PlacementError, match=re.escape(message) + "$"):
        worker_device(platform)


def test_a_local_rank_that_is_not_a_number_is_refused(h100_node):
    platform = h100_node("3", LOCAL_RANK="first")
    message = (
        "LOCAL_RANK='first' is not a rank on this node: set it to a non-negative integer "
        "(torchrun does) or unset it"
    )
    with pytest.raises(PlacementError, match=re.escape(message) + "$"):
        worker_device(platform)


def test_a_logical_index_that_is_not_visible_is_an_index_error(h100_node):
    view = worker_view(h100_node("3"))
    message = (
        f"logical device 1 is not visible to worker {os.getpid()}: cuda sees 1 device: "
        "logical 0 = physical 3 (CUDA_VISIBLE_DEVICES='3'); use an index below 1"
    )
    with pytest.raises(IndexError, match=re.escape(message) + "$"):
        view.physical_index(1)
