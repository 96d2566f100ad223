"""``hwcore info`` and ``hwcore explain`` in subprocesses whose ``amdsmi`` is the fake package.

This is the installed entry point at work (hwcore-rocm beside hwcore-cuda and hwcore-cpu),
not an in-process host. The fake package prints on import, as the real one does when it
fails, so every JSON check here is also a check that stdout holds only the document.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RUN_WITHOUT_TORCH = (
    "import sys\n"
    "from hwcore.cli.main import main\n"
    "code = main(sys.argv[1:])\n"
    "assert 'torch' not in sys.modules, 'the command imported torch'\n"
    "sys.exit(code)\n"
)


def hwcore(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT_TORCH, *args], capture_output=True, text=True,
        check=False, env=env, timeout=120,
    )


@pytest.fixture
def node_env(
    fake_amdsmi_env: Callable[[str], dict[str, str]], empty_roots: tuple[Path, Path]
) -> Callable[..., dict[str, str]]:
    """The environment of a subprocess on the fake node ``node``, with nothing AMD in its
    sysfs, and ``extra`` variables."""

    def build(node: str, **extra: str) -> dict[str, str]:
        sysfs, dev = empty_roots
        return {**fake_amdsmi_env(node), "HWCORE_SYSFS_ROOT": str(sysfs),
                "HWCORE_DEV_ROOT": str(dev), **extra}

    return build


def test_info_reports_eight_mi300x(node_env: Callable[..., dict[str, str]]) -> None:
    result = hwcore(node_env("8xMI300X"), "info", "--json")
    assert result.returncode == 0, result.stderr
    payload: dict[str, Any] = json.loads(result.stdout)  # stdout is the document alone
    platform = payload["platform"]
    assert (platform["name"], platform["provider"], platform["device_count"]) == (
        "rocm", "hwcore-rocm 0.1.0", 8)
    assert (platform["supports_fp8"], platform["fp8_fnuz"], platform["fp8_dtype"]) == (
        True, True, "float8_e4m3fnuz")
    assert (platform["fully_connected"], platform["custom_allreduce"]) == (True, True)
    assert platform["details"]["detected with"] == "amdsmi"
    devices = payload["devices"]
    assert [d["physical_index"] for d in devices] == list(range(8))
    assert {d["architecture"] for d in devices} == {"gfx942"}
    assert {d["capability"] for d in devices} == {"9.4"}
    assert {d["name"] for d in devices} == {"AMD Instinct MI300X"}
    assert payload["warnings"] == []


def test_info_in_words(node_env: Callable[..., dict[str, str]]) -> None:
    result = hwcore(node_env("2xMI355X"), "info")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Platform: rocm (hwcore-rocm 0.1.0)\n")
    assert "  [1] AMD Instinct MI355X, " in result.stdout
    assert "capability 9.5, gfx950" in result.stdout


def test_hip_and_cuda_that_disagree_fail_naming_both(
    node_env: Callable[..., dict[str, str]],
) -> None:
    env = node_env("8xMI300X", HIP_VISIBLE_DEVICES="0,1", CUDA_VISIBLE_DEVICES="2")
    result = hwcore(env, "info", "--json")
    assert result.returncode == 1
    message = json.loads(result.stdout)["error"]["message"]
    assert "HIP_VISIBLE_DEVICES='0,1' and CUDA_VISIBLE_DEVICES='2' disagree" in message
    assert "Traceback" not in result.stderr


def test_hip_visible_devices_orders_the_devices(node_env: Callable[..., dict[str, str]]) -> None:
    result = hwcore(node_env("8xMI300X", HIP_VISIBLE_DEVICES="5,2"), "info", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert [(d["index"], d["physical_index"]) for d in payload["devices"]] == [(0, 5), (1, 2)]
    assert payload["warnings"][0].startswith(
        "HIP_VISIBLE_DEVICES='5,2' is set and CUDA_VISIBLE_DEVICES is not;")


@pytest.mark.parametrize("node", ["missing", "version-mismatch"])
def test_a_broken_amdsmi_leaves_rocm_absent_and_explain_says_why(
    node_env: Callable[..., dict[str, str]], node: str
) -> None:
    result = hwcore(node_env(node), "explain", "--json")
    assert result.returncode == 0, result.stderr
    detections = json.loads(result.stdout)["detection"]["detections"]
    [rocm] = [d for d in detections if d["plugin"] == "rocm"]
    assert rocm["present"] is False
    expected = {"missing": "amdsmi cannot load libamd_smi.so (KeyError: 'libamd_smi.so';",
                "version-mismatch": "the amdsmi wrapper does not match the installed ROCm"}
    assert rocm["reason"].startswith(expected[node])
    assert "no KFD topology at " in rocm["reason"]


def test_gpu_check_exits_cleanly_without_an_amd_gpu(
    node_env: Callable[..., dict[str, str]],
) -> None:
    script = Path(__file__).parents[3] / "benchmarks" / "rocm_check.py"
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False,
        env=node_env("missing"), timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("no AMD GPU: amdsmi cannot load libamd_smi.so")
    assert result.stdout.endswith("; nothing to check\n")
