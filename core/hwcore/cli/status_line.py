"""A one-line status on a terminal, rewritten in place, for steps that take seconds.

``hwcore check`` imports torch (seconds on a cold cache) and, on a GPU, initialises the
device; the status line says what it is waiting for. It is written only to a terminal: in
a pipe or a log file a rewritten line would be noise, and the step results say the rest.
"""

from __future__ import annotations

from typing import TextIO

CLEAR_LINE = "\r\x1b[K"
"""Carriage return, then erase to the end of the line (ANSI), so shorter text leaves no tail."""


class StatusLine:
    """Shows ``text`` on ``stream`` in place of the previous status, when ``stream`` is a
    terminal; otherwise does nothing."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream if is_terminal(stream) else None
        self._showing = False

    @property
    def active(self) -> bool:
        return self._stream is not None

    def show(self, text: str) -> None:
        if self._stream is None:
            return
        import shutil  # here, not at the top: it costs every command ~10 ms of start-up

        # One column short of the width: a line that wraps cannot be rewritten in place.
        width = max(shutil.get_terminal_size().columns - 1, 10)
        self._stream.write(CLEAR_LINE + text[:width])
        self._stream.flush()
        self._showing = True

    def clear(self) -> None:
        """Erase the status, so the next output starts on a clean line."""
        if self._stream is None or not self._showing:
            return
        self._stream.write(CLEAR_LINE)
        self._stream.flush()
        self._showing = False


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is an open terminal."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed stream, or not a file at all
        return False
