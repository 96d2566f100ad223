"""``hwcore collect-env``: everything a bug report needs, in one output to paste into an
issue (like ``vllm collect-env`` and ``python -m torch.utils.collect_env``).

Sections, each collected on its own: ``hwcore`` (version, hook contract, location),
``python``, ``packages`` (torch, pluggy and the vendor libraries, from metadata; torch's
CUDA/ROCm/XPU build from its ``version.py`` read as text), ``plugins`` (every installed
plugin distribution, from the entry-point scan), ``environment`` (every ``HWCORE_*`` variable
and every device-visibility variable), ``detection`` (the detection report, and the facts of
every platform that found its hardware), ``platform`` (the active platform and its devices,
as ``hwcore info``), ``warnings`` (the ``HwcoreWarning`` messages raised meanwhile).

The command never fails: a section that raises is reported as that section's error (type,
message, and the traceback where it says more than the message), and the command exits 0,
so a broken installation still yields a complete report. It imports no torch and no vendor
SDK of its own; only resolving the platform runs the installed plugins' detection.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import platform as python_platform
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from hwcore.cli.output import print_json, traceback_would_help
from hwcore.cli.warning_lines import warning_line, warnings_as_lines

HELP = "print versions, variables, detection and platform facts to paste into a bug report"

VISIBILITY_VARIABLES = (
    "CUDA_VISIBLE_DEVICES",
    "HIP_VISIBLE_DEVICES",
    "ROCR_VISIBLE_DEVICES",
    "ZE_AFFINITY_MASK",
    "ZE_FLAT_DEVICE_HIERARCHY",
    "ONEAPI_DEVICE_SELECTOR",
    "TPU_VISIBLE_CHIPS",
    "TPU_CHIPS_PER_HOST_BOUNDS",
    "TPU_HOST_BOUNDS",
    "TPU_ACCELERATOR_TYPE",
    "PJRT_DEVICE",
    "JAX_PLATFORMS",
    "CPU_VISIBLE_MEMORY_NODES",
)
"""The variables that decide which devices the shipped backends see, reported even when
detection cannot run. Each detected platform adds its own ``device_control_env_var`` and
extra variables from its ``PlatformInfo``."""

PREFIX = "HWCORE_"

Section = Callable[[], Any]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options beyond --json and --debug."""


def run(args: argparse.Namespace) -> int:
    # The warnings become a section of the report; stderr would only show them twice.
    with warnings_as_lines(io.StringIO()) as seen:
        report = collect(os.environ)
    report["warnings"] = list(seen)
    if args.json:
        print_json({"ok": True, **report})
    else:
        print(render(report))
    return 0


def collect(environ: Mapping[str, str]) -> dict[str, Any]:
    """Every section, in order; a section that raises becomes ``{"error": {...}}``."""
    sections: dict[str, Section] = {
        "hwcore": _hwcore,
        "python": _python,
        "packages": _packages,
        "plugins": _plugins,
        "environment": lambda: _environment(environ),
        "detection": _detection,
        "platform": _platform,
    }
    return {name: guarded(section) for name, section in sections.items()}


def guarded(section: Section) -> Any:
    """``section()``, or the error it raised as ``{"error": {"type", "message",
    "traceback"}}`` (``traceback`` is ``None`` where the message is the diagnosis)."""
    try:
        return section()
    except (Exception, SystemExit) as error:  # a plugin may even call sys.exit on import
        helps = traceback_would_help(error)
        return {
            "error": {
                "type": type(error).__name__,
                "message": str(error),
                "traceback": traceback.format_exc() if helps else None,
            }
        }


# ------------------------------------------------------------------------ sections


def _hwcore() -> dict[str, Any]:
    import hwcore
    from hwcore.hookspecs import CONTRACT_VERSION

    return {
        "version": hwcore.__version__,
        "contract": CONTRACT_VERSION,
        "location": os.path.dirname(hwcore.__file__ or ""),
    }


def _python() -> dict[str, Any]:
    return {
        "version": python_platform.python_version(),
        "implementation": python_platform.python_implementation(),
        "executable": sys.executable,
        "system": python_platform.platform(),
        "machine": python_platform.machine(),
    }


def _packages() -> dict[str, Any]:
    from hwcore.cli.package_versions import reported_versions, torch_build

    return {"versions": reported_versions(), "torch_build": guarded(torch_build)}


def _plugins() -> list[dict[str, object]]:
    from hwcore.cli.versions import installed_plugins

    return [plugin.to_dict() for plugin in installed_plugins()]


def _environment(environ: Mapping[str, str]) -> dict[str, str | None]:
    names = {name for name in environ if name.startswith(PREFIX)}
    names.update(VISIBILITY_VARIABLES)
    names.update(_detected_platform_variables())
    return {name: environ.get(name) for name in sorted(names)}


def _detected_platform_variables() -> set[str]:
    """The visibility and extra variables of every platform that found its hardware; none
    when detection itself cannot run (the detection section reports why)."""
    from hwcore.host import get_host

    try:
        report = get_host().inspect()
    except Exception:  # reported by the detection section, which runs the same call
        return set()
    names: set[str] = set()
    for result in report.detections:
        if result.info is None:
            continue
        if result.info.device_control_env_var:
            names.add(result.info.device_control_env_var)
        names.update(result.info.additional_env_vars)
        names.update(result.info.ray_noset_device_env_vars)
    return names


def _detection() -> dict[str, Any]:
    from hwcore.host import get_host

    report = get_host().inspect()
    present = {
        result.plugin: result.info.to_dict()
        for result in report.detections
        if result.info is not None
    }
    return {"report": report.to_dict(), "text": report.render(), "present": present}


def _platform() -> dict[str, Any]:
    from hwcore.cli.info import collect as collect_info
    from hwcore.facade import current_platform

    return collect_info(current_platform())


# -------------------------------------------------------------------------- text


TITLES = {
    "hwcore": "hwcore",
    "python": "Python",
    "packages": "Packages",
    "plugins": "Plugins",
    "environment": "Environment",
    "detection": "Detection",
    "platform": "Active platform",
    "warnings": "Warnings",
}


def render(report: dict[str, Any]) -> str:
    """The report as text, one ``## Title`` block per section."""
    blocks = ["hwcore collect-env: paste everything below into your bug report"]
    for name, title in TITLES.items():
        body = guarded(functools.partial(_render_section, name, report[name]))
        if isinstance(body, dict):  # rendering itself failed: show the raw section
            body = f"  (cannot render: {body['error']['message']})\n  {report[name]!r}"
        blocks.append(f"## {title}\n{body}")
    return "\n\n".join(blocks)


def _render_section(name: str, value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"error"}:
        return _render_error(value["error"])
    return _RENDERERS[name](value)


def _render_error(error: dict[str, Any]) -> str:
    first, *rest = f"{error['type']}: {error['message']}".splitlines()
    lines = [f"  error: {first}", *(f"    {line}" for line in rest)]
    if error.get("traceback"):
        lines += [f"    {line}" for line in error["traceback"].rstrip().splitlines()]
    return "\n".join(lines)


def _pairs(pairs: Mapping[str, Any]) -> str:
    width = max((len(key) for key in pairs), default=0)
    return "\n".join(f"  {key:<{width}}  {value}" for key, value in pairs.items())


def _render_hwcore(value: dict[str, Any]) -> str:
    return _pairs({"version": f"{value['version']} (hook contract {value['contract']})",
                   "location": value["location"]})


def _render_python(value: dict[str, Any]) -> str:
    return _pairs(value)


def _render_packages(value: dict[str, Any]) -> str:
    shown = {name: version or "not installed" for name, version in value["versions"].items()}
    build = value["torch_build"]
    if isinstance(build, dict) and "error" in build:
        shown["torch build"] = f"unknown ({build['error']['type']}: {build['error']['message']})"
    elif build:
        shown["torch build"] = ", ".join(f"{key} {build[key] or '-'}" for key in build)
    return _pairs(shown)


def _render_plugins(value: list[dict[str, Any]]) -> str:
    if not value:
        return "  (no hwcore plugin is installed)"
    return "\n".join(
        f"  {p['distribution']} {p['version']}: {', '.join(p['entry_points'])}" for p in value
    )


def _render_environment(value: dict[str, str | None]) -> str:
    lines = [f"  {name}={variable}" for name, variable in value.items() if variable is not None]
    unset = [name for name, variable in value.items() if variable is None]
    if unset:
        lines.append(f"  unset: {', '.join(unset)}")
    return "\n".join(lines)


def _render_detection(value: dict[str, Any]) -> str:
    lines = [value["text"]]
    active = value["report"]["active"]
    for name, info in value["present"].items():
        if name != active and info["details"]:
            facts = ", ".join(f"{key} {fact}" for key, fact in info["details"].items())
            lines.append(f"{name} (present, not active): {facts}")
    return "\n".join(lines)


def _render_platform(value: dict[str, Any]) -> str:
    from hwcore.cli.info import render as render_info

    return "\n".join(f"  {line}" for line in render_info(value).splitlines())


def _render_warnings(value: list[str]) -> str:
    if not value:
        return "  (none)"
    return "\n".join(f"  {warning_line(message)}" for message in value)


_RENDERERS: dict[str, Callable[[Any], str]] = {
    "hwcore": _render_hwcore,
    "python": _render_python,
    "packages": _render_packages,
    "plugins": _render_plugins,
    "environment": _render_environment,
    "detection": _render_detection,
    "platform": _render_platform,
    "warnings": _render_warnings,
}
