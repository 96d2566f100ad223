"""Selection reports: every candidate backend, valid or not, and why (for ``hwcore explain``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwcore.attention.checks import backend_reasons, unregistered_reason
from hwcore.attention.registry import BackendRegistry
from hwcore.attention.request import AttentionRequest
from hwcore.records.capability import DeviceCapability


@dataclass(frozen=True)
class CandidateReport:
    """One candidate: its name, where it comes from, and why it cannot run (empty: valid).
    ``class_path`` and ``provider`` are ``None`` for a name nobody registered."""

    name: str
    class_path: str | None
    provider: str | None
    reasons: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.reasons

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "class_path": self.class_path,
            "provider": self.provider,
            "valid": self.valid,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class SelectionReport:
    """What ``get_attn_backend_cls`` was asked, every candidate, and the outcome: the
    ``chosen`` class path, or the ``error`` selection raised."""

    platform: str
    device_type: str
    capability: DeviceCapability | None
    request: AttentionRequest
    selected_backend: str | None
    candidates: tuple[CandidateReport, ...]
    chosen: str | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "device_type": self.device_type,
            "capability": None if self.capability is None else str(self.capability),
            "request": self.request._asdict(),
            "selected_backend": self.selected_backend,
            "candidates": [candidate.to_dict() for candidate in self.candidates],
            "chosen": self.chosen,
            "error": self.error,
        }

    def render(self) -> str:
        capability = "none" if self.capability is None else str(self.capability)
        lines = [
            f"Attention-backend selection on {self.platform} "
            f"(device type {self.device_type}, compute capability {capability})",
            f"  request: {self.request.describe()}",
            f"  selected backend: {self.selected_backend or '(auto)'}",
            "  candidates, in priority order:",
        ]
        for candidate in self.candidates:
            lines += _render_candidate(candidate)
        outcome = f"chosen: {self.chosen}" if self.chosen else f"no backend chosen: {self.error}"
        return "\n".join([*lines, f"  {outcome}"])


def _render_candidate(candidate: CandidateReport) -> list[str]:
    source = f" from {candidate.provider}" if candidate.provider else ""
    mark = "valid" if candidate.valid else "invalid"
    lines = [f"    {candidate.name}{source}: {mark}"]
    lines += [f"      - {reason}" for reason in candidate.reasons]
    return lines


def evaluate_candidates(
    names: Sequence[str],
    request: AttentionRequest,
    registry: BackendRegistry,
    device_type: str,
    capability: DeviceCapability | None,
    providers: Mapping[str, str] | None = None,
) -> list[CandidateReport]:
    """A report for each name, in order, with every reason it cannot run ``request``."""
    reports = []
    for name in names:
        entry = registry.get(name)
        if entry is None:
            reason = unregistered_reason(name, providers)
            reports.append(CandidateReport(name, None, None, (reason,)))
            continue
        reasons = backend_reasons(entry.spec, request, device_type, capability)
        reports.append(CandidateReport(name, entry.spec.class_path, entry.provider, tuple(reasons)))
    return reports
