"""Fixtures for hwcore-xpu: fake Intel GPU nodes as sysfs trees and as Level Zero Sysman."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from hwcore_xpu import torch_xpu

FAKE_PYZES_DIR = Path(__file__).parent / "fake_pyzes"


def _load(name: str, path: Path) -> ModuleType:
    """Import a helper by path (pytest runs with --import-mode=importlib, and putting
    fake_pyzes/ on sys.path would shadow any real pyzes)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


fake = _load("hwcore_fake_xpu", FAKE_PYZES_DIR / "hwcore_fake_xpu.py")


@pytest.fixture
def fakes() -> ModuleType:
    """The fake node module: ``fakes.gpus("Max1550")``, ``fakes.MODELS``, ``fakes.GIB``."""
    return fake


@pytest.fixture
def sysfs_node(tmp_path: Path) -> Callable[..., Path]:
    """``sysfs_node("2xA770")`` writes that node's PCI sysfs tree and returns its root."""

    def build(spec: str, **options: Any) -> Path:
        return fake.write_sysfs(tmp_path / "sys", fake.gpus(spec), **options)  # type: ignore[no-any-return]

    return build


@pytest.fixture
def pyzes_node(monkeypatch: pytest.MonkeyPatch) -> Callable[..., ModuleType]:
    """``pyzes_node("Max1550")`` makes ``import pyzes`` return a Sysman for that node."""

    def install(spec: str, init_result: int = 0) -> ModuleType:
        module: ModuleType = fake.fake_pyzes(fake.gpus(spec), init_result)
        monkeypatch.setitem(sys.modules, "pyzes", module)
        return module

    return install


@pytest.fixture
def fake_pyzes_env() -> Callable[[str], dict[str, str]]:
    """The environment of a subprocess whose ``pyzes`` is the fake node ``node``."""

    def build(node: str) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(FAKE_PYZES_DIR), env.get("PYTHONPATH")) if p
        )
        env["HWCORE_FAKE_PYZES"] = node
        return env

    return build


@pytest.fixture
def imported_torch(monkeypatch: pytest.MonkeyPatch) -> Callable[..., SimpleNamespace]:
    """``imported_torch(devices=2, initialised=True)`` makes the torch seam see an XPU build
    of torch with that many Max 1550 tiles, as if the engine had imported it."""

    def install(devices: int = 2, initialised: bool = True) -> SimpleNamespace:
        properties = SimpleNamespace(
            name="Intel(R) Data Center GPU Max 1550", total_memory=64 * fake.GIB,
            is_integrated_gpu=False, driver_version="1.6.32224", max_compute_units=512,
        )
        xpu = SimpleNamespace(
            device_count=lambda: devices,
            is_initialized=lambda: initialised,
            is_available=lambda: devices > 0,
            get_device_properties=lambda index: properties,
            mem_get_info=lambda index: (60 * fake.GIB, 64 * fake.GIB),
        )
        torch = SimpleNamespace(__version__="2.13.0+xpu", xpu=xpu)
        monkeypatch.setattr(torch_xpu, "imported_torch", lambda: torch)
        return torch

    return install


@pytest.fixture(autouse=True)
def no_vendor_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts without pyzes and without an imported torch, whatever this
    process has imported before: the real pyzes cannot load here, and the real torch
    (imported by other tests) is a CPU build."""
    monkeypatch.setitem(sys.modules, "pyzes", None)  # ``import pyzes`` -> ModuleNotFoundError
    monkeypatch.setattr(torch_xpu, "imported_torch", lambda: None)
    for name in ("ZE_AFFINITY_MASK", "ZE_FLAT_DEVICE_HIERARCHY", "ONEAPI_DEVICE_SELECTOR",
                 "ZE_ENABLE_PCI_ID_DEVICE_ORDER", "HWCORE_SYSFS_ROOT"):
        monkeypatch.delenv(name, raising=False)
