"""Where detection reads the kernel's view of the hardware: ``/sys`` and ``/dev``.

Both can be moved with a variable, read from the environment detection is given: a
container that mounts the host's ``/sys`` elsewhere sets ``HWCORE_SYSFS_ROOT``, and tests
and the dist session point both at fake trees. Paths are strings: pathlib costs start-up
time that detection does not need.
"""

from __future__ import annotations

from collections.abc import Mapping

SYSFS_VARIABLE = "HWCORE_SYSFS_ROOT"
DEV_VARIABLE = "HWCORE_DEV_ROOT"


def sysfs_root(environ: Mapping[str, str]) -> str:
    """``HWCORE_SYSFS_ROOT``, or ``/sys``."""
    return environ.get(SYSFS_VARIABLE) or "/sys"


def dev_root(environ: Mapping[str, str]) -> str:
    """``HWCORE_DEV_ROOT``, or ``/dev``."""
    return environ.get(DEV_VARIABLE) or "/dev"
