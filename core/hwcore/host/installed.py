"""Reading installed distributions' entry points without importing ``importlib.metadata``.

Why not the standard library: on the 2-core machines this project targets, importing
``importlib.metadata`` costs about 40 ms (it pulls in ``email``, ``zipfile``, ``pathlib``,
``socket``...), half of hwcore's start-up budget, to read a few small text files. This
module reads exactly what the host needs, with the standard library's rules: ``sys.path``
in order, ``*.dist-info`` and ``*.egg-info`` folders, the first distribution of a given
(normalised) name wins, ``entry_points.txt`` in its INI form.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_SEPARATORS = re.compile(r"[-_.]+")


@dataclass(frozen=True)
class InstalledEntryPoint:
    name: str
    group: str
    value: str
    distribution: str
    version: str

    def load(self) -> object:
        """Import ``module[:attribute.path]``, as ``importlib.metadata.EntryPoint.load``."""
        module_name, _, attributes = self.value.partition(":")
        target: object = importlib.import_module(module_name.strip())
        for attribute in filter(None, attributes.strip().split(".")):
            target = getattr(target, attribute)
        return target


def entry_points(
    groups: Iterable[str], path: Iterable[str] | None = None
) -> list[InstalledEntryPoint]:
    """Every entry point in ``groups`` of the distributions importable from ``path``."""
    wanted = set(groups)
    found = []
    for folder in _distribution_folders(sys.path if path is None else path):
        sections = _read_entry_points(os.path.join(folder, "entry_points.txt"), wanted)
        if not sections:
            continue
        name, version = _name_and_version(folder)
        found += [
            InstalledEntryPoint(entry, group, value, name, version)
            for group, entries in sections.items()
            for entry, value in entries
        ]
    return found


def normalize(name: str) -> str:
    """PEP 503 name normalisation: ``Hwcore_CPU`` and ``hwcore-cpu`` are one distribution."""
    return _SEPARATORS.sub("-", name).lower()


def _distribution_folders(path: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for entry in path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:  # a zip file, a missing folder: nothing installed there for us
            continue
        for name in names:
            stem, dot, suffix = name.rpartition(".")
            if not dot or suffix not in ("dist-info", "egg-info"):
                continue
            key = normalize(stem.partition("-")[0])
            if key not in seen:
                seen.add(key)
                yield os.path.join(entry or ".", name)


def _read_entry_points(file: str, wanted: set[str]) -> dict[str, list[tuple[str, str]]]:
    try:
        with open(file, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return {}
    sections: dict[str, list[tuple[str, str]]] = {}
    group: str | None = None
    for raw in lines:
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        if group in wanted and "=" in line:
            name, _, value = line.partition("=")
            sections.setdefault(group, []).append((name.strip(), value.strip()))
    return sections


def _name_and_version(folder: str) -> tuple[str, str]:
    """``Name`` and ``Version`` from the metadata headers, falling back on the folder name."""
    stem = os.path.basename(folder).rpartition(".")[0]
    name, _, version = stem.partition("-")
    headers = {"name": name, "version": version or "?"}
    metadata = "METADATA" if folder.endswith(".dist-info") else "PKG-INFO"
    try:
        with open(os.path.join(folder, metadata), encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    break  # the headers end at the first blank line
                key, colon, value = line.partition(":")
                if colon and key.lower() in ("name", "version"):
                    headers[key.lower()] = value.strip()
    except OSError:
        pass
    return headers["name"], headers["version"]
