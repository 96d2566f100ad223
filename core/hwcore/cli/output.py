"""Output shared by the subcommands: stable JSON, and errors without tracebacks."""

from __future__ import annotations

import json
import sys
from typing import Any

JSON_SCHEMA_VERSION = 1


def print_json(payload: dict[str, Any]) -> None:
    """Print ``payload`` as the command's JSON document, tagged with the schema version."""
    document = {"schema_version": JSON_SCHEMA_VERSION, **payload}
    json.dump(document, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def print_error(message: str) -> None:
    print(f"hwcore: error: {message}", file=sys.stderr)


def format_bytes(count: int | None) -> str:
    if count is None:
        return "unknown"
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{count} B"
        value /= 1024
    raise AssertionError("unreachable")
