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
    first, *adjustments = process.stdout.splitlines()
    assert first == "cpu gloo hwcore.attention.torch_sdpa.TorchSDPABackend"
    assert any(line.startswith("cache.block_size: None -> 128") for line in adjustments)
