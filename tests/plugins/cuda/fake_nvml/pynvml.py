"""Test-only stand-in for nvidia-ml-py's ``pynvml``, for subprocesses and the CLI.

Put this directory first on ``PYTHONPATH``: it loads the real ``pynvml`` (so the
``NVMLError`` classes and constants are the genuine ones), then replaces the device
functions with the fake node named by ``HWCORE_FAKE_NVML`` (default ``"8xH100"``; see
``hwcore_fake_nvml.node``). Product code has no switch for this: it imports ``pynvml`` as
usual and gets this module.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load_real_pynvml() -> object:
    elsewhere = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
    spec = importlib.machinery.PathFinder.find_spec("pynvml", elsewhere)
    if spec is None or spec.loader is None:
        raise ImportError("the fake pynvml needs nvidia-ml-py installed next to it")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


globals().update(
    {k: v for k, v in vars(_load_real_pynvml()).items() if not k.startswith("__")}
)

import hwcore_fake_nvml  # noqa: E402  (the real module's names must be in place first)

FAKE_NODE = hwcore_fake_nvml.node(os.environ.get("HWCORE_FAKE_NVML", "8xH100"))
FAKE_NODE.install(sys.modules[__name__], setattr)
