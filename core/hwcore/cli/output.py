"""Output shared by the subcommands: stable JSON, and errors without tracebacks."""

from __future__ import annotations

import json
import sys
from typing import Any

JSON_SCHEMA_VERSION = 2


def print_json(payload: dict[str, Any]) -> None:
    """Print ``payload`` as the command's JSON document, tagged with the schema version."""
    document = {"schema_version": JSON_SCHEMA_VERSION, **payload}
    json.dump(document, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def print_error(message: str) -> None:
    print(f"hwcore: error: {message}", file=sys.stderr)

