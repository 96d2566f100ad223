"""``hwcore`` entry point: parse, dispatch to a subcommand module, turn errors into exit codes.

Each subcommand module exposes ``add_arguments(parser)`` and
``run(args) -> int``. Modules are imported only when their subcommand runs, so
``hwcore info`` pays for nothing else.

Exit statuses (``docs/cli.md``): 0 success, 1 the command failed, 2 a usage error,
141 stdout was closed by its reader. Every ``HwcoreWarning`` raised while a command runs is
printed as one ``warning: ...`` line on stderr (``hwcore.cli.warning_lines``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from hwcore.cli.closed_stdout import stop_writing_to_closed_stdout
from hwcore.cli.output import (
    EXIT_FAILURE,
    EXIT_USAGE,
    error_document,
    print_error,
    print_json,
    traceback_would_help,
)
from hwcore.cli.warning_lines import warnings_as_lines

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

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
    "collect-env": (
        "hwcore.cli.collect_env",
        "print versions, variables, detection and platform facts to paste into a bug report",
    ),
    "new-plugin": ("hwcore.cli.new_plugin", "write a new hwcore-NAME backend distribution"),
}


class UsageError(Exception):
    """The command line cannot be parsed; ``parser`` is the (sub)command that refused it."""

    def __init__(self, message: str, parser: argparse.ArgumentParser) -> None:
        super().__init__(message)
        self.parser = parser


class CommandParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that raises ``UsageError`` instead of exiting, so ``main``
    reports every usage error the same way, ``--json`` included."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self)

    def print_help(self, file: SupportsWrite[str] | None = None) -> None:
        # argparse's own writer swallows OSError, so help into a closed pipe would "succeed"
        # with exit 0 where every other output reports the closed stdout.
        (file or sys.stdout).write(self.format_help())


class VersionAction(argparse.Action):
    """``--version``: hwcore's version and every installed plugin's, computed when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS,
            help="print hwcore's version and every installed plugin's, then exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> NoReturn:
        from hwcore.cli.versions import version_text

        print(version_text())
        parser.exit()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser. Given a subcommand, only that subcommand's parser is built and only its
    module imported: every parser built costs each run start-up time, and the others
    could not match. Without one, every subcommand is there for the help."""
    parser = CommandParser(
        prog="hwcore",
        description="The hardware-platform layer: what is installed, detected and chosen.",
    )
    parser.add_argument("--version", action=VersionAction)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        if command in SUBCOMMANDS and name != command:
            continue
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
    try:
        code = _main(list(sys.argv[1:] if argv is None else argv))
        # Inside the try: a reader that left is noticed here, not by the flush at exit.
        sys.stdout.flush()
    except BrokenPipeError:
        return stop_writing_to_closed_stdout()
    return code


def _main(argv: list[str]) -> int:
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    if command is not None and {"-h", "--help"} & set(argv[: argv.index(command)]):
        command = None  # hwcore's own help, listing every subcommand
    with warnings_as_lines():
        try:
            parser = build_parser(command)
            args = parser.parse_args(argv)
        except UsageError as error:
            return _usage_error(error, wants_json="--json" in argv)
        except SystemExit as finished:  # --help and --version print, then ask to exit
            return int(finished.code or 0)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(_module(args.module_name).run(args))
    except BrokenPipeError:
        raise
    except Exception as error:  # the CLI's one place that turns any failure into a message
        if args.debug:
            import traceback

            traceback.print_exc()
        message = str(error) if _is_hwcore(error) else f"{type(error).__name__}: {error}"
        if args.json:
            print_json(error_document(type(error).__name__, message))
        print_error(message)
        if not args.debug and traceback_would_help(error):
            print("(run again with --debug to see the traceback)", file=sys.stderr)
        return EXIT_FAILURE


def _usage_error(error: UsageError, wants_json: bool) -> int:
    if wants_json:
        print_json(error_document("UsageError", str(error)))
    error.parser.print_usage(sys.stderr)
    print_error(str(error))
    return EXIT_USAGE


def _is_hwcore(error: BaseException) -> bool:
    from hwcore.errors import HwcoreError

    return isinstance(error, HwcoreError)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
