"""``Host``: the five steps (discover, load, detect, resolve, activate), and the state that
depends on which plugins were registered: the plugin manager, the active platform's facts,
the attention registry and selection cache, the facade. Nothing of it lives in a module
global, so two hosts in one process (an engine's and a test's) never see each other.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from hwcore.errors import HwcoreError, HwcoreWarning
from hwcore.host import conflicts, discovery
from hwcore.host.detection import detect_platforms
from hwcore.host.discovery import Candidate
from hwcore.host.environment import (
    TRACE_VARIABLE,
    read_detect_timeout,
    read_platform_override,
    read_plugin_allowlist,
)
from hwcore.host.loading import LoadOutcome, load_candidate
from hwcore.host.plugin_manager import HostPluginManager
from hwcore.host.resolution import resolve_platform
from hwcore.records.detection import (
    PLATFORM_GROUP,
    DetectionReport,
    DetectionResult,
    PluginRecord,
    PluginStatus,
)
from hwcore.records.platform import PlatformInfo

if TYPE_CHECKING:
    from hwcore.attention.selection import AttentionSelector
    from hwcore.facade import Platform

CORE_DEFAULTS_NAME = "hwcore.defaults"


class Host:
    """Discovers, loads, detects, resolves and activates plugins, once.

    ``discover`` returns the candidates to consider (the installed entry points by
    default; ``hwcore.testing`` passes its own); ``environ`` is where ``HWCORE_PLATFORM``
    and ``HWCORE_PLUGINS`` are read.
    """

    def __init__(
        self,
        discover: Callable[[], Iterable[Candidate]] = discovery.scan_entry_points,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        from hwcore.facade import Platform

        self._discover = discover
        self._environ = os.environ if environ is None else environ
        self._lock = threading.Lock()
        self._resolved = False
        self._failure: HwcoreError | None = None
        self._facade = Platform(self)
        self.plugin_manager = HostPluginManager(self._facade)
        self.report = DetectionReport((), (), None, None, None, "not resolved yet")
        self._platform_info: PlatformInfo | None = None
        self._providers: dict[str, str] = {}
        self._attention: AttentionSelector | None = None

    # ------------------------------------------------------------------ public

    def resolve(self) -> HostPluginManager:
        """Run the five steps once (thread-safe); return the activated plugin manager.

        A failure is kept and raised again on every later call, with the same report.
        """
        if not self._resolved:
            with self._lock:
                if not self._resolved:
                    try:
                        self._run()
                    except HwcoreError as error:
                        self._failure = error
                    self._resolved = True
        if self._failure is not None:
            raise self._failure
        return self.plugin_manager

    @property
    def platform_info(self) -> PlatformInfo:
        self.resolve()
        assert self._platform_info is not None
        return self._platform_info

    @property
    def active_info(self) -> PlatformInfo | None:
        """The active platform's facts if this host has resolved, else ``None`` (never
        resolves)."""
        return self._platform_info

    @property
    def environ(self) -> Mapping[str, str]:
        """Where this host reads ``HWCORE_*`` and the platforms read their variables."""
        return self._environ

    def platform(self) -> Platform:
        """The typed facade over this host's hooks; using it resolves the host."""
        return self._facade

    @property
    def attention(self) -> AttentionSelector:
        """This host's attention-backend registry and selection cache."""
        if self._attention is None:
            from hwcore.attention.selection import AttentionSelector

            self._attention = AttentionSelector(self)
        return self._attention

    def provider_of(self, plugin_name: str) -> str:
        """``"hwcore-cuda 0.1.0"`` for a registered plugin name (``hwcore`` for the core)."""
        return self._providers.get(plugin_name, plugin_name)

    def inspect(self) -> DetectionReport:
        """The detection report, resolving first if needed, even when resolution fails."""
        with contextlib.suppress(HwcoreError):
            self.resolve()
        return self.report

    # ----------------------------------------------------------------- the steps

    def _run(self) -> None:
        from hwcore.defaults import CoreDefaults

        if self._environ.get(TRACE_VARIABLE, "") not in ("", "0"):
            # pluggy's tracer prints every hook call with its arguments and result.
            self.plugin_manager.trace.root.setwriter(sys.stderr.write)
            self.plugin_manager.enable_tracing()
        override = read_platform_override(self._environ)
        allowlist = read_plugin_allowlist(self._environ)
        timeout = read_detect_timeout(self._environ)
        candidates = list(self._discover())
        selection = discovery.apply_allowlist(candidates, allowlist)
        notes = [] if selection.warning is None else [selection.warning]
        unique, duplicates = discovery.split_duplicates(selection.kept)
        # General plugins register first: pluggy calls the last registered first, so the
        # platform answers before them unless a general plugin asks for tryfirst.
        load_order = sorted(unique, key=lambda c: c.group == PLATFORM_GROUP)
        outcomes = {c.name: load_candidate(c, self.plugin_manager) for c in load_order}
        loaded_platforms = {
            c: outcomes[c.name].plugin
            for c in unique
            if c.group == PLATFORM_GROUP and outcomes[c.name].error is None
        }
        detections = detect_platforms(
            self.plugin_manager, loaded_platforms, self._environ, timeout
        )
        self._providers = {c.name: c.provider for c in unique}
        self._providers[CORE_DEFAULTS_NAME] = "hwcore (core defaults)"
        notes += _side_effect_notes(detections)

        records = _records(candidates, selection, duplicates, outcomes)
        draft = DetectionReport(records, detections, override, selection.allowlist, None, "")
        try:
            resolution = resolve_platform(draft)
        except HwcoreError as error:
            self.report = DetectionReport(
                records, detections, override, selection.allowlist, None,
                str(error).splitlines()[0], tuple(notes),
            )
            self._warn(self.report)
            raise error from _cause(outcomes, override)
        self._activate(resolution.active, list(loaded_platforms), detections)
        self.plugin_manager.register(CoreDefaults(self), name=CORE_DEFAULTS_NAME)
        general = [
            c.name for c in unique if c.group != PLATFORM_GROUP and not outcomes[c.name].error
        ]
        notes += _skipped_notes(records, detections)
        notes += self._guard_conflicts(general)
        self.report = DetectionReport(
            _mark_active(records, resolution.active),
            detections,
            override,
            selection.allowlist,
            resolution.active,
            resolution.decision,
            tuple(notes),
        )
        self._warn(self.report)

    def _activate(
        self, active: str, platforms: list[Candidate], detections: tuple[DetectionResult, ...]
    ) -> None:
        for candidate in platforms:
            if candidate.name != active:
                self.plugin_manager.set_blocked(candidate.name)
        self._platform_info = next(d.info for d in detections if d.plugin == active)

    def _guard_conflicts(self, general: list[str]) -> tuple[str, ...]:
        """Register a guard for every first-result conflict; return their messages."""
        messages = []
        for conflict in conflicts.find_conflicts(self.plugin_manager, general):
            message = conflict.message(self.provider_of)
            providers = ", ".join(self.provider_of(name) for name in conflict.plugins)
            self.plugin_manager.register(
                conflicts.guard(conflict, message, providers),
                name=conflicts.GUARD_PREFIX + conflict.hook,
            )
            messages.append(message)
        return tuple(messages)

    def _warn(self, report: DetectionReport) -> None:
        """Issue every warning of the report, once, as a ``HwcoreWarning``."""
        for message in report.warnings:
            warnings.warn(message, HwcoreWarning, stacklevel=5)


def _records(
    candidates: list[Candidate],
    selection: discovery.AllowlistSelection,
    duplicates: dict[str, list[Candidate]],
    outcomes: dict[str, LoadOutcome],
) -> tuple[PluginRecord, ...]:
    excluded_ids = {id(c) for c in selection.excluded}
    records = []
    for c in candidates:
        error: str | None = None
        if id(c) in excluded_ids:
            status, error = PluginStatus.EXCLUDED, selection.exclusion_reason
        elif c.name in duplicates:
            status = PluginStatus.DUPLICATE
            others = [d.provider for d in duplicates[c.name] if d is not c]
            error = (
                f"the entry-point name {c.name!r} is also offered by {', '.join(others)}; "
                "uninstall one of them"
            )
        elif outcomes[c.name].error is not None:
            status, error = PluginStatus.FAILED, outcomes[c.name].error
        elif c.group == PLATFORM_GROUP:
            status = PluginStatus.INACTIVE
        else:
            status = PluginStatus.LOADED
        records.append(
            PluginRecord(c.name, c.group, c.value, c.distribution, c.version, status, error)
        )
    return tuple(records)


def _skipped_notes(
    records: tuple[PluginRecord, ...], detections: tuple[DetectionResult, ...]
) -> list[str]:
    """A warning for each plugin that failed to load or detect but was not needed."""
    detection_errors = {d.plugin: d.error for d in detections if d.error}
    notes = []
    for record in records:
        if record.status is PluginStatus.EXCLUDED:
            continue
        error = record.error or detection_errors.get(record.name)
        if error is not None:
            notes.append(
                f"hwcore plugin {record.name!r} from {record.provider} was skipped: {error}. "
                f"Fix or uninstall {record.distribution}; `hwcore plugins` lists every plugin."
            )
    return notes


def _side_effect_notes(detections: tuple[DetectionResult, ...]) -> list[str]:
    """What detectors did that they must not: print, change the environment."""
    notes = []
    for result in detections:
        who = f"hwcore plugin {result.plugin!r} from {result.distribution} {result.version}"
        blame = f"report this to the maintainers of {result.distribution}"
        if result.output:
            notes.append(
                f"{who} printed during detection, which must print nothing; hwcore captured it "
                f"so it cannot mix with this command's output ({_shorten(result.output)}); "
                f"{blame}"
            )
        if result.environment_changes:
            notes.append(
                f"{who} changed the environment during detection "
                f"({'; '.join(result.environment_changes)}), which detection must not do; "
                f"hwcore put it back; {blame}"
            )
    return notes


def _shorten(text: str, limit: int = 200) -> str:
    text = text.strip()
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _mark_active(records: tuple[PluginRecord, ...], active: str) -> tuple[PluginRecord, ...]:
    return tuple(
        dataclasses.replace(r, status=PluginStatus.ACTIVE)
        if r.name == active and r.status is PluginStatus.INACTIVE
        else r
        for r in records
    )


def _cause(outcomes: dict[str, LoadOutcome], override: str | None) -> BaseException | None:
    """The forced plugin's own exception, so ``--debug`` shows its traceback."""
    if override is None or override not in outcomes:
        return None
    return outcomes[override].exception
