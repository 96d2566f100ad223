"""``hwcore`` entry point: parse, dispatch to a subcommand module, turn errors into exit codes.

Each subcommand module exposes ``add_arguments(parser)`` and
``run(args) -> int``. Modules are imported only when their subcommand runs, so
``hwcore info`` pays for nothing else.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hwcore.cli.output import print_error, print_json

SUBCOMMANDS = {
    "info": ("hwcore.cli.info", "show the active platform, its facts and its devices"),
    "plugins": ("hwcore.cli.plugins", "list every discovered plugin and what became of it"),
    "explain": (
        "hwcore.cli.explain",
        "show the detection report, or with --head-size the attention-backend selection",
    ),
    "check": (
        "hwcore.cli.check",
        "run the platform end to end: config, attention, KV-cache copies (the main job)",
    ),
    "new-plugin": ("hwcore.cli.new_plugin", "write a new hwcore-NAME backend distribution"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported to add its own options."""
    parser = argparse.ArgumentParser(
        prog="hwcore",
        description="The hardware-platform layer: what is installed, detected and chosen.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--json", action="store_true", help="print one JSON document")
        sub.add_argument("--debug", action="store_true", help="show tracebacks of failures")
        sub.set_defaults(module_name=module_name)
        if name == command:
            _module(module_name).add_arguments(sub)
    return parser


def _module(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(name)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(_module(args.module_name).run(args))
    except Exception as error:  # the CLI's one place that turns any failure into a message
        if args.debug:
            import traceback

            traceback.print_exc()
        message = str(error) if _is_hwcore(error) else f"{type(error).__name__}: {error}"
        if args.json:
            print_json({"ok": False, "error": {"type": type(error).__name__, "message": message}})
        print_error(message)
        if not args.debug:
            print("(run again with --debug to see the traceback)", file=sys.stderr)
        return 1


def _is_hwcore(error: BaseException) -> bool:
    from hwcore.errors import HwcoreError

    return isinstance(error, HwcoreError)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
