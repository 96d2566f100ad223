"""hwcore's pytest plugin, loaded by pytest wherever hwcore is installed: fixtures only.

It stays cheap to import (every pytest run in an environment with hwcore pays for it):
nothing is imported until a fixture is used.

* ``hwcore_host``: an ``IsolatedHost``, process-wide for the test; no installed plugin is seen.
* ``hwcore_fake_site``: a ``FakeSite`` on ``sys.path`` for the test, to install fake
  distributions that ``importlib.metadata`` really discovers.
* ``hwcore_hook_calls``: a ``HookRecorder`` on ``hwcore_host``'s plugin manager.
* ``hwcore_reset``: ``hwcore.reset()`` before and after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from hwcore.testing.fake_site import FakeSite
    from hwcore.testing.hook_recorder import HookRecorder
    from hwcore.testing.isolated_host import IsolatedHost


@pytest.fixture
def hwcore_host() -> Iterator[IsolatedHost]:
    """A fresh host that sees only the plugins the test adds; restored afterwards."""
    from hwcore.testing.isolated_host import IsolatedHost

    with IsolatedHost() as host:
        yield host


@pytest.fixture
def hwcore_fake_site(tmp_path: Path) -> Iterator[FakeSite]:
    """A temporary folder of fake installed distributions, on ``sys.path`` for the test."""
    from hwcore.testing.fake_site import FakeSite

    with FakeSite(tmp_path / "site-packages") as site:
        yield site


@pytest.fixture
def hwcore_hook_calls(hwcore_host: IsolatedHost) -> Iterator[HookRecorder]:
    """Every hook call made through ``hwcore_host`` during the test."""
    from hwcore.testing.hook_recorder import HookRecorder

    with HookRecorder(hwcore_host.host.plugin_manager) as recorder:
        yield recorder


@pytest.fixture
def hwcore_reset() -> Iterator[None]:
    """Forget the resolved platform and the entry-point scan, before and after the test."""
    from hwcore.host import reset

    reset()
    yield
    reset()
