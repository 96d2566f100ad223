"""``hwcore explain``: the detection report (each plugin, present or not, why, how long)."""

from __future__ import annotations

import argparse

from hwcore.cli.output import print_error, print_json

HELP = "show the detection report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options beyond --json and --debug yet."""


def run(args: argparse.Namespace) -> int:
    from hwcore.errors import HwcoreError
    from hwcore.host import get_host

    host = get_host()
    report = host.inspect()
    failure: HwcoreError | None = None
    try:
        host.resolve()
    except HwcoreError as error:
        failure = error
    if args.json:
        payload: dict[str, object] = {"ok": failure is None, "detection": report.to_dict()}
        if failure is not None:
            payload["error"] = {"type": type(failure).__name__, "message": str(failure)}
        print_json(payload)
    else:
        print("Detection report:")
        print(report.render())
        if failure is not None:
            print_error(str(failure))
    return 0 if failure is None else 1
