"""The Ray helper on a real local Ray cluster, bound to 127.0.0.1: CPU-only workers forming
a gloo group, one fake H100 per worker (Ray sets CUDA_VISIBLE_DEVICES), and one simulated
device per worker (a custom resource: hwcore sets the visibility variable).

One Ray instance serves the module (starting Ray costs seconds on a 2-core machine); every
group of workers is stopped by its test, and Ray by the fixture, even when a test fails.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import re

import pytest

from hwcore.distributed import PlacementError, start_workers
from hwcore.testing import IsolatedHost

from .conftest import FAKE_NVML_DIR

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="Ray is not installed (pip install 'hwcore[ray]')"
)

CLUSTER = {"num_cpus": 2, "num_gpus": 8, "resources": {"simulated": 2}}
LOOPBACK_GLOO = {"GLOO_SOCKET_IFNAME": "lo"}
# On Linux Ray swaps 127.0.0.1 for the machine's routable address unless told that this is
# not a cluster; read when ray is first imported, so it is set before any test imports it.
LOOPBACK_RAY = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


@pytest.fixture(scope="module", autouse=True)
def ray_on_loopback():
    with pytest.MonkeyPatch.context() as patch:
        for name, value in LOOPBACK_RAY.items():
            patch.setenv(name, value)
        yield


def test_start_workers_needs_ray_initialized_first():
    import ray

    assert not ray.is_initialized(), "runs before the module's Ray instance starts"
    message = (
        "Ray is not initialized in this process: call ray.init() (a local cluster) or "
        "ray.init(address='auto') (a running cluster) before start_workers"
    )
    with pytest.raises(PlacementError, match=re.escape(message) + "$"):
        start_workers(2)


@pytest.fixture(scope="module")
def ray_cluster():
    import ray

    ray.init(
        **CLUSTER,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        configure_logging=False,
    )
    try:
        yield ray
    finally:
        ray.shutdown()


def sum_gather_broadcast(context):
    import torch

    communicator = context.communicator
    mine = torch.full((2,), float(context.rank + 1))
    root = torch.arange(3.0) if context.rank == 1 else torch.zeros(3)
    return {
        "view": context.view.describe(),
        "all_reduce": communicator.all_reduce(mine.clone()).tolist(),
        "all_gather": communicator.all_gather(mine, dim=0).tolist(),
        "broadcast": communicator.broadcast(root, src=1).tolist(),
    }


def test_two_cpu_workers_resolve_hwcore_and_form_a_gloo_group(ray_cluster, cpu_platform):
    with start_workers(
        2, platform=cpu_platform, runtime_env={"env_vars": LOOPBACK_GLOO}, start_timeout_s=60
    ) as group:
        assert group.plan.cpu_only
        assert group.plan.ray_actor_options()["num_cpus"] == 1.0
        assert group.plan.note == (
            "platform 'cpu' names no Ray resource (ray_device_key is empty): workers are "
            "CPU-only, one CPU each, and Ray assigns them no device"
        )
        assert [location.node_ip for location in group.locations] == ["127.0.0.1"] * 2
        assert len({location.pid for location in group.locations}) == 2
        described = group.init_process_group(timeout=datetime.timedelta(seconds=30))
        assert described == [
            "<DeviceCommunicator 'hwcore' rank 0/2 gloo on cpu>",
            "<DeviceCommunicator 'hwcore' rank 1/2 gloo on cpu>",
        ]
        reports = group.execute(sum_gather_broadcast, timeout_s=60)
    for report in reports:
        assert report["view"] == "cpu sees 1 device: logical 0 = physical 0 (CPU_VISIBLE_MEMORY_NODES unset)"
        assert report["all_reduce"] == [3.0, 3.0]
        assert report["all_gather"] == [1.0, 1.0, 2.0, 2.0]
        assert report["broadcast"] == [0.0, 1.0, 2.0]


def test_more_workers_than_the_cluster_holds_are_refused_before_any_starts(ray_cluster, cpu_platform):
    message = (
        "Ray cannot place 3 worker(s) of platform 'cpu': they need {'CPU': 3.0} and the "
        "cluster has {'CPU': 2.0} (ray.cluster_resources()); declare the devices when starting "
        "Ray (ray start --num-gpus N / --resources, or ray.init(num_gpus=N, resources=...)) or "
        "start fewer workers"
    )
    with pytest.raises(PlacementError, match=re.escape(message) + "$"):
        start_workers(3, platform=cpu_platform)


def fake_nvml_env(node):
    paths = [str(FAKE_NVML_DIR), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(p for p in paths if p), "HWCORE_FAKE_NVML": node}


def test_each_worker_on_a_fake_h100_node_sees_exactly_the_gpu_ray_gave_it(ray_cluster, h100_node):
    runtime_env = {"env_vars": {**fake_nvml_env("8xH100"), **LOOPBACK_GLOO}}
    with start_workers(2, platform=h100_node(), runtime_env=runtime_env, start_timeout_s=60) as group:
        plan = group.plan
        options = plan.ray_actor_options()
        assert dict(plan.resources_per_worker) == {"GPU": 1.0}
        assert (options["num_gpus"], options["num_cpus"]) == (1.0, 0)
        assert (plan.visibility_variable, plan.visibility_set_by) == ("CUDA_VISIBLE_DEVICES", "ray")
        assert plan.env_vars == (("HWCORE_PLATFORM", "cuda"),)
        gpus = []
        for location, view in zip(group.locations, group.views, strict=True):
            [ray_gpu] = location.assigned("GPU")
            assert view.platform == "cuda"
            assert view.device_count == 1
            assert view.visibility_value == ray_gpu
            assert view.physical_index(0) == int(ray_gpu)
            assert view.devices[0].name == "NVIDIA H100 80GB HBM3"
            gpus.append(int(ray_gpu))
        assert len(set(gpus)) == 2


@pytest.fixture
def simulated_platform():
    import hwcore_simulated.plugin

    with IsolatedHost({"HWCORE_SIMULATED_DEVICES": "2"}) as host:
        host.add_platform(hwcore_simulated.plugin, "simulated")
        yield host.platform()


def test_a_custom_ray_resource_gets_its_device_from_hwcore(ray_cluster, simulated_platform):
    runtime_env = {"env_vars": {"HWCORE_SIMULATED_DEVICES": "2"}}
    with start_workers(2, platform=simulated_platform, runtime_env=runtime_env, start_timeout_s=60) as group:
        assert group.plan.ray_actor_options()["resources"] == {"simulated": 1.0}
        assert group.plan.visibility_set_by == "hwcore"
        assert [view.describe() for view in group.views] == [
            "simulated sees 1 device: logical 0 = physical 0 (HWCORE_SIMULATED_VISIBLE_DEVICES='0')",
            "simulated sees 1 device: logical 0 = physical 1 (HWCORE_SIMULATED_VISIBLE_DEVICES='1')",
        ]


def test_ray_is_an_extra_never_a_dependency_of_the_core():
    from pathlib import Path

    import tomllib

    project = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())["project"]
    assert not [r for r in project["dependencies"] if r.startswith("ray")]
    assert project["optional-dependencies"]["ray"] == ["ray>=2.40"]
