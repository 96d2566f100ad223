"""hwcore-rocm from its built wheel, beside hwcore-cuda and hwcore-cpu, in a fresh venv.

The venv has the real amdsmi from the package index, which cannot load ``libamd_smi.so``
here: it prints to stdout and raises ``KeyError`` on import, as on any machine without
ROCm. The fake amdsmi package (``tests/plugins/rocm/fake_amdsmi``), first on ``PYTHONPATH``,
stands in for an AMD node; it prints on import too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.dist

ROOT = Path(__file__).parents[2]
FAKE_AMDSMI = str(ROOT / "tests" / "plugins" / "rocm" / "fake_amdsmi")
FAKE_NVML = str(ROOT / "tests" / "plugins" / "cuda" / "fake_nvml")
MI300X = {"PYTHONPATH": FAKE_AMDSMI, "HWCORE_FAKE_AMDSMI": "8xMI300X"}


def test_fake_mi300x_node_activates_rocm(installed):
    process = installed.hwcore("info", "--json", env=MI300X)
    info = json.loads(process.stdout)  # the whole of stdout is the document
    platform = info["platform"]
    assert (platform["name"], platform["provider"]) == ("rocm", "hwcore-rocm 0.1.0")
    assert len(info["devices"]) == 8
    assert {d["architecture"] for d in info["devices"]} == {"gfx942"}
    assert {d["capability"] for d in info["devices"]} == {"9.4"}
    assert (platform["fp8_fnuz"], platform["fp8_dtype"]) == (True, "float8_e4m3fnuz")
    assert (platform["fully_connected"], platform["custom_allreduce"]) == (True, True)
    no_torch = installed.run(
        "-c", "import sys, contextlib, io\n"
        "import hwcore.cli.main as m\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    m.main(['info', '--json'])\n"
        "print('torch' in sys.modules)", env=MI300X,
    )
    assert no_torch.stdout == "False\n"


def test_hip_and_cuda_visible_devices_that_disagree_fail_naming_both(installed):
    env = {**MI300X, "HIP_VISIBLE_DEVICES": "0,1", "CUDA_VISIBLE_DEVICES": "2"}
    process = installed.hwcore("info", "--json", env=env, check=False)
    assert process.returncode == 1
    message = json.loads(process.stdout)["error"]["message"]
    assert "HIP_VISIBLE_DEVICES='0,1' and CUDA_VISIBLE_DEVICES='2' disagree" in message
    assert "Traceback" not in process.stderr


def test_an_nvidia_and_an_amd_node_at_once_name_both_distributions(installed):
    env = {"PYTHONPATH": os.pathsep.join((FAKE_NVML, FAKE_AMDSMI)),
           "HWCORE_FAKE_NVML": "8xH100", "HWCORE_FAKE_AMDSMI": "8xMI300X"}
    process = installed.hwcore("info", env=env, check=False)
    assert process.returncode == 1
    assert "hwcore-cuda 0.1.0" in process.stderr and "hwcore-rocm 0.1.0" in process.stderr
    assert "HWCORE_PLATFORM=" in process.stderr
    chosen = installed.hwcore_json("info", env={**env, "HWCORE_PLATFORM": "rocm"})
    assert chosen["platform"]["name"] == "rocm"


def test_without_amd_hardware_rocm_is_absent_and_explain_says_why(installed):
    explain = installed.hwcore("explain", "--json")  # stdout must stay clean: json.loads
    detections = json.loads(explain.stdout)["detection"]["detections"]
    [rocm] = [d for d in detections if d["plugin"] == "rocm"]
    assert rocm["present"] is False
    assert rocm["reason"].startswith("amdsmi cannot load libamd_smi.so (KeyError: 'libamd_smi.so'")
    assert "no KFD topology at /sys/class/kfd/kfd/topology/nodes" in rocm["reason"]
    assert installed.hwcore_json("info")["platform"]["name"] == "cpu"
