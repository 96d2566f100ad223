"""``hwcore info --json`` in a subprocess whose ``pynvml`` is a fake 8xH100 node.

This is the installed entry point at work (hwcore-cuda, and hwcore-cpu when installed,
which must step aside as the fallback), not an in-process host.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

INFO_WITHOUT_TORCH = (
    "import sys\n"
    "from hwcore.cli.main import main\n"
    "code = main(['info', '--json'])\n"
    "assert 'torch' not in sys.modules, 'hwcore info imported torch'\n"
    "sys.exit(code)\n"
)


def run_info(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", INFO_WITHOUT_TORCH], capture_output=True, text=True,
        check=False, env=env, timeout=120,
    )


def test_info_reports_eight_h100(fake_nvml_env: Callable[[str], dict[str, str]]) -> None:
    result = run_info(fake_nvml_env("8xH100"))
    assert result.returncode == 0, result.stderr
    payload: dict[str, Any] = json.loads(result.stdout)
    assert payload["platform"]["name"] == "cuda"
    assert payload["platform"]["provider"] == "hwcore-cuda 0.1.0"
    assert payload["platform"]["evidence"] == [
        "NVML reports 8 GPUs: 8x NVIDIA H100 80GB HBM3 (driver 580.82.07)"
    ]
    devices = payload["devices"]
    assert [d["physical_index"] for d in devices] == list(range(8))
    assert {d["name"] for d in devices} == {"NVIDIA H100 80GB HBM3"}
    assert {d["capability"] for d in devices} == {"9.0"}
    assert {d["total_memory"] for d in devices} == {81559 << 20}
    assert payload["supported_dtypes"] == ["bfloat16", "float16", "float32"]
    assert payload["supports_fp8"] is True
    assert payload["warnings"] == []


def test_info_honours_cuda_visible_devices(
    fake_nvml_env: Callable[[str], dict[str, str]],
) -> None:
    env = {**fake_nvml_env("8xH100"), "CUDA_VISIBLE_DEVICES": "3,1"}
    result = run_info(env)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["platform"]["name"] == "cuda"
    assert [(d["index"], d["physical_index"]) for d in payload["devices"]] == [(0, 3), (1, 1)]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0,x", "VisibleDevicesError: CUDA_VISIBLE_DEVICES='0,x': entry 'x' is neither a GPU "
                "index, a 'GPU-<uuid>' nor a 'MIG-<uuid>'; set CUDA_VISIBLE_DEVICES to "
                "comma-separated GPU indices such as CUDA_VISIBLE_DEVICES=0,1, or to UUIDs "
                "from `nvidia-smi -L`"),
        ("2,2", "VisibleDevicesError: CUDA_VISIBLE_DEVICES='2,2': GPU 2 is listed twice "
                "(entries '2' and '2'); list each GPU once"),
        ("8", "VisibleDevicesError: CUDA_VISIBLE_DEVICES='8': entry '8' is not a GPU on this "
              "node, which has 8 GPUs (indices 0-7); set CUDA_VISIBLE_DEVICES to "
              "comma-separated GPU indices such as CUDA_VISIBLE_DEVICES=0,1, or to UUIDs from "
              "`nvidia-smi -L`"),
    ],
)
def test_info_fails_clearly_on_a_malformed_value(
    fake_nvml_env: Callable[[str], dict[str, str]], value: str, message: str,
) -> None:
    result = run_info({**fake_nvml_env("8xH100"), "CUDA_VISIBLE_DEVICES": value})
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"]["message"] == message
    assert f"hwcore: error: {message}\n" in result.stderr


def test_nvml_missing_leaves_cuda_absent_with_its_reason(
    fake_nvml_env: Callable[[str], dict[str, str]],
) -> None:
    script = (
        "import hwcore, json\n"
        "from hwcore.host import get_host\n"
        "report = get_host().inspect()\n"
        "print(json.dumps([d.to_dict() for d in report.detections if d.plugin == 'cuda']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False,
        env=fake_nvml_env("missing"), timeout=120,
    )
    assert result.returncode == 0, result.stderr
    [cuda] = json.loads(result.stdout)
    assert cuda["present"] is False
    assert cuda["reason"] == (
        "NVML library not found (NVML Shared Library Not Found); no Tegra release file "
        "(/etc/nv_tegra_release) or /sys/class/tegra-firmware"
    )


def test_gpu_check_exits_cleanly_without_a_gpu() -> None:
    script = Path(__file__).parents[3] / "benchmarks" / "gpu_check.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUDA_")}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False,
        env=env, timeout=120,
    )
    if "no NVIDIA GPU" not in result.stdout:
        pytest.skip("this machine has an NVIDIA GPU: run benchmarks/gpu_check.py itself")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("no NVIDIA GPU: ")
    assert result.stdout.endswith("; nothing to check\n")
