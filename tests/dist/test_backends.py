"""The built backend wheels doing their real jobs in a fresh virtual environment."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.dist

ROOT = Path(__file__).parents[2]
FAKE_NVML = str(ROOT / "tests" / "plugins" / "cuda" / "fake_nvml")


def test_hwcore_check_passes_on_the_host_cpu(installed):
    report = installed.hwcore_json("check")
    assert report["ok"] is True, report
    process = installed.hwcore("check")
    assert "7 of 7 steps passed" in process.stdout


def test_fake_nvml_node_activates_cuda_and_cpu_steps_aside(installed):
    env = {"PYTHONPATH": FAKE_NVML, "HWCORE_FAKE_NVML": "8xH100"}
    info = installed.hwcore_json("info", env=env)
    assert info["platform"]["name"] == "cuda"
    assert len(info["devices"]) == 8
    assert {d["capability"] for d in info["devices"]} == {"9.0"}
    assert all(d["name"].startswith("NVIDIA H100") and d["total_memory"] > 0 for d in info["devices"])
    no_torch = installed.run(
        "-c", "import sys, runpy; sys.argv = ['hwcore', 'info', '--json'];"
        "import hwcore.cli.main as m; m.main(); print('torch' in sys.modules)", env=env,
    )
    assert no_torch.stdout.strip().splitlines()[-1] == "False"


def test_cuda_visible_devices_maps_to_physical_devices(installed):
    env = {"PYTHONPATH": FAKE_NVML, "HWCORE_FAKE_NVML": "8xH100", "CUDA_VISIBLE_DEVICES": "3,1"}
    devices = installed.hwcore_json("info", env=env)["devices"]
    assert [(d["index"], d["physical_index"]) for d in devices] == [(0, 3), (1, 1)]
    bad = installed.hwcore("info", env={**env, "CUDA_VISIBLE_DEVICES": "3,3"}, check=False)
    assert bad.returncode == 1
    assert "CUDA_VISIBLE_DEVICES" in bad.stderr and "Traceback" not in bad.stderr


def test_the_tutorial_plugin_is_a_working_accelerator(installed, simulated):
    info = installed.hwcore_json("info", env=simulated)
    assert info["platform"]["name"] == "simulated"
    assert len(info["devices"]) == 2
    absent = installed.hwcore_json("explain")["detection"]
    reason = next(d["reason"] for d in absent["detections"] if d["plugin"] == "simulated")
    assert "HWCORE_SIMULATED_DEVICES" in reason
    check = installed.hwcore_json("check", env=simulated)
    assert check["ok"] is True, check


def test_the_tutorial_plugin_passes_its_own_conformance_suite(installed, simulated):
    tests = ROOT / "docs" / "tutorial" / "hwcore-simulated" / "tests"
    process = installed.run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests),
                            check=False)
    assert process.returncode == 0, process.stdout + process.stderr
    assert "passed" in process.stdout.splitlines()[-1]
