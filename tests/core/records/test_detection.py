from __future__ import annotations

import re

import pytest

from hwcore.records import (
    DetectionReport,
    DetectionResult,
    PlatformAbsent,
    PluginRecord,
    PluginStatus,
)


def test_absent_needs_a_reason():
    with pytest.raises(
        ValueError, match=re.escape("PlatformAbsent.reason must be a non-empty string, got ''")
    ):
        PlatformAbsent("")


def test_report_renders_each_plugin_and_the_decision():
    record = PluginRecord(
        "cuda",
        "hwcore.platforms",
        "hwcore_cuda.plugin",
        "hwcore-cuda",
        "0.1.0",
        PluginStatus.INACTIVE,
    )
    result = DetectionResult(
        "cuda", "hwcore-cuda", "0.1.0", False, None, "NVML library not found", None, 0.0012
    )
    report = DetectionReport((record,), (result,), None, None, None, "nothing chosen")
    assert report.render() == (
        "  cuda         platform hwcore-cuda 0.1.0            inactive, absent (1.20 ms): "
        "NVML library not found\ndecision: nothing chosen"
    )
    assert report.to_dict()["detections"][0] == {
        "plugin": "cuda",
        "distribution": "hwcore-cuda",
        "version": "0.1.0",
        "present": False,
        "fallback": False,
        "evidence": [],
        "reason": "NVML library not found",
        "error": None,
        "milliseconds": 1.2,
        "timed_out": False,
        "output": "",
        "environment_changes": [],
    }
