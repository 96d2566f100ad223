"""What the CLI does when the reader of its stdout goes away (``hwcore check | head -1``).

Like other command-line tools it stops quietly: no traceback, and the exit status a shell
reports for a program that SIGPIPE ended (``yes | head -1``), so ``set -o pipefail``
scripts still see that the output was cut short. Python turns SIGPIPE into
``BrokenPipeError`` on the next write; once it is caught, stdout is pointed at the null
device, because the interpreter flushes stdout again at exit and would report that second
failure on stderr.
"""

from __future__ import annotations

import os
import sys

EXIT_STDOUT_CLOSED = 141
"""128 + SIGPIPE (13 on Linux): the status of a process that SIGPIPE ended, as a shell
reports it. A constant, because importing ``signal`` costs every command start-up time."""


def stop_writing_to_closed_stdout() -> int:
    """Send the rest of stdout to the null device; return ``EXIT_STDOUT_CLOSED``."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # a stdout without a file descriptor (a test's capture)
        pass
    return int(EXIT_STDOUT_CLOSED)
