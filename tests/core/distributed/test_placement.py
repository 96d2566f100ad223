"""Placement plans: what Ray is asked for, per platform, as a pure function of its facts."""

from __future__ import annotations

import re

import pytest

from hwcore.distributed import PlacementError, plan_placement

from .conftest import make_platform_info

SIMULATED = make_platform_info(
    name="simulated", device_name="simulated", ray_device_key="simulated",
    device_control_env_var="HWCORE_SIMULATED_VISIBLE_DEVICES",
)


def test_a_cpu_platform_gets_cpu_only_workers_and_says_so(cpu_platform):
    plan = plan_placement(cpu_platform.info, 2, {})
    assert plan.cpu_only
    assert (plan.resource_key, plan.resources_per_worker) == (None, (("CPU", 1.0),))
    assert (plan.visibility_variable, plan.visibility_set_by) == (None, "nobody")
    assert plan.note == (
        "platform 'cpu' names no Ray resource (ray_device_key is empty): workers are CPU-only, "
        "one CPU each, and Ray assigns them no device"
    )
    assert plan.env_vars == (("HWCORE_PLATFORM", "cpu"),)
    assert plan.ray_actor_options() == {"num_cpus": 1.0}


def test_an_h100_node_asks_ray_for_one_gpu_per_worker(h100_node):
    plan = plan_placement(h100_node().info, 8, {})
    assert not plan.cpu_only
    assert dict(plan.resources_per_worker) == {"GPU": 1.0}
    assert plan.total_resources == {"GPU": 8.0}
    assert (plan.visibility_variable, plan.visibility_set_by) == ("CUDA_VISIBLE_DEVICES", "ray")
    assert plan.noset_variables == ("RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES",)
    assert plan.note is None
    assert plan.env_vars == (("HWCORE_PLATFORM", "cuda"),)
    # No runtime environment of its own: Ray's pre-started worker processes stay usable.
    assert plan.ray_actor_options() == {"num_cpus": 0, "num_gpus": 1.0}


def test_a_no_set_variable_in_the_driver_is_emptied_for_the_workers_and_noted(h100_node):
    plan = plan_placement(h100_node().info, 2, {"RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES": "1"})
    assert plan.note == (
        "RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES='1' is emptied in the workers, so that Ray "
        "sets CUDA_VISIBLE_DEVICES and each worker sees only its own device"
    )
    assert plan.cleared_variables == ("RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES",)
    assert plan.ray_actor_options()["runtime_env"] == {
        "env_vars": {"RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES": ""}
    }
    user_env = {"env_vars": {"A": "b"}, "pip": ["x"]}
    assert plan.ray_actor_options(user_env)["runtime_env"] == {
        "env_vars": {"A": "b", "RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES": ""}, "pip": ["x"],
    }
    assert user_env == {"env_vars": {"A": "b"}, "pip": ["x"]}


def test_a_no_set_variable_in_the_runtime_env_is_emptied_too(h100_node):
    plan = plan_placement(h100_node().info, 2, {})
    user_env = {"env_vars": {"RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES": "1"}}
    assert plan.ray_actor_options(user_env)["runtime_env"] == {
        "env_vars": {"RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES": ""}
    }


def test_a_custom_resource_is_asked_for_by_name_and_hwcore_sets_visibility():
    plan = plan_placement(SIMULATED, 2, {})
    assert plan.resources_per_worker == (("simulated", 1.0),)
    assert (plan.visibility_variable, plan.visibility_set_by) == ("HWCORE_SIMULATED_VISIBLE_DEVICES", "hwcore")
    assert plan.ray_actor_options()["resources"] == {"simulated": 1.0}


def test_a_tpu_resource_is_one_ray_assigns():
    tpu = make_platform_info(name="tpu", device_name="tpu", ray_device_key="TPU", device_control_env_var="TPU_VISIBLE_CHIPS")
    plan = plan_placement(tpu, 4, {})
    assert (plan.visibility_set_by, plan.ray_actor_options()["resources"]) == ("ray", {"TPU": 1.0})


def test_the_driver_passes_its_plugins_and_the_platforms_extra_variables():
    info = make_platform_info(additional_env_vars=("GPU_PINNED_MIN_XFER_SIZE", "UNSET_HERE"))
    environ = {"HWCORE_PLUGINS": "cpu,extra", "GPU_PINNED_MIN_XFER_SIZE": "4096", "OTHER": "x"}
    assert plan_placement(info, 1, environ).env_vars == (
        ("HWCORE_PLATFORM", "cpu"), ("HWCORE_PLUGINS", "cpu,extra"), ("GPU_PINNED_MIN_XFER_SIZE", "4096"),
    )


def test_a_custom_resource_without_a_visibility_variable_is_refused():
    info = make_platform_info(name="chip", ray_device_key="chip")
    message = (
        "platform 'chip' names the Ray resource 'chip' but no device_control_env_var, so a worker "
        "cannot be given one device: its plugin must set PlatformInfo.device_control_env_var; "
        "ask its maintainers"
    )
    with pytest.raises(PlacementError, match=re.escape(message) + "$"):
        plan_placement(info, 2, {})


@pytest.mark.parametrize("count", [0, -1, True, 1.5])
def test_a_worker_count_below_one_is_refused(count):
    message = (
        f"num_workers={count!r} cannot be placed: pass the number of workers to start, 1 or "
        "more (one per device)"
    )
    with pytest.raises(PlacementError, match=re.escape(message) + "$"):
        plan_placement(make_platform_info(), count, {})
