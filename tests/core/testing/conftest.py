"""Running the conformance suite on distributions in a child pytest.

The child runs in its own interpreter, as a backend author's CI would: each distribution is
in a ``FakeSite`` on its ``PYTHONPATH``, found by ``importlib.metadata``, and each test
class subclasses ``PlatformConformance``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from hwcore.testing import FakeSite

FAKECHIP = '''\
"""A minimal, correct platform plugin; the tests break copies of it one defect at a time."""

import os

from hwcore.plugin_api import (
    AttentionBackendSpec, ConfigAdjustment, DeviceInfo, PlatformAbsent, PlatformInfo, hookimpl,
)

HWCORE_CONTRACT_VERSION = "2.0"


@hookimpl
def detect_platform():
    if "FAKECHIP_DEVICES" not in os.environ:
        return PlatformAbsent("FAKECHIP_DEVICES is not set")
    return PlatformInfo(
        name=NAME, device_name="fakechip", device_type="cpu", dispatch_key="CPU",
        dist_backend="gloo", devices=(DeviceInfo(0, 0, "Fake Chip"),),
        evidence=("FAKECHIP_DEVICES is set",),
    )


@hookimpl
def check_and_update_config(config):
    if config.cache.block_size is None:
        return [ConfigAdjustment("cache.block_size", None, 16, "fakechip stores 16 tokens per block")]
    return []


@hookimpl
def register_attention_backends():
    return [
        AttentionBackendSpec(
            name=NAME.upper(),
            class_path="hwcore.attention.torch_sdpa.TorchSDPABackend",
            dtypes=("float16", "bfloat16", "float32"),
            device_types=("cpu",),
        )
    ]


@hookimpl
def insert_blocks_to_device(src_cache, dst_cache, src_block_indices, dst_block_indices):
    from hwcore.plugin_api import insert_blocks_to_device as copy

    return copy(src_cache, dst_cache, src_block_indices, dst_block_indices, device_type="cpu")
'''

TEST_CLASS = """
class Test_{name}(PlatformConformance):
    plugin = "{name}"
    hardware_environ = {{"FAKECHIP_DEVICES": "1"}}
    absent_environ = {{"FAKECHIP_DEVICES": None}}
"""


def fakechip_source(name: str, replacements: tuple[tuple[str, str], ...]) -> str:
    """The fakechip plugin named ``name`` with each ``(old, new)`` applied (``old`` must occur)."""
    source = FAKECHIP.replace("import os\n", f"import os\n\nNAME = {name!r}\n", 1)
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new)
    return source


def run_fakechip_suites(
    root: Path, variants: Mapping[str, tuple[tuple[str, str], ...]]
) -> subprocess.CompletedProcess[str]:
    """Install one fakechip distribution per variant (entry point and module named after
    the variant) and run one conformance class per variant, all in one child pytest."""
    site = FakeSite(root / "site")
    for name, replacements in variants.items():
        site.add_distribution(
            f"hwcore-{name}",
            entry_points={"hwcore.platforms": {name: name}},
            modules={f"{name}.py": fakechip_source(name, replacements)},
        )
    tests = root / "tests"
    tests.mkdir()
    header = "from hwcore.testing.conformance import PlatformConformance\n"
    classes = "".join(TEST_CLASS.format(name=name) for name in variants)
    (tests / "test_fakechip_conformance.py").write_text(header + classes, encoding="utf-8")
    return run_pytest(tests, site.pythonpath(), "-rfs")


def run_pytest(folder: Path, pythonpath: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``pytest`` in a child interpreter, in ``folder``, seeing ``pythonpath`` first and
    none of the variables that would choose or present a platform."""
    environ = {**os.environ, "PYTHONPATH": pythonpath}
    for variable in (
        "HWCORE_PLATFORM",
        "HWCORE_PLUGINS",
        "FAKECHIP_DEVICES",
        "HWCORE_SIMULATED_DEVICES",
    ):
        environ.pop(variable, None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def fakechip_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> subprocess.CompletedProcess[str]:
    """One child pytest over a correct fakechip and every variant in the requesting
    module's ``VARIANTS`` (name: replacements)."""
    variants = {"chip_correct": (), **request.module.VARIANTS}
    return run_fakechip_suites(tmp_path_factory.mktemp("fakechip"), variants)


@pytest.fixture
def child_pytest() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_pytest``: pytest in a child interpreter (folder, PYTHONPATH, arguments)."""
    return run_pytest
