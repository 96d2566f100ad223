"""``hwcore info`` and ``hwcore explain`` in a subprocess over fake sysfs trees.

This is the installed entry point at work (hwcore-xpu beside hwcore-cpu, which must step
aside as the fallback, and hwcore-cuda, absent here), not an in-process host.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

GIB = 1 << 30
CLI_WITHOUT_TORCH = (
    "import sys\n"
    "from hwcore.cli.main import main\n"
    "code = main(sys.argv[1:])\n"
    "assert 'torch' not in sys.modules, 'the CLI imported torch'\n"
    "sys.exit(code)\n"
)


def hwcore(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZE_", "ONEAPI_"))}
    return subprocess.run(
        [sys.executable, "-c", CLI_WITHOUT_TORCH, *args], capture_output=True, text=True,
        check=False, env={**env, **environ}, timeout=120,
    )


def test_info_reports_a_max_1550_node(sysfs_node: Callable[..., str]) -> None:
    result = hwcore("info", "--json", HWCORE_SYSFS_ROOT=sysfs_node("Max1550"))
    assert result.returncode == 0, result.stderr
    payload: dict[str, Any] = json.loads(result.stdout)
    assert payload["platform"]["name"] == "xpu"
    assert payload["platform"]["provider"] == "hwcore-xpu 0.1.0"
    devices = payload["devices"]
    assert [(d["index"], d["physical_index"]) for d in devices] == [(0, 0), (1, 1)]
    assert {d["name"] for d in devices} == {"Intel(R) Data Center GPU Max 1550"}
    assert {d["total_memory"] for d in devices} == {64 * GIB}
    assert {d["details"]["class"] for d in devices} == {"data-center"}
    assert payload["warnings"] == []


def test_info_with_one_tile_and_with_a_malformed_mask(sysfs_node: Callable[..., str]) -> None:
    root = sysfs_node("Max1550")
    one = json.loads(hwcore("info", "--json", HWCORE_SYSFS_ROOT=root,
                            ZE_AFFINITY_MASK="1").stdout)
    assert [d["details"]["tiles"] for d in one["devices"]] == ["1 of 2 (card.tile 0.1)"]
    bad = hwcore("info", HWCORE_SYSFS_ROOT=root, ZE_AFFINITY_MASK="0,x")
    assert bad.returncode == 1
    assert "ZE_AFFINITY_MASK='0,x': entry 'x' is not a device index" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_explain_says_why_xpu_is_absent(sysfs_node: Callable[..., str]) -> None:
    root = sysfs_node("old-desktop")
    result = hwcore("explain", "--json", HWCORE_SYSFS_ROOT=root)
    report = json.loads(result.stdout)["detection"]
    (xpu,) = [d for d in report["detections"] if d["plugin"] == "xpu"]
    assert xpu["present"] is False
    assert xpu["reason"].startswith("no Intel GPU that torch.xpu runs on: ")
    assert "(Xe-LP): not a PyTorch XPU target" in xpu["reason"]
