"""The TPU device nodes under an injectable ``/dev`` (``HWCORE_DEV_ROOT``).

Chips up to v4 appear as ``/dev/accel<N>``, v5e and later as ``/dev/vfio/<N>`` (one VFIO
group each); Ray and tpu-inference count chips this way. Only these exact names count:
``/dev/accel/`` (a directory, the kernel's accel subsystem used by other NPUs) and
``/dev/vfio/vfio`` (the VFIO container node) are not chips.
"""

from __future__ import annotations

import os
from typing import NamedTuple


class DeviceNodes(NamedTuple):
    """The numbered ``accel`` and ``vfio`` nodes found, sorted by number."""

    accel: tuple[int, ...]
    vfio: tuple[int, ...]

    @property
    def total(self) -> int:
        # A host has one kind or the other; if both show up, the larger set is the chips.
        return max(len(self.accel), len(self.vfio))

    def describe(self, dev_root: str) -> str:
        """``"/dev/vfio/0-7"``-style summary of what was found, for the evidence."""
        parts = []
        if self.accel:
            parts.append(f"{os.path.join(dev_root, 'accel')}{_numbers(self.accel)}")
        if self.vfio:
            parts.append(f"{os.path.join(dev_root, 'vfio', _numbers(self.vfio))}")
        return " and ".join(parts)


def scan_device_nodes(dev_root: str) -> DeviceNodes:
    """The numbered TPU nodes directly under ``dev_root`` and under ``dev_root``/vfio."""
    return DeviceNodes(
        accel=_numbered(_list(dev_root), "accel"),
        vfio=_numbered(_list(os.path.join(dev_root, "vfio")), ""),
    )


def _numbered(names: list[str], prefix: str) -> tuple[int, ...]:
    tails = (name[len(prefix):] for name in names if name.startswith(prefix))
    return tuple(sorted(int(tail) for tail in tails if tail.isdigit()))


def _list(directory: str) -> list[str]:
    try:
        return os.listdir(directory)
    except OSError:
        return []


def _numbers(numbers: tuple[int, ...]) -> str:
    if len(numbers) > 1 and numbers == tuple(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}-{numbers[-1]}"
    return ",".join(str(number) for number in numbers)
