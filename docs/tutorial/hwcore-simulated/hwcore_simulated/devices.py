"""The device seam: everything the plugin knows about its devices comes from here.

A real backend keeps its vendor library (NVML, amdsmi, sysfs) behind a module like this
one, so tests can present any machine by changing what it reads. The simulator reads
environment variables: cheap, side-effect free, and never present by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEVICES_VARIABLE = "HWCORE_SIMULATED_DEVICES"
MEMORY_VARIABLE = "HWCORE_SIMULATED_MEMORY_GIB"
VISIBLE_VARIABLE = "HWCORE_SIMULATED_VISIBLE_DEVICES"
DEFAULT_MEMORY_GIB = 16
MAX_DEVICES = 64


@dataclass(frozen=True)
class SimulatedDevices:
    """The simulated devices asked for: how many, and the memory of each."""

    count: int
    memory_bytes: int


def read_devices(environ: Mapping[str, str]) -> SimulatedDevices | None:
    """The devices ``environ`` asks for, or ``None`` when ``HWCORE_SIMULATED_DEVICES`` is
    unset. A malformed value raises ``ValueError``: the user asked for devices, so silently
    reporting none would hide their typo."""
    raw = environ.get(DEVICES_VARIABLE)
    if raw is None:
        return None
    count = _whole_number(DEVICES_VARIABLE, raw, 0, MAX_DEVICES)
    memory_gib = _whole_number(
        MEMORY_VARIABLE, environ.get(MEMORY_VARIABLE, str(DEFAULT_MEMORY_GIB)), 1, 1024
    )
    return SimulatedDevices(count=count, memory_bytes=memory_gib * 1024**3)


def uuid_of(index: int) -> str:
    """Device ``index``'s UUID: stable, so ``HWCORE_SIMULATED_VISIBLE_DEVICES=SIM-00000001``
    names one device the way ``CUDA_VISIBLE_DEVICES=GPU-...`` does."""
    return f"SIM-{index:08d}"


def _whole_number(variable: str, raw: str, lowest: int, highest: int) -> int:
    text = raw.strip()
    if not text.isdigit() or not lowest <= int(text) <= highest:
        raise ValueError(
            f"{variable}={raw!r} is not a whole number from {lowest} to {highest}; "
            f"e.g. {variable}={max(lowest, min(2, highest))}"
        )
    return int(text)
