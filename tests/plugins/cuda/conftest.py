"""Fixtures for hwcore-cuda: a fake NVML node on the real pynvml, and a real host over it."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

import hwcore
import hwcore_cuda.plugin
from hwcore.host import Candidate, Host, install_host

FAKE_NVML_DIR = Path(__file__).parent / "fake_nvml"


def _load(name: str, path: Path) -> ModuleType:
    """Import a helper by path (pytest runs with --import-mode=importlib, and putting
    fake_nvml/ on sys.path would shadow the real pynvml); registered under ``name`` so
    class paths such as ``hwcore_cuda_test_backends.FLASH_ATTN`` resolve."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


fake = _load("hwcore_fake_nvml", FAKE_NVML_DIR / "hwcore_fake_nvml.py")
test_backends = _load(
    "hwcore_cuda_test_backends", Path(__file__).parent / "hwcore_cuda_test_backends.py"
)


@pytest.fixture
def fakes() -> ModuleType:
    """The fake NVML module: ``fakes.node("8xH100")``, ``fakes.FakeNvml``, ``fakes.MODELS``."""
    return fake


@pytest.fixture
def vendor_backends() -> tuple[str, object]:
    """A general plugin registering stand-ins for vLLM's vendor backends."""
    return ("vendor_backends", test_backends.VendorBackendsPlugin())


@pytest.fixture
def fake_nvml_env() -> Callable[[str], dict[str, str]]:
    """The environment of a subprocess whose ``pynvml`` is the fake node ``node``."""

    def build(node: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CUDA_")}
        paths = [str(FAKE_NVML_DIR), env.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        env["HWCORE_FAKE_NVML"] = node
        return env

    return build


@pytest.fixture(autouse=True)
def clean_cuda_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No visibility variables, an empty Tegra root."""
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("CUDA_DEVICE_ORDER", raising=False)
    monkeypatch.setattr(hwcore_cuda.plugin, "TEGRA_ROOT", tmp_path / "empty-root")
    yield
    hwcore.reset()


@pytest.fixture
def fake_nvml(monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """``fake_nvml("8xH100")`` (or a ``FakeNvml``) patches the real pynvml with that node."""
    import pynvml

    def install(node: object) -> object:
        if isinstance(node, str):
            node = fake.node(node)
        node.install(pynvml, monkeypatch.setattr)  # type: ignore[attr-defined]
        return node

    return install


def cuda_candidate() -> Candidate:
    return Candidate(
        "cuda", "hwcore.platforms", "hwcore_cuda.plugin", "hwcore-cuda", "0.1.0",
        load=lambda: hwcore_cuda.plugin,
    )


def general_candidate(name: str, plugin: object) -> Candidate:
    return Candidate(name, "hwcore.plugins", f"tests:{name}", f"test-{name}", "0.0.0",
                     load=lambda: plugin)


@pytest.fixture
def cuda_platform(fake_nvml: Callable[..., object]) -> Callable[..., hwcore.Platform]:
    """``cuda_platform("8xH100", *general_plugins)``: a real host over a fake node,
    installed process-wide; ``hwcore.reset()`` removes it after the test."""

    def start(node: object = "8xH100", *plugins: tuple[str, object]) -> hwcore.Platform:
        fake_nvml(node)
        candidates = [cuda_candidate(), *(general_candidate(n, p) for n, p in plugins)]
        # The host reads the process environment, as the test set it up.
        install_host(Host(discover=lambda: candidates, environ=os.environ))
        return hwcore.current_platform()

    return start
