"""The pluggy markers of the ``hwcore`` project."""

from __future__ import annotations

import pluggy

PROJECT = "hwcore"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
