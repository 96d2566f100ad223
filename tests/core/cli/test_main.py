"""``hwcore.cli.main``: usage errors, ``--version``, and when ``--debug`` is worth suggesting."""

from __future__ import annotations

import json

import pytest

import hwcore
from hwcore.cli.main import main
from hwcore.errors import NoPlatformError, PluginLoadError
from hwcore.host import Candidate, Host, install_host
from hwcore.records import PlatformAbsent

DEBUG_HINT = "(run again with --debug to see the traceback)"


class Absent:
    HWCORE_CONTRACT_VERSION = "2.0"

    @hwcore.hookimpl
    def detect_platform(self):
        return PlatformAbsent("no /dev/zeta* device nodes")


@pytest.fixture(autouse=True)
def _reset():
    yield
    hwcore.reset()


def test_an_unknown_option_is_a_usage_error_exit_2(capsys):
    assert main(["info", "--bogus"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[-1] == "hwcore: error: unrecognized arguments: --bogus"
    assert captured.err.startswith("usage: hwcore ")


def test_a_usage_error_with_json_is_one_document(capsys):
    assert main(["info", "--json", "--bogus"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document == {
        "schema_version": 2, "ok": False,
        "error": {"type": "UsageError", "message": "unrecognized arguments: --bogus"},
    }


def test_a_bad_value_names_the_option_once(capsys):
    assert main(["check", "--num-blocks", "seven", "--json"]) == 2
    captured = capsys.readouterr()
    message = "argument --num-blocks: must be an even number >= 8, got 'seven'"
    assert json.loads(captured.out)["error"] == {"type": "UsageError", "message": message}
    assert captured.err.splitlines()[-1] == f"hwcore: error: {message}"
    assert captured.err.startswith("usage: hwcore check ")


def test_an_unknown_command_is_a_usage_error(capsys):
    assert main(["inf"]) == 2
    assert "hwcore: error: argument COMMAND: invalid choice: 'inf'" in capsys.readouterr().err


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert capsys.readouterr().out.startswith("usage: hwcore ")


def test_help_exits_0(capsys):
    assert main(["check", "--help"]) == 0
    assert "--num-blocks N" in capsys.readouterr().out


def test_a_diagnosis_gets_no_debug_hint(capsys):
    candidate = Candidate("zeta", "hwcore.platforms", "zeta_plugin", "hwcore-zeta", "1.0",
                          lambda: Absent())
    install_host(Host(discover=lambda: [candidate], environ={}))
    assert main(["info"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hwcore: error: No hwcore platform detected its hardware")
    assert DEBUG_HINT not in err


def _host_failing_with(error: BaseException) -> None:
    def discover() -> list[Candidate]:
        raise error

    install_host(Host(discover=discover, environ={}))


def test_an_unexpected_exception_gets_the_debug_hint(capsys):
    _host_failing_with(KeyError("Name"))
    assert main(["info"]) == 1
    assert capsys.readouterr().err == f"hwcore: error: KeyError: 'Name'\n{DEBUG_HINT}\n"


def test_an_hwcore_error_carrying_its_cause_gets_the_debug_hint(capsys):
    error = PluginLoadError("HWCORE_PLATFORM=acme forces platform 'acme', which cannot be used",
                            plugin="acme", distribution="hwcore-acme 1.0")
    error.__cause__ = ImportError("libacme.so.3: cannot open shared object file")
    _host_failing_with(error)
    assert main(["info"]) == 1
    assert capsys.readouterr().err == (
        "hwcore: error: HWCORE_PLATFORM=acme forces platform 'acme', which cannot be used\n"
        f"{DEBUG_HINT}\n"
    )


def test_debug_prints_the_traceback_instead_of_the_hint(capsys):
    _host_failing_with(NoPlatformError("nothing here"))
    assert main(["info", "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and DEBUG_HINT not in err
