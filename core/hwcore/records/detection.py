"""What the host found: each plugin it discovered, each detection it ran, and its decision."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from hwcore.records._checks import require_text
from hwcore.records.platform import PlatformInfo

PLATFORM_GROUP = "hwcore.platforms"
PLUGIN_GROUP = "hwcore.plugins"


class PluginStatus(str, enum.Enum):
    """Where a discovered plugin ended up."""

    ACTIVE = "active"  # the platform every pm.hook call reaches
    LOADED = "loaded"  # a general plugin, registered and reached by pm.hook calls
    INACTIVE = "inactive"  # a platform plugin that loaded but was not chosen; blocked
    FAILED = "failed"  # import, contract or hookimpl check failed; not registered
    DUPLICATE = "duplicate"  # its name is offered by two distributions; neither loaded
    EXCLUDED = "excluded"  # left out by the HWCORE_PLUGINS allowlist


@dataclass(frozen=True)
class PlatformAbsent:
    """``detect_platform``'s answer when the hardware is not there, with the reason.

    ``hwcore explain`` shows the reason, so a user learns why a platform was skipped
    (``"NVML library not found (libnvidia-ml.so.1); no /etc/nv_tegra_release"``).
    """

    reason: str

    def __post_init__(self) -> None:
        require_text("PlatformAbsent", "reason", self.reason)


@dataclass(frozen=True)
class PluginRecord:
    """One discovered entry point and what became of it."""

    name: str
    group: str
    value: str
    distribution: str
    version: str
    status: PluginStatus
    error: str | None = None

    @property
    def is_platform(self) -> bool:
        return self.group == PLATFORM_GROUP

    @property
    def provider(self) -> str:
        """``"hwcore-cuda 0.1.0"``: how messages name the distribution."""
        return f"{self.distribution} {self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "group": self.group,
            "value": self.value,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status.value,
            "error": self.error,
        }


@dataclass(frozen=True)
class DetectionResult:
    """One platform plugin's answer to ``detect_platform``, with its cost and what it did
    that it should not have: ``output`` it printed (captured), ``environment_changes`` it
    made (undone), and whether it ``timed_out``."""

    plugin: str
    distribution: str
    version: str
    present: bool
    info: PlatformInfo | None
    reason: str | None
    error: str | None
    seconds: float
    output: str = ""
    environment_changes: tuple[str, ...] = ()
    timed_out: bool = False

    @property
    def evidence(self) -> tuple[str, ...]:
        return () if self.info is None else self.info.evidence

    @property
    def is_fallback(self) -> bool:
        return self.info is not None and self.info.is_fallback

    def to_dict(self) -> dict[str, Any]:
        return {
            "plugin": self.plugin,
            "distribution": self.distribution,
            "version": self.version,
            "present": self.present,
            "fallback": self.is_fallback,
            "evidence": list(self.evidence),
            "reason": self.reason,
            "error": self.error,
            "milliseconds": round(self.seconds * 1000, 3),
            "timed_out": self.timed_out,
            "output": self.output,
            "environment_changes": list(self.environment_changes),
        }


@dataclass(frozen=True)
class DetectionReport:
    """Everything the host did to choose a platform; ``hwcore explain`` prints it."""

    plugins: tuple[PluginRecord, ...]
    detections: tuple[DetectionResult, ...]
    override: str | None
    allowlist: tuple[str, ...] | None
    active: str | None
    decision: str
    warnings: tuple[str, ...] = ()

    def plugin(self, name: str) -> PluginRecord | None:
        return next((record for record in self.plugins if record.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "decision": self.decision,
            "override": self.override,
            "allowlist": None if self.allowlist is None else list(self.allowlist),
            "plugins": [record.to_dict() for record in self.plugins],
            "detections": [result.to_dict() for result in self.detections],
            "warnings": list(self.warnings),
        }

    def render(self) -> str:
        """The report as text: one line per plugin, then the decision."""
        lines = []
        by_plugin = {result.plugin: result for result in self.detections}
        for record in self.plugins:
            result = by_plugin.get(record.name)
            kind = "platform" if record.is_platform else "plugin"
            line = f"  {record.name:<12} {kind:<8} {record.provider:<28} {record.status.value}"
            if result is not None:
                verdict = "present" if result.present else "absent"
                if result.error is not None:
                    verdict = "detection failed"
                line += f", {verdict} ({result.seconds * 1000:.2f} ms)"
                why = "; ".join(result.evidence) or result.reason or result.error
                if why:
                    line += f": {why}"
            elif record.error:
                line += f": {record.error}"
            lines.append(line)
        if not lines:
            lines.append("  (no hwcore plugins are installed)")
        if self.decision:
            lines.append(f"decision: {self.decision}")
        lines += [f"warning: {warning}" for warning in self.warnings]
        return "\n".join(lines)
