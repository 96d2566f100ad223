"""The README's example runs, against the plugins installed in the test environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_the_readme_example_runs_on_the_host_cpu():
    example = re.search(r"```python\n(.*?)```", README, re.S)
    assert example is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWCORE_")}
    env["HWCORE_PLATFORM"] = "cpu"
    process = subprocess.run(
        [sys.executable, "-c", example[1]], capture_output=True, text=True, env=env, timeout=120
    )
    assert process.returncode == 0, process.stderr
    first, device, *adjustments = process.stdout.splitlines()
    assert first == "cpu gloo hwcore.attention.torch_sdpa.TorchSDPABackend"
    assert device.startswith("0 ")
    assert any(line.startswith("cache.block_size: None -> 128") for line in adjustments)


def test_the_readme_example_and_the_facade_give_identical_adjustments():
    code = (
        "import hwcore\n"
        "from hwcore.records import EngineConfig\n"
        "pm = hwcore.get_plugin_manager()\n"
        "hook = pm.hook.check_and_update_config(config=EngineConfig())\n"
        "facade = hwcore.current_platform().check_and_update_config(EngineConfig())\n"
        "assert hook == facade, (hook, facade)\n"
        "assert hook.adjustments and hook.config != EngineConfig()\n"
        "print(len(hook.adjustments))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWCORE_")}
    env["HWCORE_PLATFORM"] = "cpu"
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert process.returncode == 0, process.stderr
    assert int(process.stdout) >= 1
