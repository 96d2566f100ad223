"""``FakeSite``: a temporary folder of installed distributions, found by ``importlib.metadata``.

Each distribution is written the way pip installs one: ``NAME-VERSION.dist-info/METADATA``
and ``entry_points.txt`` next to its module files. With the folder on ``sys.path``,
``importlib.metadata`` (and so hwcore's real discovery) sees it like any installed wheel.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

from hwcore.host import Candidate, reset
from hwcore.host.discovery import GROUPS


class FakeSite:
    """A folder of fake installed distributions, put on ``sys.path`` while active.

    ``add_distribution`` writes one; ``candidates`` discovers, through
    ``importlib.metadata``, the hwcore entry points of this folder only (for an
    ``IsolatedHost``). While active (``activate``/``deactivate`` or ``with``), the folder is
    first on ``sys.path`` so ``hwcore.reset()`` followed by the real scan sees it too.
    Deactivating removes the folder from ``sys.path``, forgets every module imported from
    it and resets hwcore, so the next test starts clean.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.extra_paths: list[Path] = []
        self._active = False

    def add_distribution(
        self,
        name: str,
        *,
        version: str = "0.1.0",
        entry_points: Mapping[str, Mapping[str, str]] | None = None,
        modules: Mapping[str, str] | None = None,
        requires: Iterable[str] = ("hwcore",),
    ) -> Path:
        """Write distribution ``name`` and return its ``.dist-info`` folder.

        ``entry_points`` maps a group to ``{entry-point name: "pkg.module"}``;
        ``modules`` maps a path relative to the site (``"hwcore_fake/plugin.py"``) to its
        source. Write every distribution before the first import from it.
        """
        dist_info = self.root / f"{_normalise(name)}-{version}.dist-info"
        dist_info.mkdir()
        metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        metadata += [f"Requires-Dist: {requirement}" for requirement in requires]
        (dist_info / "METADATA").write_text("\n".join(metadata) + "\n", encoding="utf-8")
        (dist_info / "entry_points.txt").write_text(
            _entry_points_text(entry_points or {}), encoding="utf-8"
        )
        for relative, source in (modules or {}).items():
            path = self.root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source, encoding="utf-8")
        importlib.invalidate_caches()
        return dist_info

    def add_source_path(self, path: Path) -> None:
        """Also put ``path`` on ``sys.path`` while active: a source tree whose packages a
        fake distribution's entry points name (an editable install, in effect)."""
        self.extra_paths.append(Path(path))
        if self._active:
            sys.path.insert(1, str(path))

    def candidates(self) -> tuple[Candidate, ...]:
        """The hwcore entry points of this folder's distributions, as discovery builds them."""
        found = [
            _candidate(distribution, entry_point)
            for distribution in importlib.metadata.distributions(path=[str(self.root)])
            for entry_point in distribution.entry_points
            if entry_point.group in GROUPS
        ]
        return tuple(sorted(found, key=lambda c: (c.group, c.name, c.distribution)))

    @property
    def paths(self) -> list[str]:
        """The folders this site puts on ``sys.path``, first to last."""
        return [str(self.root), *(str(path) for path in self.extra_paths)]

    def pythonpath(self) -> str:
        """A ``PYTHONPATH`` value that shows this site to a child interpreter."""
        inherited = os.environ.get("PYTHONPATH")
        return os.pathsep.join([*self.paths, *([inherited] if inherited else [])])

    # ----------------------------------------------------------------- activation

    def activate(self) -> FakeSite:
        if not self._active:
            sys.path[0:0] = self.paths
            self._active = True
            importlib.invalidate_caches()
            reset()
        return self

    def deactivate(self) -> None:
        if not self._active:
            return
        for path in self.paths:
            while path in sys.path:
                sys.path.remove(path)
        for name in [name for name, module in sys.modules.items() if self._owns(module)]:
            del sys.modules[name]
        self._active = False
        importlib.invalidate_caches()
        reset()

    def __enter__(self) -> FakeSite:
        return self.activate()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.deactivate()

    def _owns(self, module: object) -> bool:
        location = getattr(module, "__file__", None)
        return isinstance(location, str) and any(
            location.startswith(path + os.sep) for path in self.paths
        )


def _normalise(name: str) -> str:
    """The file-name form of a distribution name (PEP 427): ``hwcore-fake`` → ``hwcore_fake``."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _entry_points_text(entry_points: Mapping[str, Mapping[str, str]]) -> str:
    sections = []
    for group, names in entry_points.items():
        lines = [f"[{group}]", *(f"{name} = {value}" for name, value in names.items())]
        sections.append("\n".join(lines))
    return "\n\n".join(sections) + "\n"


def _candidate(
    distribution: importlib.metadata.Distribution, entry_point: importlib.metadata.EntryPoint
) -> Candidate:
    return Candidate(
        name=entry_point.name,
        group=entry_point.group,
        value=entry_point.value,
        distribution=distribution.metadata["Name"],
        version=distribution.version,
        load=entry_point.load,
    )
