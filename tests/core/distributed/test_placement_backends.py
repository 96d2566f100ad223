"""What each of the repository's accelerator platforms asks Ray for, from its real detection
over the fake nodes its own tests use: 8xMI300X (ROCm), a Max 1550 (XPU), a v6e-8 host (TPU).

Each plan is built from the ``PlatformInfo`` the backend's ``detect_platform`` returns, so a
backend that changes its Ray key, visibility variable or no-set variables changes these.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import hwcore_rocm.plugin
import hwcore_tpu.plugin
import hwcore_xpu.plugin
from hwcore.distributed import plan_placement
from hwcore.testing import IsolatedHost

PLUGINS = Path(__file__).parents[2] / "plugins"


def _load(name: str, path: Path) -> ModuleType:
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name]


def _resolved(plugin: object, name: str, environ: dict[str, str]) -> IsolatedHost:
    host = IsolatedHost(environ=environ)
    host.add_platform(plugin, name)
    assert host.platform().name == name, host.report.render()
    return host


def test_an_8x_mi300x_node_asks_ray_for_one_gpu_per_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _load("hwcore_fake_amdsmi", PLUGINS / "rocm" / "fake_amdsmi" / "hwcore_fake_amdsmi.py")
    monkeypatch.setitem(sys.modules, "amdsmi", fake.module("8xMI300X"))
    info = _resolved(hwcore_rocm.plugin, "rocm", {}).platform().info
    plan = plan_placement(info, 8, {})
    assert plan.total_resources == {"GPU": 8.0}
    assert (plan.visibility_variable, plan.visibility_set_by) == ("CUDA_VISIBLE_DEVICES", "ray")
    assert plan.noset_variables == (
        "RAY_EXPERIMENTAL_NOSET_HIP_VISIBLE_DEVICES",
        "RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES",
        "RAY_EXPERIMENTAL_NOSET_ROCR_VISIBLE_DEVICES",
    )
    assert plan.env_vars == (("HWCORE_PLATFORM", "rocm"),)
    # The platform's extra variable travels to the workers when the driver has it set.
    with_extra = plan_placement(info, 8, {"GPU_PINNED_MIN_XFER_SIZE": "4194304"})
    assert ("GPU_PINNED_MIN_XFER_SIZE", "4194304") in with_extra.env_vars


def test_a_max_1550_node_asks_ray_for_one_gpu_per_worker(tmp_path: Path) -> None:
    fake = _load("hwcore_fake_xpu", PLUGINS / "xpu" / "fake_pyzes" / "hwcore_fake_xpu.py")
    root = fake.write_sysfs(tmp_path / "max1550", fake.gpus("Max1550"))
    info = _resolved(hwcore_xpu.plugin, "xpu", {"HWCORE_SYSFS_ROOT": str(root)}).platform().info
    plan = plan_placement(info, info.device_count, {})
    assert dict(plan.resources_per_worker) == {"GPU": 1.0}
    assert (plan.visibility_variable, plan.visibility_set_by) == ("ZE_AFFINITY_MASK", "ray")
    assert plan.env_vars == (("HWCORE_PLATFORM", "xpu"),)


def test_a_v6e_8_host_asks_ray_for_one_tpu_per_worker(tmp_path: Path) -> None:
    fake = _load("hwcore_fake_tpu_host", PLUGINS / "tpu" / "fake_tpu_host.py")
    environ = fake.write_host(tmp_path / "v6e-8", "v6e-8")
    info = _resolved(hwcore_tpu.plugin, "tpu", environ).platform().info
    plan = plan_placement(info, 8, environ)
    assert plan.total_resources == {"TPU": 8.0}
    assert (plan.visibility_variable, plan.visibility_set_by) == ("TPU_VISIBLE_CHIPS", "ray")
    assert dict(plan.env_vars)["HWCORE_PLATFORM"] == "tpu"
    # The slice's bounds travel to every worker, as vLLM's additional_env_vars do.
    assert {"TPU_CHIPS_PER_HOST_BOUNDS", "TPU_HOST_BOUNDS"} <= set(dict(plan.env_vars))
