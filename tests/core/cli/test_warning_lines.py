"""Warnings: one ``warning: ...`` line from the CLI, a real ``HwcoreWarning`` for engines."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings

import pytest

import hwcore
from hwcore.cli.main import main
from hwcore.cli.status_line import CLEAR_LINE, StatusLine
from hwcore.cli.warning_lines import warning_line, warnings_as_lines
from hwcore.errors import HwcoreWarning
from hwcore.host import Candidate, Host, install_host
from hwcore.records import DeviceInfo, PlatformInfo

FIRMWARE = "ACME firmware 6.2 is older than 7.0; update it with acme-flash"


class Acme:
    HWCORE_CONTRACT_VERSION = "2.0"

    @hwcore.hookimpl
    def detect_platform(self):
        return PlatformInfo(
            name="acme", device_name="acme", device_type="cpu", dispatch_key="CPU",
            dist_backend="gloo", devices=(DeviceInfo(0, 0, "ACME One"),),
            evidence=("1 ACME chip on the test bus",),
        )


def load_acme() -> Acme:
    """The plugin module's import, which warns as a vendor plugin may (detection itself runs
    isolated, and what it writes is reported as output it should not have printed)."""
    warnings.warn(FIRMWARE, HwcoreWarning, stacklevel=2)
    return Acme()


def acme_host() -> Host:
    candidate = Candidate("acme", "hwcore.platforms", "acme_plugin", "hwcore-acme", "1.0",
                          load_acme)
    return Host(discover=lambda: [candidate], environ={})


@pytest.fixture(autouse=True)
def _reset():
    yield
    hwcore.reset()


def test_a_warning_is_one_line_with_the_message_alone():
    assert warning_line("HWCORE_PLUGINS names nosuch") == "warning: HWCORE_PLUGINS names nosuch"


def test_a_warning_of_several_lines_keeps_them_indented_under_the_first():
    assert warning_line("two platforms:\n- a\n- b\n") == "warning: two platforms:\n  - a\n  - b"


def test_the_library_raises_hwcore_warning_for_engines():
    with pytest.warns(HwcoreWarning, match=f"^{FIRMWARE}$"):
        acme_host().resolve()


def test_the_cli_prints_each_hwcore_warning_as_one_clean_line(capsys):
    install_host(acme_host())
    assert main(["info", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == f"warning: {FIRMWARE}\n"
    assert '"ok": true' in captured.out


def test_inside_the_block_hwcore_warnings_are_shown_once_and_collected():
    stream = io.StringIO()
    with warnings_as_lines(stream) as seen:
        for _ in range(2):
            warnings.warn("plugin 'x' was skipped", HwcoreWarning, stacklevel=1)
        warnings.warn("plugin 'y' was skipped", HwcoreWarning, stacklevel=1)
    assert stream.getvalue() == (
        "warning: plugin 'x' was skipped\nwarning: plugin 'y' was skipped\n"
    )
    assert seen == ["plugin 'x' was skipped", "plugin 'y' was skipped"]


def test_other_warnings_keep_pythons_display_with_their_location():
    stream = io.StringIO()
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        with warnings_as_lines(stream) as seen:
            warnings.warn("torch says so", DeprecationWarning, stacklevel=1)
    assert stream.getvalue() == "" and seen == []
    assert [str(w.message) for w in recorded] == ["torch says so"]


def test_the_warning_filters_are_restored_after_the_block():
    before = warnings.showwarning
    with warnings_as_lines(io.StringIO()):
        pass
    assert warnings.showwarning is before
    with pytest.raises(HwcoreWarning):  # pytest's filterwarnings=error is back in force
        warnings.warn("after the block", HwcoreWarning, stacklevel=1)


def test_a_real_hwcore_command_shows_no_file_path_or_source_line():
    env = {**os.environ, "HWCORE_PLUGINS": "cpu,nosuch"}
    process = subprocess.run(
        [sys.executable, "-m", "hwcore", "plugins", "--json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    lines = process.stderr.splitlines()
    assert lines and all(line.startswith("warning: ") for line in lines), process.stderr
    assert "nosuch" in process.stderr
    assert ".py:" not in process.stderr and "HwcoreWarning" not in process.stderr


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_warning_replaces_a_status_line_instead_of_joining_it():
    terminal = FakeTerminal()
    StatusLine(terminal).show("[1/6] platform: discovering and detecting platforms")
    with warnings_as_lines(terminal):
        warnings.warn("plugin 'x' was skipped", HwcoreWarning, stacklevel=1)
    assert terminal.getvalue().split(CLEAR_LINE)[-1] == "warning: plugin 'x' was skipped\n"
