"""A reader that closes hwcore's stdout ends the command quietly, with SIGPIPE's status.

Real pipes, real processes: the failure only exists where the operating system reports
``EPIPE`` to a writer whose reader has gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from hwcore.cli.closed_stdout import EXIT_STDOUT_CLOSED

HWCORE = [sys.executable, "-m", "hwcore"]
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("HWCORE_")},
       "HWCORE_PLATFORM": "cpu"}


def run_into_closed_pipe(*args: str) -> tuple[int, str]:
    """Run ``hwcore args`` with a stdout whose reader is gone before the first write."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        process = subprocess.run(
            [*HWCORE, *args], stdout=writer, stderr=subprocess.PIPE, text=True, env=ENV,
            timeout=120, check=False,
        )
    finally:
        os.close(writer)
    return process.returncode, process.stderr


def test_the_status_is_sigpipes_as_a_shell_reports_it():
    assert EXIT_STDOUT_CLOSED == 128 + signal.SIGPIPE == 141


def test_info_json_into_a_closed_stdout_exits_quietly():
    assert run_into_closed_pipe("info", "--json") == (EXIT_STDOUT_CLOSED, "")


def test_help_and_version_into_a_closed_stdout_exit_quietly():
    assert run_into_closed_pipe("--help") == (EXIT_STDOUT_CLOSED, "")
    assert run_into_closed_pipe("--version") == (EXIT_STDOUT_CLOSED, "")


def test_info_json_piped_into_head_c_10_leaves_no_traceback():
    process = subprocess.run(
        ["sh", "-c", f"{sys.executable} -m hwcore info --json | head -c 10"],
        capture_output=True, text=True, env=ENV, timeout=120, check=False,
    )
    assert process.stdout == '{\n  "schem'
    assert process.stderr == ""


def test_check_piped_into_head_1_stops_at_the_next_write_without_a_traceback():
    check = subprocess.Popen(
        [*HWCORE, "check", "--num-blocks", "16"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=ENV,
    )
    head = subprocess.Popen(["head", "-1"], stdin=check.stdout, stdout=subprocess.PIPE)
    assert check.stdout is not None and check.stderr is not None
    check.stdout.close()  # head holds the only reading end now
    first_line, _ = head.communicate(timeout=120)
    with check.stderr:
        error = check.stderr.read().decode()
    assert check.wait(timeout=120) == EXIT_STDOUT_CLOSED, error
    assert first_line == b"hwcore check: run the active platform end to end\n"
    assert error == ""
