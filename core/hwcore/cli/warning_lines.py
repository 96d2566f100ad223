"""How the CLI shows warnings: each ``HwcoreWarning`` as one line, ``warning: <message>``.

The library raises ``HwcoreWarning`` through :mod:`warnings` so an engine can filter, log or
escalate it. Python's own display of a warning adds the file and line that called
``warnings.warn`` and that line's source, which tells an operator nothing about their
plugins or variables; the CLI prints the message alone. Every other warning (torch's, a
vendor library's) keeps Python's display: its location is the useful part.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from hwcore.cli.status_line import CLEAR_LINE, is_terminal
from hwcore.errors import HwcoreWarning

PREFIX = "warning: "


def warning_line(message: str) -> str:
    """``warning: <message>``; a message of several lines keeps them, indented under the first."""
    first, *rest = str(message).strip().splitlines() or [""]
    return "\n".join([PREFIX + first, *(f"  {line}" for line in rest)])


@contextmanager
def warnings_as_lines(stream: TextIO | None = None) -> Iterator[list[str]]:
    """Within the block, print each ``HwcoreWarning`` to ``stream`` (stderr by default) as
    :func:`warning_line` and collect its message in the yielded list (for a command's JSON
    document or report). Each distinct message is shown once, whatever filters the caller
    set: a warning the operator never sees cannot be acted on."""
    shown: list[str] = []
    with warnings.catch_warnings():
        original = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if not issubclass(category, HwcoreWarning):
                original(message, category, filename, lineno, file, line)
                return
            text = str(message)
            if text in shown:
                return
            shown.append(text)
            target = stream or sys.stderr
            # On a terminal a status line (hwcore check's) may be showing: start clean.
            start = CLEAR_LINE if is_terminal(target) else ""
            print(start + warning_line(text), file=target, flush=True)

        warnings.showwarning = show
        warnings.simplefilter("always", HwcoreWarning)
        yield shown
