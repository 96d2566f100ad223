"""``hwcore explain``: the detection report (each plugin, present or not, why, how long)."""

from __future__ import annotations

import argparse

from hwcore.cli.output import print_json

HELP = "show the detection report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options beyond --json and --debug yet."""


def run(args: argparse.Namespace) -> int:
    from hwcore.host import get_host

    report = get_host().inspect()
    if args.json:
        print_json({"ok": report.active is not None, "detection": report.to_dict()})
    else:
        print("Detection report:")
        print(report.render())
    if report.active is None:
        get_host().resolve()  # raises the resolution error; main prints it
    return 0
