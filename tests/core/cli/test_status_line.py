from __future__ import annotations

import io
import os

import pytest

from hwcore.cli.status_line import CLEAR_LINE, StatusLine


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_each_status_in_place_of_the_last() -> None:
    terminal = FakeTerminal()
    status = StatusLine(terminal)
    status.show("[4/6] kv cache: importing torch")
    status.show("[4/6] kv cache: allocating the caches")
    status.clear()
    status.clear()  # nothing is showing: nothing to erase
    assert terminal.getvalue() == (
        f"{CLEAR_LINE}[4/6] kv cache: importing torch"
        f"{CLEAR_LINE}[4/6] kv cache: allocating the caches{CLEAR_LINE}"
    )
    assert status.active


def test_a_pipe_or_a_file_gets_nothing() -> None:
    stream = io.StringIO()
    status = StatusLine(stream)
    status.show("[4/6] kv cache: importing torch")
    status.clear()
    assert stream.getvalue() == ""
    assert not status.active


def test_a_closed_stream_gets_nothing() -> None:
    stream = io.StringIO()
    stream.close()
    assert not StatusLine(stream).active


def test_a_status_wider_than_the_terminal_is_cut_so_it_never_wraps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("shutil.get_terminal_size", lambda: os.terminal_size((21, 24)))
    terminal = FakeTerminal()
    StatusLine(terminal).show("[5/6] attention run: prefill batch")
    assert terminal.getvalue() == f"{CLEAR_LINE}[5/6] attention run:"
