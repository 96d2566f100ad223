from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from hwcore.cli.package_versions import (
    REPORTED_DISTRIBUTIONS,
    installed_version,
    reported_versions,
    torch_build,
)


def test_versions_come_from_metadata() -> None:
    import pluggy

    assert installed_version("pluggy") == pluggy.__version__
    assert installed_version("hwcore-no-such-distribution") is None


def test_every_reported_distribution_is_listed_without_importing_it() -> None:
    before = set(sys.modules)
    versions = reported_versions()
    assert list(versions) == list(REPORTED_DISTRIBUTIONS)
    assert versions["torch"] is not None and versions["libtpu"] is None
    imported = set(sys.modules) - before
    assert not imported & {"torch", "numpy", "pynvml", "amdsmi", "pyzes", "libtpu", "jax"}


def _fake_torch(root: Path, version_py: str) -> None:
    (root / "torch").mkdir()
    (root / "torch" / "__init__.py").write_text("raise AssertionError('imported')\n")
    (root / "torch" / "version.py").write_text(textwrap.dedent(version_py))


def test_torch_build_is_read_from_version_py_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_torch(tmp_path, """\
        from typing import Optional
        __version__ = '2.13.0+cu128'
        cuda: Optional[str] = '12.8'
        hip: Optional[str] = None
        rocm = None
        xpu = get_xpu_version()
        git_version = 'abc123'
        """)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    assert torch_build() == {
        "cuda": "12.8", "hip": None, "rocm": None, "xpu": "get_xpu_version()",
        "git_version": "abc123",
    }


def test_the_real_cpu_torch_was_built_for_no_accelerator() -> None:
    build = torch_build()
    assert (build["cuda"], build["hip"], build["xpu"]) == (None, None, None)


def test_no_torch_is_an_empty_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert torch_build() == {}
