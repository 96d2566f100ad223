"""Every test starts without simulated devices, whatever the calling shell set."""

from __future__ import annotations

import pytest
from hwcore_simulated.devices import DEVICES_VARIABLE, MEMORY_VARIABLE, VISIBLE_VARIABLE


@pytest.fixture(autouse=True)
def _no_simulated_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (DEVICES_VARIABLE, MEMORY_VARIABLE, VISIBLE_VARIABLE):
        monkeypatch.delenv(variable, raising=False)
