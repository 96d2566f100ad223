"""hwcore's conformance suite, run twice: with simulated devices and without any."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from hwcore.testing.conformance import PlatformConformance


class TestSimulatedWithDevices(PlatformConformance):
    """Two simulated devices: every test runs, including memory ops and attention."""

    plugin = "simulated"
    hardware_environ: ClassVar[Mapping[str, str]] = {"HWCORE_SIMULATED_DEVICES": "2"}
    absent_environ: ClassVar[Mapping[str, str | None]] = {"HWCORE_SIMULATED_DEVICES": None}


class TestSimulatedWithoutDevices(PlatformConformance):
    """No devices asked for: detection says absent and the hardware tests skip."""

    plugin = "simulated"
    absent_environ: ClassVar[Mapping[str, str | None]] = {"HWCORE_SIMULATED_DEVICES": None}
