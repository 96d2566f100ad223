"""Selection reports: every candidate backend, valid or not, and why (for ``hwcore explain``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwcore.attention.checks import backend_reasons, unregistered_reason
from hwcore.attention.registry import BackendRegistry
from hwcore.records.capability import DeviceCapability
from hwcore.records.platform import DeviceInfo
from hwcore.records.request import AttentionRequest


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
    """What ``get_attn_backend_cls`` was asked, every candidate, and the outcome.

    ``candidates`` follow the platform's priority order (``get_attn_backend_priority``);
    ``others`` are the registered backends for the device type that the platform does not
    list. Both were checked against ``device``, the device selection is made for (the
    weakest visible one), which ``device_note`` states. ``chosen`` is the class path, or
    ``error`` what selection raised. ``verified`` says whether the class paths were imported
    (otherwise only the records were checked).
    """

    platform: str
    device_type: str
    device: DeviceInfo | None
    device_note: str
    request: AttentionRequest
    selected_backend: str | None
    candidates: tuple[CandidateReport, ...]
    others: tuple[CandidateReport, ...]
    chosen: str | None
    error: str | None
    verified: bool = False

    @property
    def capability(self) -> DeviceCapability | None:
        return None if self.device is None else self.device.capability

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "device_type": self.device_type,
            "device": None if self.device is None else self.device.to_dict(),
            "device_note": self.device_note,
            "capability": None if self.capability is None else str(self.capability),
            "request": self.request.to_dict(),
            "selected_backend": self.selected_backend,
            "candidates": [candidate.to_dict() for candidate in self.candidates],
            "others": [candidate.to_dict() for candidate in self.others],
            "chosen": self.chosen,
            "error": self.error,
            "class_paths_imported": self.verified,
        }

    def render(self) -> str:
        capability = "none" if self.capability is None else str(self.capability)
        lines = [
            f"Attention-backend selection on {self.platform} "
            f"(device type {self.device_type}, compute capability {capability})",
            f"  checked for: {self.device_note}",
            f"  request: {self.request.describe()}",
            f"  selected backend: {self.selected_backend or '(auto)'}",
            "  candidates, in the platform's priority order:",
        ]
        for candidate in self.candidates:
            lines += _render_candidate(candidate)
        if self.others:
            lines.append("  other registered backends (not in the platform's order):")
            for candidate in self.others:
                lines += _render_candidate(candidate)
        if not self.chosen:
            return "\n".join([*lines, f"  no backend chosen: {self.error}"])
        lines.append(f"  chosen: {self.chosen}")
        if not self.verified:
            lines.append(
                "  (checked against the backends' records; their classes were not imported: "
                "add --verify to import them)"
            )
        return "\n".join(lines)


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
    hints: Mapping[str, str],
) -> list[CandidateReport]:
    """A report for each name, in order, with every reason it cannot run ``request``."""
    reports = []
    for name in names:
        entry = registry.get(name)
        if entry is None:
            reports.append(CandidateReport(name, None, None, (unregistered_reason(name, hints),)))
            continue
        reasons = backend_reasons(entry.spec, request, device_type, capability)
        reports.append(CandidateReport(name, entry.spec.class_path, entry.provider, tuple(reasons)))
    return reports
