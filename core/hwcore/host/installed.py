"""Installed distributions' entry points, with ``importlib.metadata``'s answer in every layout.

Two readers exist because neither alone is right for start-up:

* ``importlib.metadata`` reads every layout Python knows (plain folders, zip archives and
  ``.egg`` entries on ``sys.path``, and any finder on ``sys.meta_path`` that offers
  ``find_distributions``), but importing it costs 30-60 ms on the 2-core machines this
  project targets (it pulls in ``email``, ``zipfile``, ``pathlib``, ``csv``...): most of
  hwcore's 80 ms start-up budget, to read a few small text files.
* The folder reader here reads only plain ``site-packages``-style folders, which is all an
  ordinary install has, with ``importlib.metadata``'s own rules (CPython 3.11's
  ``Lookup``, ``PathDistribution``, ``Sectioned`` and ``EntryPoint``): suffixes matched
  case-blind, ``sys.path`` order, the first distribution of a normalised name wins (named by
  its folder when the suffix is lower-case, by its metadata otherwise), ``entry_points.txt``
  read as ``Sectioned`` reads it, values parsed by ``EntryPoint.pattern``.

``entry_points`` decides per call: when ``path`` or ``meta_path`` holds anything the folder
reader does not read (``fallback_reason`` names the first), the answer comes from
``importlib.metadata``, imported only then. Both readers share the ``entry_points.txt``
parser, so they differ from the standard library in the same two ways only: a line without
``=`` in a section is skipped (the standard library raises ``TypeError`` for the whole
environment), and where a distribution's metadata lacks ``Name`` or ``Version`` the folder
name's parts stand in (the de-duplication key's name and ``?`` through the standard library,
which shows no folder) instead of ``None``.
"""

from __future__ import annotations

import importlib
import os
import re
import stat
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.machinery import PathFinder
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import importlib.metadata

_SEPARATORS = re.compile(r"[-_.]+")
_INFO_SUFFIXES = (".dist-info", ".egg-info")
# importlib.metadata.EntryPoint.pattern: `module`, `module:attr.path`, each optionally
# followed by `[extras]`, lenient about whitespace around `:`, after attr and after extras.
_ENTRY_POINT_VALUE = re.compile(
    r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$"
)
_UNKNOWN = "?"


@dataclass(frozen=True)
class InstalledEntryPoint:
    """One entry point of an installed distribution, not yet imported."""

    name: str
    group: str
    value: str
    distribution: str
    version: str

    @property
    def module(self) -> str:
        """The module to import: ``pkg.mod`` of ``pkg.mod:obj.attr [extra]``."""
        return self._parts()["module"]

    @property
    def attr(self) -> str | None:
        """The attribute path inside the module (``obj.attr``), or ``None`` for a module."""
        return self._parts()["attr"]

    @property
    def extras(self) -> tuple[str, ...]:
        """The extras named in brackets; recorded by installers, ignored by ``load``."""
        return tuple(re.findall(r"\w+", self._parts()["extras"] or ""))

    def load(self) -> object:
        """Import the module and walk the attribute path, as
        ``importlib.metadata.EntryPoint.load`` does: extras play no part in loading."""
        target: object = importlib.import_module(self.module)
        for attribute in filter(None, (self.attr or "").split(".")):
            target = getattr(target, attribute)
        return target

    def _parts(self) -> re.Match[str]:
        match = _ENTRY_POINT_VALUE.match(self.value)
        if match is None:
            raise ValueError(
                f"The entry point {self.name} = {self.value!r} in group [{self.group}] of "
                f"{self.distribution} {self.version} is not 'module', 'module:attribute' or "
                "'module:attribute [extras]'; its entry_points.txt needs fixing by the "
                "distribution's maintainers."
            )
        return match


def entry_points(
    groups: Iterable[str],
    path: Iterable[str] | None = None,
    meta_path: Iterable[object] | None = None,
) -> list[InstalledEntryPoint]:
    """Every entry point in ``groups`` of the distributions found through ``meta_path``
    (default ``sys.meta_path``) along ``path`` (default ``sys.path``), in the order of
    ``importlib.metadata.entry_points()`` and with its one-distribution-per-name rule."""
    path = list(sys.path if path is None else path)
    meta_path = list(sys.meta_path if meta_path is None else meta_path)
    wanted = frozenset(groups)
    if fallback_reason(path, meta_path) is None:
        return _read_folders(path, wanted)
    return _read_with_standard_library(path, meta_path, wanted)


def fallback_reason(path: Sequence[str], meta_path: Sequence[object]) -> str | None:
    """Why the folder reader cannot answer for ``path`` and ``meta_path`` (the first finder
    or entry it does not read), or ``None`` when it can."""
    for finder in meta_path:
        # importlib.metadata asks every finder with a truthy find_distributions; the standard
        # PathFinder's answer is the folder walk (plus zips and eggs, checked below).
        if finder is not PathFinder and getattr(finder, "find_distributions", None):
            return f"sys.meta_path holds {finder!r}, which has find_distributions"
    for entry in path:
        try:
            mode = os.stat(entry or ".").st_mode
        except (OSError, ValueError):
            continue  # missing or unreadable: importlib.metadata finds nothing there either
        if not stat.S_ISDIR(mode):
            return f"sys.path entry {entry!r} is a file (a zip archive to importlib.metadata)"
        # importlib.metadata tests the entry's own name, so `x.egg/` is an ordinary folder
        if os.path.basename(entry).lower().endswith(".egg"):
            return f"sys.path entry {entry!r} is an .egg folder"
    return None


def normalize(name: str) -> str:
    """PEP 503 name normalisation: ``Hwcore_CPU`` and ``hwcore-cpu`` are one distribution."""
    return _SEPARATORS.sub("-", name).lower()


# ----------------------------------------------------------------- the folder reader


def _read_folders(path: Iterable[str], wanted: frozenset[str]) -> list[InstalledEntryPoint]:
    found: list[InstalledEntryPoint] = []
    seen: set[str] = set()
    for entry in path:
        for info in _info_entries(entry or "."):
            headers: dict[str, str] | None = None
            key = _key_from_suffix(info)
            if not key:  # PathDistribution._normalized_name falls back on the metadata
                headers = _metadata_headers(info)
                key = normalize(headers.get("name") or _name_part(info))
            if key in seen:
                continue
            seen.add(key)
            text = _read_text(os.path.join(info, "entry_points.txt"))
            entries = _parse_entry_points(text, wanted)
            if not entries:
                continue
            headers = _metadata_headers(info) if headers is None else headers
            name = headers.get("name") or _name_part(info)
            version = headers.get("version") or _version_part(info)
            found += [
                InstalledEntryPoint(n, group, value, name, version) for group, n, value in entries
            ]
    return found


def _info_entries(folder: str) -> list[str]:
    """``folder``'s ``*.dist-info`` and ``*.egg-info`` children, any case, in
    ``importlib.metadata.Lookup``'s order: grouped by normalised name in order of first
    appearance, in listing order within a group (a folder listing is not sorted)."""
    try:
        children = os.listdir(folder)
    except (OSError, ValueError):
        return []
    by_name: dict[str, list[str]] = {}
    for child in children:
        if child[-5:].lower() != "-info":  # a cheap first test: most children are modules
            continue
        lowered = child.lower()
        if lowered.endswith(_INFO_SUFFIXES):
            name = normalize(lowered.rpartition(".")[0].partition("-")[0])
            by_name.setdefault(name, []).append(os.path.join(folder, child))
    return [info for infos in by_name.values() for info in infos]


def _key_from_suffix(info: str) -> str:
    """The de-duplication key ``PathDistribution`` takes from the folder name, which it
    does only for an exactly lower-case suffix; empty otherwise."""
    stem, suffix = os.path.splitext(os.path.basename(info))
    return normalize(stem.partition("-")[0]) if suffix in _INFO_SUFFIXES else ""


def _name_part(info: str) -> str:
    return os.path.basename(info).rpartition(".")[0].partition("-")[0] or _UNKNOWN


def _version_part(info: str) -> str:
    return os.path.basename(info).rpartition(".")[0].partition("-")[2] or _UNKNOWN


def _read_text(file: str) -> str | None:
    try:
        with open(file, encoding="utf-8") as handle:
            return handle.read()
    except OSError:  # missing, a folder, under a file: the standard library's None too
        return None


def _metadata_headers(info: str) -> dict[str, str]:
    """``Name`` and ``Version`` (lower-case keys) as ``Distribution.metadata`` reads them:
    from ``METADATA``, else ``PKG-INFO``, else the entry itself (an ``.egg-info`` file)."""
    text = (
        _read_text(os.path.join(info, "METADATA"))
        or _read_text(os.path.join(info, "PKG-INFO"))
        or _read_text(info)
        or ""
    )
    return _first_headers(text, ("name", "version"))


def _first_headers(text: str, names: tuple[str, ...]) -> dict[str, str]:
    """The first value of each header in ``names``, as ``email`` parses it (compat32
    policy) and ``importlib.metadata`` then re-indents a folded value."""
    values: dict[str, list[str]] = {}
    current: list[str] | None = None  # the lines of a wanted header being collected
    headers = text.partition("\n\n")[0]  # an empty line ends them; skip the long body
    for line in headers.splitlines(keepends=True):
        if line[:1] in (" ", "\t"):  # a folded continuation of the header above
            if current is not None:
                current.append(line)
            continue
        current = None
        if line.startswith("From "):  # an mbox envelope line: not a header, not the end
            continue
        name, colon, value = line.partition(":")
        if not colon or not _is_header_name(name):
            break  # a blank line or any other line: the body starts
        name = name.lower()
        if name in names and name not in values:
            current = values[name] = [value.lstrip(" \t")]
    return {name: _unfold("".join(lines).rstrip("\r\n")) for name, lines in values.items()}


def _is_header_name(name: str) -> bool:
    """``email.feedparser.headerRE``'s rule, ``[\\041-\\071\\073-\\176]*``: printable ASCII
    without blanks (the colon is excluded by the split). Not a regex: it costs start-up."""
    return name.isascii() and name.isprintable() and " " not in name


def _unfold(value: str) -> str:
    if "\n" not in value:
        return value
    import textwrap  # only for the rare folded Name or Version

    return textwrap.dedent(" " * 8 + value)


def _parse_entry_points(text: str | None, wanted: frozenset[str]) -> list[tuple[str, str, str]]:
    """``(group, name, value)`` for each entry of a wanted group, by ``Sectioned``'s rules:
    stripped lines, ``#`` comments (``;`` is not one), ``[...]`` stripped of all brackets
    names a section, ``name = value`` split at the first ``=``."""
    found = []
    group: str | None = None
    for line in map(str.strip, (text or "").splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line.strip("[]")
            continue
        name, equals, value = line.partition("=")
        # a line without `=` makes the standard library raise for every distribution
        if group in wanted and equals:
            found.append((group, name.strip(), value.strip()))
    return found


# ----------------------------------------------------------------- the standard library


def _read_with_standard_library(
    path: list[str], meta_path: list[object], wanted: frozenset[str]
) -> list[InstalledEntryPoint]:
    """``importlib.metadata.entry_points()``, but over the given ``path`` and ``meta_path``
    (its ``Distribution.discover`` reads ``sys.meta_path`` itself)."""
    import importlib.metadata  # 30-60 ms: only for layouts the folder reader does not read

    context = importlib.metadata.DistributionFinder.Context(path=path)
    found: list[InstalledEntryPoint] = []
    seen: set[str] = set()
    for finder in meta_path:
        find = getattr(finder, "find_distributions", None)
        if not find:
            continue
        distribution: importlib.metadata.Distribution
        for distribution in find(context):
            name = distribution.metadata["Name"]
            key = _standard_library_key(distribution, name)
            if key in seen:
                continue
            seen.add(key)
            entries = _parse_entry_points(distribution.read_text("entry_points.txt"), wanted)
            version = distribution.version or _UNKNOWN
            found += [
                InstalledEntryPoint(n, group, value, name or key or _UNKNOWN, version)
                for group, n, value in entries
            ]
    return found


def _standard_library_key(distribution: importlib.metadata.Distribution, name: str | None) -> str:
    """The key ``importlib.metadata.entry_points()`` de-duplicates by: the private
    ``_normalized_name`` (since 3.10; from the folder name where it can be), else ``name``."""
    try:
        key = getattr(distribution, "_normalized_name", None)
    except TypeError:  # no name in the folder's nor in the metadata: normalize(None)
        key = None
    return normalize(str(key)) if key else normalize(name or "")
