"""Finding libtpu, JAX and tpu-inference without importing them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hwcore_tpu.packages import installed_at


def test_an_installed_package_is_found_and_not_imported(fake_libtpu: Path) -> None:
    assert installed_at("libtpu") == str(fake_libtpu)
    assert "libtpu" not in sys.modules


def test_a_missing_package_is_none() -> None:
    assert installed_at("tpu_inference") is None


def test_a_broken_sys_modules_entry_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    # find_spec raises ValueError for a loaded module whose __spec__ is None.
    module = type(sys)("hwcore_tpu_broken_module")
    module.__spec__ = None
    monkeypatch.setitem(sys.modules, "hwcore_tpu_broken_module", module)
    assert installed_at("hwcore_tpu_broken_module") is None
