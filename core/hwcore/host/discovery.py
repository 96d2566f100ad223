"""Step 1, discover: one scan of the entry-point groups, duplicates, and the allowlist."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hwcore.host.environment import PLUGINS_VARIABLE
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


@dataclass(frozen=True)
class AllowlistSelection:
    """What ``HWCORE_PLUGINS`` keeps and leaves out, and what to tell the user about it.

    ``allowlist`` is the list in force (``None``: every plugin loads); ``warning`` is set when
    some names matched nothing; ``exclusion_reason`` is what ``hwcore plugins`` shows for a
    plugin left out."""

    kept: list[Candidate]
    excluded: list[Candidate]
    allowlist: tuple[str, ...] | None
    warning: str | None
    exclusion_reason: str | None


def apply_allowlist(
    candidates: Iterable[Candidate], allowlist: tuple[str, ...] | None
) -> AllowlistSelection:
    """Keep the candidates ``allowlist`` names.

    A name that matches no installed plugin is a warning that lists what is installed and
    suggests the closest name. When no name matches anything, the list is a typo rather
    than a choice: it is ignored (with that warning) instead of leaving out every plugin,
    including the host-CPU fallback.
    """
    candidates = list(candidates)
    if allowlist is None:
        return AllowlistSelection(candidates, [], None, None, None)
    known = sorted({c.name for c in candidates})
    unknown = [name for name in allowlist if name not in known]
    shown = f"{PLUGINS_VARIABLE}={','.join(allowlist)!r}"
    if len(unknown) == len(allowlist):
        ignored = (
            f"{shown} matches no installed hwcore plugin, so it is ignored and every plugin "
            f"loads; installed: {', '.join(known) or 'none'}.{_suggestions(unknown, known)}"
        )
        return AllowlistSelection(candidates, [], None, ignored, None)
    warning: str | None = None
    if unknown:
        warning = (
            f"{PLUGINS_VARIABLE} names {', '.join(unknown)}, which matches no installed hwcore "
            f"plugin (installed: {', '.join(known)}); check the spelling."
            f"{_suggestions(unknown, known)}"
        )
    kept = [c for c in candidates if c.name in allowlist]
    excluded = [c for c in candidates if c.name not in allowlist]
    return AllowlistSelection(kept, excluded, allowlist, warning, f"left out by {shown}")


def _suggestions(unknown: list[str], known: list[str]) -> str:
    import difflib

    close = {
        name: match[0]
        for name in unknown
        if (match := difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.75))
    }
    return "".join(f" Did you mean {match} instead of {name}?" for name, match in close.items())
