"""Running one detector so that nothing it does can hurt the process: a deadline, its output
captured, its environment changes undone.

Detection is a plugin's code running in every process that uses hwcore, before anything is
known about the machine. A detector that prints would corrupt ``hwcore info --json``; one
that hangs (a driver call that never returns) would hang every engine; one that sets an
environment variable would change what later code sees. ``run_isolated`` runs the call in a
daemon thread and waits at most ``timeout`` seconds for it; while it runs, ``sys.stdout``
and ``sys.stderr`` writes from that thread go to a buffer (other threads write through as
usual); afterwards ``os.environ`` is compared with a snapshot and put back. A call that
misses its deadline keeps running in its thread, with its output still routed away, and is
reported as timed out.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TextIO, cast


@dataclass
class Isolated:
    """What one isolated call did: its answer or exception, its cost and its side effects."""

    answer: object = None
    exception: BaseException | None = None
    seconds: float = 0.0
    timed_out: bool = False
    output: str = ""
    environment_changes: list[str] = field(default_factory=list)


def run_isolated(call: Callable[[], object], timeout: float) -> Isolated:
    """Run ``call`` in a daemon thread with a deadline, capturing what it prints and
    undoing what it changes in ``os.environ``."""
    result = Isolated()
    buffer = io.StringIO()
    before = dict(os.environ)

    def target() -> None:
        try:
            result.answer = call()
        except BaseException as error:  # reported to the host, which decides what it means
            result.exception = error

    thread = threading.Thread(target=target, name="hwcore-detect", daemon=True)
    with _routed(thread, buffer):
        started = time.perf_counter()
        thread.start()
        thread.join(timeout)
        result.seconds = time.perf_counter() - started
        result.timed_out = thread.is_alive()
    result.output = buffer.getvalue()
    result.environment_changes = environment_changes(before, dict(os.environ))
    restore_environment(before)
    return result


def environment_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """``["added FOO='1'", "removed BAR", "changed BAZ from 'a' to 'b'"]``, sorted by name."""
    changes = []
    for name in sorted(set(before) | set(after)):
        if name not in before:
            changes.append(f"added {name}={after[name]!r}")
        elif name not in after:
            changes.append(f"removed {name}")
        elif before[name] != after[name]:
            changes.append(f"changed {name} from {before[name]!r} to {after[name]!r}")
    return changes


def restore_environment(snapshot: Mapping[str, str]) -> None:
    """Put ``os.environ`` back as it was."""
    for name in [name for name in os.environ if name not in snapshot]:
        del os.environ[name]
    for name, value in snapshot.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


class _ThreadRouter:
    """A stream that sends one thread's writes to a buffer and every other thread's to the
    stream it replaced (everything else, ``encoding`` and ``fileno`` included, is the
    original's)."""

    def __init__(self, original: TextIO, thread: threading.Thread, buffer: io.StringIO) -> None:
        self.original, self.thread, self.buffer = original, thread, buffer

    def write(self, text: str) -> int:
        if threading.current_thread() is self.thread:
            return self.buffer.write(text)
        return self.original.write(text)

    def flush(self) -> None:
        self.original.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self.original, name)


class _routed:
    """Install a router on ``sys.stdout`` and ``sys.stderr`` for ``thread``; take it away
    afterwards unless the thread is still running (its later prints must not escape)."""

    def __init__(self, thread: threading.Thread, buffer: io.StringIO) -> None:
        self.thread, self.buffer = thread, buffer
        self.saved: tuple[TextIO, TextIO] | None = None

    def __enter__(self) -> None:
        self.saved = (sys.stdout, sys.stderr)
        sys.stdout = cast(TextIO, _ThreadRouter(sys.stdout, self.thread, self.buffer))
        sys.stderr = cast(TextIO, _ThreadRouter(sys.stderr, self.thread, self.buffer))

    def __exit__(self, *exc_info: object) -> None:
        if self.saved is not None and not self.thread.is_alive():
            sys.stdout, sys.stderr = self.saved
