"""``hwcore new-plugin NAME``: write a new, installable ``hwcore-NAME`` backend distribution.

The distribution passes hwcore's conformance suite as written: its detection reports the
hardware absent until the author fills in ``devices.py``, so the hardware tests skip.
"""

from __future__ import annotations

import argparse
import keyword
import re
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hwcore.cli.output import print_error, print_json

HELP = "write a new hwcore-NAME backend distribution"

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
RESERVED_NAMES = frozenset({"cpu", "cuda", "rocm", "xpu", "tpu", "simulated", "hwcore"})
"""Entry-point names taken by hwcore's own distributions: two distributions offering one
name cannot both be installed."""

# template file -> path in the new distribution ("{package}" is the import package)
FILES = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "__init__.py.tmpl": "{package}/__init__.py",
    "devices.py.tmpl": "{package}/devices.py",
    "plugin.py.tmpl": "{package}/plugin.py",
    "test_conformance.py.tmpl": "tests/test_conformance.py",
}


class NewPluginError(Exception):
    """``NAME`` or ``--output`` cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class NewPlugin:
    """The distribution to write: entry-point ``name``, its package, and where it goes."""

    name: str
    folder: Path

    @property
    def package(self) -> str:
        return f"hwcore_{self.name}"

    @property
    def distribution(self) -> str:
        return f"hwcore-{self.name}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name", help="the platform name: lowercase letters, digits and '_' (e.g. mychip)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("."),
        help="the folder to create hwcore-NAME in (default: the current folder)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        plugin = plan(args.name, args.output)
        written = write(plugin)
    except NewPluginError as error:
        if args.json:
            print_json({"ok": False, "error": {"type": "NewPluginError", "message": str(error)}})
        print_error(str(error))
        return 2
    if args.json:
        print_json({"ok": True, "folder": str(plugin.folder), "files": [str(p) for p in written]})
    else:
        print(f"Wrote {plugin.distribution} to {plugin.folder}:")
        print("\n".join(f"  {path.relative_to(plugin.folder)}" for path in written))
        print(f"Next: cd {plugin.folder} && pip install -e '.[test]' && pytest")
    return 0


def plan(name: str, output: Path) -> NewPlugin:
    """Check ``name`` and the target folder; raise ``NewPluginError`` saying what is wrong."""
    if not _NAME.match(name) or keyword.iskeyword(name):
        raise NewPluginError(
            f"{name!r} is not a valid plugin name: use 1 to 32 lowercase letters, digits and "
            "'_', starting with a letter (e.g. mychip); it becomes the entry-point name, "
            "HWCORE_PLATFORM's value and the package hwcore_NAME"
        )
    if name in RESERVED_NAMES:
        raise NewPluginError(
            f"{name!r} is the name of one of hwcore's own platforms; choose another name, "
            "since two distributions offering one name cannot be installed together"
        )
    plugin = NewPlugin(name, Path(output) / f"hwcore-{name}")
    if plugin.folder.exists():
        raise NewPluginError(
            f"{plugin.folder} already exists; remove it or choose another --output folder "
            "(new-plugin never overwrites)"
        )
    return plugin


def write(plugin: NewPlugin) -> list[Path]:
    """Render every template into ``plugin.folder``; return the files written."""
    from hwcore import __version__
    from hwcore.hookspecs import CONTRACT_VERSION

    major, minor, *_ = (int(part) for part in __version__.split("."))
    values = {
        "name": plugin.name,
        "package": plugin.package,
        "contract": CONTRACT_VERSION,
        "hwcore_version": f"{major}.{minor}",
        "hwcore_next": f"{major}.{minor + 1}" if major == 0 else f"{major + 1}",
    }
    templates = resources.files("hwcore.testing").joinpath("template")
    written = []
    for template, relative in FILES.items():
        path = plugin.folder / relative.format(package=plugin.package)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = templates.joinpath(template).read_text(encoding="utf-8")
        path.write_text(string.Template(text).substitute(values), encoding="utf-8")
        written.append(path)
    return written
