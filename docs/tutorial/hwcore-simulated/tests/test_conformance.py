"""hwcore's conformance suite, run twice: with simulated devices and without any."""

from __future__ import annotations

from hwcore.testing.conformance import PlatformConformance


class TestSimulatedWithDevices(PlatformConformance):
    """Two simulated devices: every test runs, including memory ops and attention."""

    plugin = "simulated"
    hardware_environ = {"HWCORE_SIMULATED_DEVICES": "2"}
    absent_environ = {"HWCORE_SIMULATED_DEVICES": None}


class TestSimulatedWithoutDevices(PlatformConformance):
    """No devices asked for: detection says absent and the hardware tests skip."""

    plugin = "simulated"
    absent_environ = {"HWCORE_SIMULATED_DEVICES": None}
