"""Step 3, detect: ask each loaded platform plugin, one at a time, whether it is present.

Each call goes through pluggy (``HostPluginManager.call_one``), so ``HWCORE_TRACE_HOOKS``
and ``HookRecorder`` see detection like any other hook call.
"""

from __future__ import annotations

import time
import types
from collections.abc import Mapping

from hwcore.host.discovery import Candidate
from hwcore.host.plugin_manager import HostPluginManager
from hwcore.records.detection import DetectionResult, PlatformAbsent
from hwcore.records.platform import PlatformInfo


def detect_platforms(
    pm: HostPluginManager,
    platforms: Mapping[Candidate, object],
    environ: Mapping[str, str],
) -> tuple[DetectionResult, ...]:
    """Run every platform plugin's ``detect_platform`` once, in name order, timing each.

    ``platforms`` maps each loaded platform candidate to its registered plugin object.
    """
    view = types.MappingProxyType(dict(environ))
    return tuple(
        _detect(candidate, pm, plugin, view)
        for candidate, plugin in sorted(platforms.items(), key=lambda item: item[0].name)
    )


def _detect(
    candidate: Candidate, pm: HostPluginManager, plugin: object, environ: Mapping[str, str]
) -> DetectionResult:
    start = time.perf_counter()
    try:
        answer = pm.call_one("detect_platform", plugin, environ=environ)
    except Exception as error:  # detection faults are recorded, never fatal on their own
        return _result(
            candidate, None, None, f"detect_platform raised {type(error).__name__}: {error}",
            time.perf_counter() - start,
        )
    seconds = time.perf_counter() - start
    if isinstance(answer, PlatformInfo):
        if answer.name != candidate.name:
            return _result(
                candidate, None, None,
                f"detect_platform returned PlatformInfo(name={answer.name!r}); the name must "
                f"be the entry-point name {candidate.name!r}",
                seconds,
            )
        return _result(candidate, answer, None, None, seconds)
    if isinstance(answer, PlatformAbsent):
        return _result(candidate, None, answer.reason, None, seconds)
    if answer is None:
        return _result(
            candidate, None, "detect_platform returned None (no reason given)", None, seconds
        )
    return _result(
        candidate, None, None,
        f"detect_platform returned {type(answer).__name__}; return PlatformInfo, "
        "PlatformAbsent or None",
        seconds,
    )


def _result(
    candidate: Candidate,
    info: PlatformInfo | None,
    reason: str | None,
    error: str | None,
    seconds: float,
) -> DetectionResult:
    return DetectionResult(
        plugin=candidate.name,
        distribution=candidate.distribution,
        version=candidate.version,
        present=info is not None,
        info=info,
        reason=reason,
        error=error,
        seconds=seconds,
    )
