"""Fixtures for hwcore-tpu: fake TPU hosts on disk, and no network for any test here.

Detection must never reach the GCE metadata server (tpu-inference and Ray do, without a
timeout), so every test in this folder runs with socket connections refused.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HERE = Path(__file__).parent


def _load(name: str, path: Path) -> ModuleType:
    """Import a helper by path (pytest runs with --import-mode=importlib)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


fake = _load("hwcore_fake_tpu_host", HERE / "fake_tpu_host.py")


REFUSED = "hwcore-tpu tests refuse network connections"


class NetworkRefused(OSError):
    """Raised by every socket connection attempt in these tests."""


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise NetworkRefused(REFUSED)

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def fakes() -> ModuleType:
    """The fake-host module: ``fakes.write_host(root, "v6e-8")``, ``fakes.write_chips`` ..."""
    return fake


@pytest.fixture
def host(tmp_path: Path) -> Callable[..., dict[str, str]]:
    """``host("v6e-8", **extra_env)``: a fake host under tmp_path and its environment;
    ``host(None)`` is an empty sysfs and /dev."""

    def build(name: str | None, **extra: str) -> dict[str, str]:
        root = tmp_path / (name or "empty")
        env = fake.roots(root) if name is None else fake.write_host(root, name)
        return {**env, **extra}

    return build


@pytest.fixture
def fake_libtpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable but empty ``libtpu`` package first on sys.path, as ``pip install
    libtpu`` leaves on any machine; returns its __init__.py."""
    site = tmp_path / "site"
    (site / "libtpu").mkdir(parents=True)
    init = site / "libtpu" / "__init__.py"
    init.write_text("raise AssertionError('hwcore-tpu must never import libtpu')\n")
    monkeypatch.syspath_prepend(str(site))
    return init
