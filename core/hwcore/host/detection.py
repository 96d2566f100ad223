"""Step 3, detect: ask each loaded platform plugin, one at a time, whether it is present.

Each call goes through pluggy (``HostPluginManager.call_one``), so ``HWCORE_TRACE_HOOKS``
and ``HookRecorder`` see detection like any other hook call, and runs isolated
(``hwcore.host.isolation``): within a deadline, its output captured, its environment
changes undone. A plugin that misbehaves is reported by name; resolution goes on.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping

from hwcore.host.discovery import Candidate
from hwcore.host.environment import TIMEOUT_VARIABLE
from hwcore.host.isolation import Isolated, run_isolated
from hwcore.host.plugin_manager import HostPluginManager
from hwcore.records.detection import DetectionResult, PlatformAbsent
from hwcore.records.platform import PlatformInfo


def detect_platforms(
    pm: HostPluginManager,
    platforms: Mapping[Candidate, object],
    environ: Mapping[str, str],
    timeout: float,
) -> tuple[DetectionResult, ...]:
    """Run every platform plugin's ``detect_platform`` once, in name order, each within
    ``timeout`` seconds. ``platforms`` maps each loaded candidate to its plugin object."""
    view = types.MappingProxyType(dict(environ))
    results = []
    for candidate, plugin in sorted(platforms.items(), key=lambda item: item[0].name):
        run = run_isolated(functools.partial(_ask, pm, plugin, view), timeout)
        results.append(_result(candidate, run, timeout))
    return tuple(results)


def _ask(pm: HostPluginManager, plugin: object, environ: Mapping[str, str]) -> object:
    return pm.call_one("detect_platform", plugin, environ=environ)


def _result(candidate: Candidate, run: Isolated, timeout: float) -> DetectionResult:
    info, reason, error = _verdict(candidate, run, timeout)
    return DetectionResult(
        plugin=candidate.name,
        distribution=candidate.distribution,
        version=candidate.version,
        present=info is not None,
        info=info,
        reason=reason,
        error=error,
        seconds=run.seconds,
        output=run.output,
        environment_changes=tuple(run.environment_changes),
        timed_out=run.timed_out,
    )


def _verdict(
    candidate: Candidate, run: Isolated, timeout: float
) -> tuple[PlatformInfo | None, str | None, str | None]:
    """(info, absence reason, error): exactly one is set."""
    if run.timed_out:
        return None, None, (
            f"detect_platform did not answer within {timeout:g} s ({TIMEOUT_VARIABLE}); "
            "hwcore went on without it"
        )
    if run.exception is not None:
        error = run.exception
        return None, None, f"detect_platform raised {type(error).__name__}: {error}"
    answer = run.answer
    if isinstance(answer, PlatformInfo):
        if answer.name != candidate.name:
            return None, None, (
                f"detect_platform returned PlatformInfo(name={answer.name!r}); the name must "
                f"be the entry-point name {candidate.name!r}"
            )
        return answer, None, None
    if isinstance(answer, PlatformAbsent):
        return None, answer.reason, None
    if answer is None:
        return None, "detect_platform returned None (no reason given)", None
    return None, None, (
        f"detect_platform returned {type(answer).__name__}; return PlatformInfo, "
        "PlatformAbsent or None"
    )
