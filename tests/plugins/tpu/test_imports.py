"""In a fresh interpreter: importing the plugin and detecting loads no torch, JAX, libtpu or
tpu-inference, and no socket connection is attempted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

HostFactory = Callable[..., dict[str, str]]

SCRIPT = """
import json, socket, sys

def refuse(*args, **kwargs):
    raise OSError("network refused")

socket.socket.connect = refuse
socket.create_connection = refuse
environ = json.loads(sys.argv[1])
import hwcore_tpu.plugin as plugin
info = plugin.detect_platform(environ=environ)
heavy = ("torch", "jax", "libtpu", "tpu_inference")
print(json.dumps([info.device_count, sorted(n for n in heavy if n in sys.modules)]))
"""


def test_detection_imports_nothing_heavy(host: HostFactory, tmp_path: Path) -> None:
    guarded = tmp_path / "guarded"
    for package in ("jax", "libtpu", "tpu_inference"):
        (guarded / package).mkdir(parents=True)
        (guarded / package / "__init__.py").write_text("raise AssertionError('imported')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(guarded), *sys.path])}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(host("v6e-8"))],
        capture_output=True, text=True, check=False, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [8, []]
