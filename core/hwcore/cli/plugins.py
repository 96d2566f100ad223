"""``hwcore plugins``: every discovered plugin, its distribution, status and error."""

from __future__ import annotations

import argparse

from hwcore.cli.output import print_json

HELP = "list every discovered plugin and what became of it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options beyond --json and --debug."""


def run(args: argparse.Namespace) -> int:
    from hwcore.host import get_host

    report = get_host().inspect()
    if args.json:
        print_json(
            {
                "ok": True,
                "active": report.active,
                "plugins": [record.to_dict() for record in report.plugins],
                "warnings": list(report.warnings),
            }
        )
        return 0
    if not report.plugins:
        print("No hwcore plugins are installed; `pip install hwcore-cpu` adds the host CPU.")
        return 0
    print(f"{'NAME':<12} {'KIND':<9} {'DISTRIBUTION':<28} STATUS")
    for record in report.plugins:
        kind = "platform" if record.is_platform else "plugin"
        print(f"{record.name:<12} {kind:<9} {record.provider:<28} {record.status.value}")
        if record.error:
            label = "why" if record.status.value == "excluded" else "error"
            print(f"{'':<12} {label}: {record.error}")
    return 0
