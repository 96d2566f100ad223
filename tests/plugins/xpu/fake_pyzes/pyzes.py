"""Test-only stand-in for Intel's ``pyzes``, for subprocesses and the CLI.

Put this directory first on ``PYTHONPATH``: ``import pyzes`` then gets Level Zero Sysman
answers for the fake node named by ``HWCORE_FAKE_PYZES`` (see ``hwcore_fake_xpu.gpus``;
default ``"Max1550"``). ``HWCORE_FAKE_PYZES=missing-loader`` raises what the real module
raises on import where Level Zero is not installed. Product code has no switch for this.
"""

from __future__ import annotations

import os

import hwcore_fake_xpu

_NODE = os.environ.get("HWCORE_FAKE_PYZES", "Max1550")
if _NODE == "missing-loader":
    raise OSError("libze_loader.so.1: cannot open shared object file: No such file or directory")

globals().update(
    {k: v for k, v in vars(hwcore_fake_xpu.fake_pyzes(hwcore_fake_xpu.gpus(_NODE))).items()
     if not k.startswith("__")}
)
