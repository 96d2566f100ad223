"""Step 1, discover: one scan of the entry-point groups, duplicates, and the allowlist."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hwcore.host.installed import InstalledEntryPoint, entry_points
from hwcore.records.detection import PLATFORM_GROUP, PLUGIN_GROUP

GROUPS = (PLATFORM_GROUP, PLUGIN_GROUP)


@dataclass(frozen=True)
class Candidate:
    """A discovered entry point, not yet imported."""

    name: str
    group: str
    value: str
    distribution: str
    version: str
    load: Callable[[], object]

    @property
    def provider(self) -> str:
        return f"{self.distribution} {self.version}"


@functools.cache
def scan_entry_points() -> tuple[Candidate, ...]:
    """Every entry point of the hwcore groups, from one metadata scan; cached per process
    (``hwcore.host.reset`` clears it)."""
    candidates = [_candidate(entry_point) for entry_point in entry_points(GROUPS)]
    return tuple(sorted(candidates, key=lambda c: (c.group, c.name, c.distribution)))


def _candidate(entry_point: InstalledEntryPoint) -> Candidate:
    return Candidate(
        name=entry_point.name,
        group=entry_point.group,
        value=entry_point.value,
        distribution=entry_point.distribution,
        version=entry_point.version,
        load=entry_point.load,
    )


def split_duplicates(
    candidates: Iterable[Candidate],
) -> tuple[list[Candidate], dict[str, list[Candidate]]]:
    """Candidates whose name is unique across both groups, and the duplicated ones by name.

    A name is what ``HWCORE_PLATFORM`` and pluggy know a plugin by, so two distributions
    offering it cannot be told apart; neither is loaded.
    """
    by_name: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_name.setdefault(candidate.name, []).append(candidate)
    unique = [group[0] for group in by_name.values() if len(group) == 1]
    duplicates = {name: group for name, group in by_name.items() if len(group) > 1}
    return unique, duplicates


def split_allowlist(
    candidates: Iterable[Candidate], allowlist: tuple[str, ...] | None
) -> tuple[list[Candidate], list[Candidate], list[str]]:
    """(kept, excluded, allowlisted names that matched nothing)."""
    candidates = list(candidates)
    if allowlist is None:
        return candidates, [], []
    kept = [c for c in candidates if c.name in allowlist]
    excluded = [c for c in candidates if c.name not in allowlist]
    known = {c.name for c in candidates}
    unknown = [name for name in allowlist if name not in known]
    return kept, excluded, unknown
