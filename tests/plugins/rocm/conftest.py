"""Fixtures for hwcore-rocm: fake amdsmi nodes, broken amdsmi installs, KFD trees."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType

import pytest

import hwcore_rocm.plugin
from hwcore.plugin_api import Platform
from hwcore.testing import IsolatedHost

FAKE_AMDSMI_DIR = Path(__file__).parent / "fake_amdsmi"
VISIBILITY_VARIABLES = ("HIP_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES")


def _load(name: str, path: Path) -> ModuleType:
    """Import a helper by path (pytest runs with --import-mode=importlib, and putting
    fake_amdsmi/ on sys.path would make its ``amdsmi`` package importable everywhere)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


fake = _load("hwcore_fake_amdsmi", FAKE_AMDSMI_DIR / "hwcore_fake_amdsmi.py")
fake_kfd = _load("hwcore_fake_kfd", FAKE_AMDSMI_DIR / "hwcore_fake_kfd.py")
test_backends = _load(
    "hwcore_rocm_test_backends", Path(__file__).parent / "hwcore_rocm_test_backends.py"
)


class _BrokenAmdsmi(importlib.abc.MetaPathFinder):
    """Makes ``import amdsmi`` behave like a real broken install (prints, then raises)."""

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name == "amdsmi":
            fake.fail_import(self.spec)
        return None


@pytest.fixture(autouse=True)
def no_amdsmi(monkeypatch: pytest.MonkeyPatch) -> None:
    """By default ``import amdsmi`` fails as when it is not installed, whatever this
    machine has; no visibility variables and no AITER switches are set."""
    monkeypatch.setitem(sys.modules, "amdsmi", None)  # type: ignore[arg-type]
    for name in list(os.environ):
        if name in VISIBILITY_VARIABLES or name.startswith(("HWCORE_ROCM_", "VLLM_ROCM_")):
            monkeypatch.delenv(name)


@pytest.fixture
def fakes() -> ModuleType:
    """The fake amdsmi helpers: ``fakes.node("8xMI300X")``, ``fakes.FakeAmdSmi``, ``fakes.MODELS``."""
    return fake


@pytest.fixture
def fake_amdsmi(monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """``fake_amdsmi("8xMI300X")`` (or a ``FakeAmdSmi``) makes ``import amdsmi`` serve that
    node; returns the node."""

    def install(node: object) -> object:
        module = fake.module(node)
        monkeypatch.setitem(sys.modules, "amdsmi", module)
        return module.fake_node

    return install


@pytest.fixture
def broken_amdsmi(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """``broken_amdsmi("missing")`` or ``("version-mismatch")``: the real import failures."""

    def install(spec: str) -> None:
        monkeypatch.delitem(sys.modules, "amdsmi", raising=False)
        monkeypatch.setattr(sys, "meta_path", [_BrokenAmdsmi(spec), *sys.meta_path])

    return install


@pytest.fixture
def kfd_tree(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    """``kfd_tree(["MI300X"] * 8, xgmi=None, with_dev=True) -> (sysfs, dev)``."""

    trees: list[Path] = []

    def write(models: list[str], **options: object) -> tuple[Path, Path]:
        trees.append(tmp_path / f"kfd-node-{len(trees)}")
        return fake_kfd.write_tree(trees[-1], models, **options)  # type: ignore[no-any-return]

    return write


@pytest.fixture
def empty_roots(tmp_path: Path) -> tuple[Path, Path]:
    """A sysfs and a /dev root with nothing AMD in them."""
    sysfs, dev = tmp_path / "empty-sys", tmp_path / "empty-dev"
    sysfs.mkdir()
    dev.mkdir()
    return sysfs, dev


@pytest.fixture
def fake_amdsmi_env() -> Callable[[str], dict[str, str]]:
    """The environment of a subprocess whose ``amdsmi`` is the fake node ``node``."""

    def build(node: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in VISIBILITY_VARIABLES}
        paths = [str(FAKE_AMDSMI_DIR), env.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        env["HWCORE_FAKE_AMDSMI"] = node
        return env

    return build


@pytest.fixture
def vendor_backends() -> object:
    """A general plugin registering stand-ins for vLLM's ROCm backends."""
    return test_backends.VendorBackendsPlugin()


@pytest.fixture
def rocm_platform(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> Iterator[Callable[..., Platform]]:
    """``rocm_platform("8xMI300X", environ={...}, plugins=[...])``: a real host over a fake
    node (``None``: keep what the test set up), process-wide until the test ends."""
    hosts: list[IsolatedHost] = []

    def start(
        node: object = "8xMI300X",
        environ: dict[str, str] | None = None,
        plugins: Sequence[object] = (),
        roots: tuple[Path, Path] = empty_roots,
    ) -> Platform:
        if node is not None:
            fake_amdsmi(node)
        sysfs, dev = roots
        host = IsolatedHost({"HWCORE_SYSFS_ROOT": str(sysfs), "HWCORE_DEV_ROOT": str(dev),
                             **(environ or {})})
        host.add_platform(hwcore_rocm.plugin, "rocm", distribution="hwcore-rocm",
                          version="0.1.0")
        for number, general in enumerate(plugins):
            host.add_plugin(general, f"general{number}")
        hosts.append(host.install())
        platform = host.platform()
        platform.info  # noqa: B018 - resolve now, while the fake node is the one set up
        return platform

    yield start
    for host in reversed(hosts):
        host.uninstall()
