"""The Level Zero Sysman seam over a fake pyzes, and every way pyzes can fail."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Callable
from types import ModuleType

import pytest

from hwcore_xpu import levelzero

GIB = 1 << 30


def test_a_max_1550_reports_two_tiles_with_their_memory(
    pyzes_node: Callable[..., ModuleType],
) -> None:
    pyzes_node("Max1550")
    table = levelzero.read_device_table()
    assert table == levelzero.ZesTable((
        levelzero.ZesDevice(
            name="Intel(R) Data Center GPU Max 1550", vendor_id=0x8086, device_id=0x0BD5,
            integrated=False, subdevices=2, driver_version="1.6.32224.5",
            uuid="0bd50000-0000-0000-0000-000000000001", pci_address="0000:3a:00.0",
            tile_memory=(64 * GIB, 64 * GIB),
        ),
    ))


def test_a_mixed_node_in_sysman_order(pyzes_node: Callable[..., ModuleType]) -> None:
    pyzes_node("mixed")
    table = levelzero.read_device_table()
    assert isinstance(table, levelzero.ZesTable)
    assert [(d.name, d.integrated, d.subdevices, d.tile_memory) for d in table.devices] == [
        ("Intel(R) Arc(TM) Graphics", True, 0, (None,)),  # no on-GPU memory module
        ("Intel(R) Arc(TM) A770 Graphics", False, 0, (16 * GIB,)),
        ("Intel(R) Arc(TM) B580 Graphics", False, 0, (12 * GIB,)),
    ]


def test_memory_sysman_does_not_place_on_a_tile_is_unknown_not_guessed(
    monkeypatch: pytest.MonkeyPatch, fakes: ModuleType,
) -> None:
    unplaced = dataclasses.replace(fakes.gpus("Max1550")[0], memory_on_tiles=False)
    monkeypatch.setitem(sys.modules, "pyzes", fakes.fake_pyzes([unplaced]))
    table = levelzero.read_device_table()
    assert isinstance(table, levelzero.ZesTable)
    assert table.devices[0].tile_memory == (None, None)
    assert levelzero.free_memory(0, (0,)) is None


def test_free_memory_of_chosen_tiles(pyzes_node: Callable[..., ModuleType]) -> None:
    pyzes_node("2xMax1550")
    assert levelzero.free_memory(1, (1,)) == 64 * GIB - (512 << 20)
    assert levelzero.free_memory(0, (0, 1)) == 2 * (64 * GIB - (512 << 20))
    assert levelzero.free_memory(5, (0,)) is None  # no such device: unknown, never raises


def test_pyzes_not_installed() -> None:
    assert levelzero.read_device_table() == levelzero.LevelZeroUnavailable(
        "pyzes is not installed (pip install 'hwcore-xpu[levelzero]' for Level Zero)"
    )
    assert levelzero.free_memory(0, (0,)) is None


def test_zes_init_failure_is_named(pyzes_node: Callable[..., ModuleType]) -> None:
    pyzes_node("Max1550", init_result=0x78000001)
    assert levelzero.read_device_table() == levelzero.LevelZeroUnavailable(
        "Level Zero Sysman: zesInit returned ZE_RESULT_ERROR_UNINITIALIZED"
    )


def test_an_unnamed_result_code_is_shown_in_hex(pyzes_node: Callable[..., ModuleType]) -> None:
    pyzes_node("Max1550", init_result=0x70000004)
    assert levelzero.read_device_table() == levelzero.LevelZeroUnavailable(
        "Level Zero Sysman: zesInit returned 0x70000004"
    )


def test_any_exception_from_the_binding_is_caught(
    pyzes_node: Callable[..., ModuleType],
) -> None:
    module = pyzes_node("Max1550")

    def broken(flags: int) -> int:
        raise AttributeError("function 'zesInit' not found")

    module.zesInit = broken  # type: ignore[attr-defined]
    assert levelzero.read_device_table() == levelzero.LevelZeroUnavailable(
        "pyzes cannot be used (AttributeError: function 'zesInit' not found)"
    )


def test_a_loader_missing_at_import_is_caught(
    fake_pyzes_env: Callable[[str], dict[str, str]],
) -> None:
    # The real pyzes raises OSError on import where libze_loader.so.1 is absent.
    script = "from hwcore_xpu import levelzero; print(levelzero.read_device_table().reason)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=fake_pyzes_env("missing-loader"), check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "pyzes cannot be used (OSError: libze_loader.so.1: cannot open shared object file: "
        "No such file or directory)\n"
    )


def test_a_dependency_missing_inside_pyzes_is_not_reported_as_pyzes_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import builtins

    real_import = builtins.__import__

    def importer(name: str, *args: object, **kwargs: object) -> object:
        if name == "pyzes":
            raise ModuleNotFoundError("No module named 'ctypes_helper'", name="ctypes_helper")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", importer)
    assert levelzero.read_device_table() == levelzero.LevelZeroUnavailable(
        "pyzes cannot be used (ModuleNotFoundError: No module named 'ctypes_helper')"
    )
