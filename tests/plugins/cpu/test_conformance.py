"""hwcore-cpu passes the conformance suite every backend runs against itself."""

from __future__ import annotations

from hwcore.testing.conformance import PlatformConformance


class TestCpuConformance(PlatformConformance):
    plugin = "cpu"
