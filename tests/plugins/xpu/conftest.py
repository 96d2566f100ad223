"""Fixtures for hwcore-xpu: fake Intel GPU nodes as sysfs trees and as Level Zero Sysman."""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest

import hwcore_xpu.plugin
from hwcore.testing import IsolatedHost
from hwcore_xpu import torch_xpu

if TYPE_CHECKING:
    from hwcore.plugin_api import Platform

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
test_backends = _load("hwcore_xpu_test_backends",
                      Path(__file__).parent / "hwcore_xpu_test_backends.py")


@pytest.fixture
def fakes() -> ModuleType:
    """The fake node module: ``fakes.gpus("Max1550")``, ``fakes.MODELS``, ``fakes.GIB``."""
    return fake


@pytest.fixture
def sysfs_node(tmp_path: Path) -> Callable[..., str]:
    """``sysfs_node("2xA770")`` writes that node's PCI sysfs tree and returns its root."""

    trees = itertools.count()

    def build(spec: str, **options: Any) -> str:
        root = tmp_path / f"sys{next(trees)}"  # a test may build several nodes
        return str(fake.write_sysfs(root, fake.gpus(spec), **options))

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


@pytest.fixture
def xpu_host(sysfs_node: Callable[..., str]) -> Callable[..., IsolatedHost]:
    """``xpu_host("2xA770", ZE_AFFINITY_MASK="1")``: a host holding hwcore-xpu (and the
    stand-in vendor backends with ``backends=True``) over that node's sysfs tree, reading
    the given environment; a ``NODES`` name or ``""`` for a node without Intel GPUs."""

    def start(node: str, *, backends: bool = False, **environ: str) -> IsolatedHost:
        host = IsolatedHost(environ={"HWCORE_SYSFS_ROOT": sysfs_node(node), **environ})
        host.add_platform(hwcore_xpu.plugin, "xpu", distribution="hwcore-xpu", version="0.1.0")
        if backends:
            host.add_plugin(test_backends.VendorBackendsPlugin(), "xpu_kernels")
        return host

    return start


@pytest.fixture
def xpu_platform(xpu_host: Callable[..., IsolatedHost]) -> Callable[..., Platform]:
    """``xpu_platform("Max1550", backends=True)``: the resolved platform of ``xpu_host``."""

    def start(node: str, *, backends: bool = False, **environ: str) -> Platform:
        return xpu_host(node, backends=backends, **environ).platform()

    return start
