"""The ``host_factory`` fixture: installs an in-process host, restores the real one."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import hwcore
from hwcore.host import Candidate, Host, install_host
from hwcore.records import PLATFORM_GROUP, PLUGIN_GROUP

# The test modules import their fakes from attention_fakes.py next to this file.
sys.path.insert(0, str(Path(__file__).parent))


def make_host(platform: object, **general: object) -> Host:
    """Install and resolve a host with ``platform`` as ``fakegpu`` (from distribution
    ``fake-dist 1.0``) and each keyword as a general plugin from ``<name>-dist 2.0``."""
    candidates = [Candidate("fakegpu", PLATFORM_GROUP, "x", "fake-dist", "1.0", lambda: platform)]
    candidates += [
        Candidate(name, PLUGIN_GROUP, "y", f"{name}-dist", "2.0", _loader(plugin))
        for name, plugin in general.items()
    ]
    host = Host(discover=lambda: candidates, environ={})
    install_host(host)
    host.resolve()
    return host


def _loader(plugin: object) -> Callable[[], object]:
    return lambda: plugin


@pytest.fixture
def host_factory() -> Iterator[Callable[..., Host]]:
    yield make_host
    install_host(None)
    hwcore.reset()
