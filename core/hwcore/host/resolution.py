"""Step 4, resolve: choose exactly one platform from the detection report, or explain why not."""

from __future__ import annotations

from dataclasses import dataclass

from hwcore.errors import (
    AmbiguousPlatformError,
    DuplicatePluginError,
    NoPlatformError,
    PlatformOverrideError,
    PluginContractError,
    PluginError,
    PluginLoadError,
    UnusablePlatformError,
)
from hwcore.host.environment import PLATFORM_VARIABLE, PLUGINS_VARIABLE
from hwcore.records.detection import DetectionReport, DetectionResult, PluginRecord, PluginStatus

INSTALL_HINT = (
    "Install the backend for your hardware, e.g. `pip install hwcore-cuda` (NVIDIA), "
    "`hwcore-rocm` (AMD), `hwcore-xpu` (Intel GPU), `hwcore-tpu` (Google TPU), or "
    "`pip install hwcore-cpu` to run on the host CPU."
)


@dataclass(frozen=True)
class Resolution:
    active: str
    decision: str


def resolve_platform(report: DetectionReport) -> Resolution:
    """The platform to activate, from a report whose ``active`` is not yet set."""
    resolution = _choose(report)
    chosen = next(d for d in report.detections if d.plugin == resolution.active)
    reason = None if chosen.info is None else chosen.info.unusable_reason
    if reason is not None:
        raise UnusablePlatformError(
            f"platform {chosen.plugin!r} from {chosen.distribution} {chosen.version} was "
            f"chosen ({resolution.decision}), but it cannot be used: {reason}"
        )
    return resolution


def _choose(report: DetectionReport) -> Resolution:
    if report.override is not None:
        return _forced(report, report.override)
    present = [d for d in report.detections if d.present]
    accelerators = [d for d in present if not d.is_fallback]
    if len(accelerators) == 1:
        only = accelerators[0]
        return Resolution(
            only.plugin, f"{only.plugin}: the only accelerator detected ({_why(only)})"
        )
    if len(accelerators) > 1:
        raise AmbiguousPlatformError(_ambiguous_message(accelerators, "accelerator platforms"))
    fallbacks = [d for d in present if d.is_fallback]
    if len(fallbacks) == 1:
        only = fallbacks[0]
        return Resolution(
            only.plugin, f"{only.plugin}: fallback, no accelerator platform detected its hardware"
        )
    if len(fallbacks) > 1:
        raise AmbiguousPlatformError(_ambiguous_message(fallbacks, "fallback platforms"))
    summary, message = _none_message(report)
    raise NoPlatformError(message, summary=summary)


def _forced(report: DetectionReport, name: str) -> Resolution:
    record = report.plugin(name)
    platforms = sorted(r.name for r in report.plugins if r.is_platform)
    installed = ", ".join(platforms) or "none"
    if record is None:
        raise PlatformOverrideError(
            f"{PLATFORM_VARIABLE}={name} names no installed platform plugin (installed: "
            f"{installed}). {_did_you_mean(name, platforms)}"
        )
    if not record.is_platform:
        raise PlatformOverrideError(
            f"{PLATFORM_VARIABLE}={name} names a general plugin from {record.provider}, not a "
            f"platform; set it to one of: {installed}."
        )
    if record.status is PluginStatus.EXCLUDED:
        raise PlatformOverrideError(
            f"{PLATFORM_VARIABLE}={name} names a platform that {PLUGINS_VARIABLE} leaves out; "
            f"add {name} to {PLUGINS_VARIABLE} or unset it."
        )
    if record.error is not None:
        raise plugin_error(
            record, f"{PLATFORM_VARIABLE}={name} forces platform {name!r} from {record.provider}"
        )
    result = next(d for d in report.detections if d.plugin == name)
    if result.error is not None:
        raise PlatformOverrideError(
            f"{PLATFORM_VARIABLE}={name} forces platform {name!r} from {record.provider}, but "
            f"its detection failed: {result.error}. Fix or reinstall {record.distribution}, or "
            f"choose another platform."
        )
    if not result.present:
        raise PlatformOverrideError(
            f"{PLATFORM_VARIABLE}={name} forces platform {name!r} from {record.provider}, but "
            f"its hardware is not present: {result.reason}. Unset {PLATFORM_VARIABLE} or run "
            "on a machine with that hardware."
        )
    return Resolution(name, f"{name}: forced by {PLATFORM_VARIABLE}={name}")


def _did_you_mean(name: str, platforms: list[str]) -> str:
    """Point at the platform the user probably meant, or at what to install."""
    import difflib

    folded = [platform for platform in platforms if platform.lower() == name.lower()]
    close = folded or difflib.get_close_matches(name.lower(), platforms, n=1, cutoff=0.75)
    if close:
        return (
            f"Did you mean {PLATFORM_VARIABLE}={close[0]}? Platform names are entry-point "
            "names, written as installed."
        )
    return (
        f"Install hwcore-{name.lower()} or set {PLATFORM_VARIABLE} to one of those."
    )


def _why(result: DetectionResult) -> str:
    return "; ".join(result.evidence)


def _ambiguous_message(results: list[DetectionResult], kind: str) -> str:
    lines = [f"{len(results)} {kind} detected their hardware, and hwcore runs on exactly one:"]
    lines += [f"  - {r.plugin} from {r.distribution} {r.version}: {_why(r)}" for r in results]
    lines.append(
        f"Choose one with {PLATFORM_VARIABLE}, e.g. {PLATFORM_VARIABLE}={results[0].plugin}, "
        "or uninstall the distributions you do not need."
    )
    return "\n".join(lines)


def _none_message(report: DetectionReport) -> tuple[str, str]:
    """(what went wrong, in a sentence or two; the whole message with the report)."""
    head = _none_head(report)
    return head, "\n".join([head, "Detection report:", report.render(), INSTALL_HINT])


def _none_head(report: DetectionReport) -> str:
    platforms = sorted((r for r in report.plugins if r.is_platform), key=lambda r: r.name)
    left_out = [r for r in platforms if r.status is PluginStatus.EXCLUDED]
    allowed = ",".join(report.allowlist or ())
    if platforms and len(left_out) == len(platforms):
        return (
            f"{PLUGINS_VARIABLE}={allowed!r} leaves out every installed platform plugin "
            f"({', '.join(r.name for r in platforms)}), so hwcore has no platform to run on; "
            f"add one to {PLUGINS_VARIABLE} (e.g. {PLUGINS_VARIABLE}={allowed},"
            f"{platforms[0].name}) or unset it."
        )
    if not platforms:
        return "No hwcore platform plugin is installed."
    if any(r.error and r.status is not PluginStatus.EXCLUDED for r in platforms):
        return (
            "No usable hwcore platform: some failed (see below) and none of the others "
            "detected its hardware." + _left_out(left_out, allowed)
        )
    if left_out:
        return "No hwcore platform detected its hardware." + _left_out(left_out, allowed)
    return "No hwcore platform detected its hardware, and no host-CPU fallback is installed."


def _left_out(left_out: list[PluginRecord], allowed: str) -> str:
    if not left_out:
        return ""
    return (
        f" {PLUGINS_VARIABLE}={allowed!r} leaves out {', '.join(r.name for r in left_out)}; "
        "add the platform you need to it, or unset it."
    )


def plugin_error(record: PluginRecord, context: str) -> PluginError:
    """The ``PluginError`` for a plugin that failed to load but is needed."""
    cls: type[PluginError]
    if record.status is PluginStatus.DUPLICATE:
        cls = DuplicatePluginError
    elif (record.error or "").startswith("importing"):
        cls = PluginLoadError
    else:
        cls = PluginContractError
    return cls(
        f"{context}, which cannot be used: {record.error}",
        plugin=record.name,
        distribution=record.provider,
    )
