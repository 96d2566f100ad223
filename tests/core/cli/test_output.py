from __future__ import annotations

import argparse
import json

import pytest

from hwcore.cli.output import EXIT_USAGE, traceback_would_help, usage_error
from hwcore.errors import InvalidConfigError, PluginLoadError


def test_a_usage_error_prints_the_message_and_returns_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert usage_error(argparse.Namespace(json=False), "--x needs --y") == EXIT_USAGE == 2
    assert capsys.readouterr() == ("", "hwcore: error: --x needs --y\n")


def test_a_usage_error_with_json_adds_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    usage_error(argparse.Namespace(json=True), "--x needs --y")
    out, err = capsys.readouterr()
    assert json.loads(out) == {
        "schema_version": 2, "ok": False,
        "error": {"type": "UsageError", "message": "--x needs --y"},
    }
    assert err == "hwcore: error: --x needs --y\n"


def test_an_hwcore_error_alone_is_its_own_diagnosis() -> None:
    assert not traceback_would_help(InvalidConfigError("cache.block_size 7 is not allowed"))


def test_an_hwcore_error_raised_from_another_carries_a_useful_traceback() -> None:
    error = PluginLoadError("importing hwcore_acme raised", plugin="acme", distribution="x 1")
    error.__cause__ = ImportError("libacme.so.3")
    assert traceback_would_help(error)


def _raised_while_reading_sysfs(suppress_context: bool) -> InvalidConfigError:
    try:
        raise OSError("/sys/class/acme: permission denied")
    except OSError as cause:
        error = InvalidConfigError("cannot read the ACME topology")
        error.__context__ = cause  # what `raise` inside this block records
        error.__suppress_context__ = suppress_context  # what `raise ... from None` sets
        return error


def test_an_hwcore_error_raised_while_handling_another_carries_it_too() -> None:
    assert traceback_would_help(_raised_while_reading_sysfs(suppress_context=False))
    assert not traceback_would_help(_raised_while_reading_sysfs(suppress_context=True))


def test_any_other_exception_is_worth_its_traceback() -> None:
    assert traceback_would_help(KeyError("Name"))
