"""Output shared by the subcommands: stable JSON, errors without tracebacks, exit statuses."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

JSON_SCHEMA_VERSION = 2

EXIT_OK = 0
EXIT_FAILURE = 1
"""The command ran and failed: no platform, a failed ``check`` step, no valid backend."""
EXIT_USAGE = 2
"""The command line is wrong: an unknown option, a bad value, flags that need another."""


def print_json(payload: dict[str, Any]) -> None:
    """Print ``payload`` as the command's JSON document, tagged with the schema version."""
    document = {"schema_version": JSON_SCHEMA_VERSION, **payload}
    json.dump(document, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def print_error(message: str) -> None:
    print(f"hwcore: error: {message}", file=sys.stderr)


def error_document(error_type: str, message: str) -> dict[str, Any]:
    """The ``--json`` document of a command that failed."""
    return {"ok": False, "error": {"type": error_type, "message": message}}


def usage_error(args: argparse.Namespace, message: str) -> int:
    """Report a usage error found after parsing (flags that need another flag, values that
    do not fit together), as ``hwcore.cli.main`` reports the parser's own; return
    ``EXIT_USAGE``."""
    if getattr(args, "json", False):
        print_json(error_document("UsageError", message))
    print_error(message)
    return EXIT_USAGE


def traceback_would_help(error: BaseException) -> bool:
    """Whether ``--debug``'s traceback says more than the message: for an unexpected
    exception, or an hwcore error that carries the exception behind it (a plugin's import
    failure). An hwcore error on its own is the diagnosis, and its traceback only shows
    hwcore's code."""
    from hwcore.errors import HwcoreError

    if not isinstance(error, HwcoreError):
        return True
    context = None if error.__suppress_context__ else error.__context__
    return error.__cause__ is not None or context is not None
