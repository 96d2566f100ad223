"""Test kit for hwcore backends: fixtures, fake distributions and a conformance suite.

``hwcore.testing.pytest_plugin`` is loaded by pytest automatically and provides the
fixtures ``hwcore_host``, ``hwcore_fake_site``, ``hwcore_hook_calls`` and ``hwcore_reset``.
A backend runs the conformance suite by subclassing
``hwcore.testing.conformance.PlatformConformance`` (see ``docs/writing-a-backend.md``).

Names are imported on first use, so pytest pays nothing for this package until a test
uses it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hwcore.testing import conformance
    from hwcore.testing.fake_site import FakeSite
    from hwcore.testing.hook_recorder import HookCall, HookRecorder
    from hwcore.testing.isolated_host import IsolatedHost

__all__ = ["FakeSite", "HookCall", "HookRecorder", "IsolatedHost", "conformance"]

_LOCATIONS = {
    "FakeSite": "hwcore.testing.fake_site",
    "HookCall": "hwcore.testing.hook_recorder",
    "HookRecorder": "hwcore.testing.hook_recorder",
    "IsolatedHost": "hwcore.testing.isolated_host",
}


def __getattr__(name: str) -> Any:
    if name == "conformance":
        return importlib.import_module("hwcore.testing.conformance")
    if name in _LOCATIONS:
        return getattr(importlib.import_module(_LOCATIONS[name]), name)
    raise AttributeError(f"module 'hwcore.testing' has no attribute {name!r}")
