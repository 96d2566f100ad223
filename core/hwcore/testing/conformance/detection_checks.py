"""Detection: a valid answer, the same every time, and no side effect a user would notice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hwcore.records import PlatformAbsent, PlatformInfo
from hwcore.testing.conformance.target import PluginUnderTest

DETECTION_IMPORTS_TORCH_ATTRIBUTE = "HWCORE_DETECTION_IMPORTS_TORCH"
"""A plugin module sets ``HWCORE_DETECTION_IMPORTS_TORCH = True`` when its hardware cannot
be detected without importing torch; the suite then allows the import (and only that)."""


def answer_problem(target: PluginUnderTest, answer: object) -> str | None:
    """Whether ``answer`` is one ``detect_platform`` may return, named correctly."""
    if answer is None or isinstance(answer, PlatformAbsent):
        return None
    if not isinstance(answer, PlatformInfo):
        return (
            f"detect_platform returned {type(answer).__name__} ({answer!r}); return "
            "PlatformInfo when the hardware is present, else PlatformAbsent(reason)"
        )
    if answer.name != target.name:
        return (
            f"detect_platform returned PlatformInfo(name={answer.name!r}); the name must be the "
            f"entry-point name {target.name!r}"
        )
    return None


def run_detection_probe(target: PluginUnderTest, environ: Mapping[str, str]) -> dict[str, Any]:
    """Load and detect ``target`` in a fresh interpreter; its side-effect report."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [
            sys.executable,
            "-m",
            "hwcore.testing._detection_probe",
            target.module_name,
            target.attribute or "-",
            str(output),
        ]
        child_environ = {**environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        completed = subprocess.run(
            command, env=child_environ, capture_output=True, text=True, timeout=120, check=False
        )
        if completed.returncode != 0 or not output.exists():
            return {"failure": _tail(completed.stderr or completed.stdout)}
        report: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
        return report


def torch_import_problem(target: PluginUnderTest, report: Mapping[str, Any]) -> str | None:
    if report["torch_before"]:
        return None  # something outside the plugin (sitecustomize, a .pth file) imported it
    hint = (
        f"; detect the hardware without torch, or declare "
        f"{DETECTION_IMPORTS_TORCH_ATTRIBUTE} = True in {target.module_name} if it cannot be"
    )
    if report["torch_after_import"]:
        return f"importing {target.module_name} imported torch" + hint
    if report["torch_after_detect"]:
        return "detect_platform imported torch" + hint
    return None


def device_context_problem(report: Mapping[str, Any]) -> str | None:
    contexts = report["device_contexts"]
    if not contexts:
        return None
    return (
        f"detect_platform created a device context: {'; '.join(contexts)}. Query the vendor "
        "management library (NVML, amdsmi, sysfs) instead: a context makes a later fork unsafe "
        "and freezes device visibility"
    )


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
