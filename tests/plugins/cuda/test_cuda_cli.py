"""``hwcore info`` on CUDA: in a subprocess whose ``pynvml`` is a fake node (the installed
entry points at work: hwcore-cuda, and hwcore-cpu stepping aside as the fallback), and in
process for what a subprocess cannot fake (a Jetson's filesystem).
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

import hwcore
from hwcore.cli.main import main
from hwcore_cuda import plugin

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
    assert [d["index"] for d in devices] == list(range(8))
    assert [d["physical_index"] for d in devices] == list(range(8))
    assert {d["name"] for d in devices} == {"NVIDIA H100 80GB HBM3"}
    assert {d["capability"] for d in devices} == {"9.0"}
    assert {d["total_memory"] for d in devices} == {81559 << 20}
    assert {d["integrated"] for d in devices} == {False}
    assert all(d["uuid"].startswith("GPU-") for d in devices)
    assert len({d["uuid"] for d in devices}) == 8
    facts = payload["platform"]
    assert facts["device_count"] == 8
    assert facts["supported_dtypes"] == ["bfloat16", "float16", "float32"]
    assert (facts["supports_fp8"], facts["supports_mx"], facts["fp8_dtype"]) == (
        True, False, "float8_e4m3fn"
    )
    assert (facts["fully_connected"], facts["custom_allreduce"]) == (True, True)
    assert facts["unusable_reason"] is None
    assert facts["details"] == {"detected with": "nvml", "physical GPUs": "8",
                                "driver version": "580.82.07", "CUDA driver": "12.8"}
    assert payload["warnings"] == []


def test_info_honours_cuda_visible_devices(
    fake_nvml_env: Callable[[str], dict[str, str]],
) -> None:
    env = {**fake_nvml_env("8xH100"), "CUDA_VISIBLE_DEVICES": "3,1"}
    result = run_info(env)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["platform"]["name"] == "cuda"
    assert payload["platform"]["evidence"][1] == (
        "CUDA_VISIBLE_DEVICES='3,1' selects physical GPU(s) 3, 1"
    )
    assert [(d["index"], d["physical_index"]) for d in payload["devices"]] == [(0, 3), (1, 1)]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0,x", "entry 'x' is neither a GPU index, a 'GPU-<uuid>' nor a 'MIG-<uuid>'; set "
                "CUDA_VISIBLE_DEVICES to comma-separated GPU indices such as "
                "CUDA_VISIBLE_DEVICES=0,1, or to UUIDs from `nvidia-smi -L`"),
        ("2,2", "GPU 2 is listed twice (entries '2' and '2'); list each GPU once"),
        ("8", "entry '8' is not a GPU on this node, which has 8 GPUs (indices 0-7); set "
              "CUDA_VISIBLE_DEVICES to comma-separated GPU indices such as "
              "CUDA_VISIBLE_DEVICES=0,1, or to UUIDs from `nvidia-smi -L`"),
    ],
)
def test_info_fails_clearly_on_a_malformed_value(
    fake_nvml_env: Callable[[str], dict[str, str]], value: str, problem: str,
) -> None:
    # hwcore-cpu is installed too: the error must win over falling back to it.
    result = run_info({**fake_nvml_env("8xH100"), "CUDA_VISIBLE_DEVICES": value})
    message = (
        "platform 'cuda' from hwcore-cuda 0.1.0 was chosen (cuda: the only accelerator "
        "detected (NVML reports 8 GPUs: 8x NVIDIA H100 80GB HBM3 (driver 580.82.07); "
        "CUDA_VISIBLE_DEVICES cannot be used)), but it cannot be used: "
        f"CUDA_VISIBLE_DEVICES={value!r}: {problem}"
    )
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"] == {
        "type": "UnusablePlatformError", "message": message
    }
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


# ------------------------------------------------------------------------ in process


def test_info_on_a_jetson_reports_its_uuid_as_unknown(
    cuda_platform: Callable[..., hwcore.Platform], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "jetson"
    (root / "etc").mkdir(parents=True)
    (root / "etc/nv_tegra_release").write_text("# R36 (release), REVISION: 3.0\n")
    (root / "proc/device-tree").mkdir(parents=True)
    (root / "proc/device-tree/model").write_text("NVIDIA Jetson AGX Orin Developer Kit\x00")
    (root / "proc/meminfo").write_text("MemTotal:       64335836 kB\n")
    monkeypatch.setattr(plugin, "TEGRA_ROOT", root)
    platform = cuda_platform("missing", environ={})
    # Unknown is an answer (None), not a missing implementation.
    assert platform.get_device_uuid(0) is None
    capsys.readouterr()
    assert main(["info"]) == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    lines = printed.out.splitlines()
    assert lines[0] == "Platform: cuda (hwcore-cuda 0.1.0)"
    assert lines[-2:] == [
        "Devices (1):",
        "  [0] NVIDIA Jetson AGX Orin Developer Kit, 61.4 GiB, capability 8.7, uuid unknown",
    ]
    assert main(["info", "--json"]) == 0
    [device] = json.loads(capsys.readouterr().out)["devices"]
    assert (device["uuid"], device["integrated"]) == (None, True)


def test_info_prints_the_visible_devices_and_the_mixed_node_warning(
    cuda_platform: Callable[..., hwcore.Platform], capsys: pytest.CaptureFixture[str],
) -> None:
    platform = cuda_platform("A100+H100", environ={"CUDA_VISIBLE_DEVICES": "1,0"})
    uuids = [device.uuid for device in platform.devices()]
    capsys.readouterr()
    assert main(["info"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-3:] == [
        f"  [0] (physical 1) NVIDIA H100 80GB HBM3, 79.6 GiB, capability 9.0, uuid {uuids[0]}",
        f"  [1] (physical 0) NVIDIA A100-SXM4-80GB, 80.0 GiB, capability 8.0, uuid {uuids[1]}",
        "warning: this node mixes GPU models (NVIDIA A100-SXM4-80GB, NVIDIA H100 80GB HBM3) "
        "and CUDA_DEVICE_ORDER is not PCI_BUS_ID, so CUDA may number the GPUs differently "
        "from NVML; set CUDA_DEVICE_ORDER=PCI_BUS_ID before starting the engine",
    ]
    assert "  links             every visible pair directly linked; custom all-reduce yes" in (
        lines
    )
