"""hwcore-simulated: a simulated accelerator for the hwcore tutorial and for CI.

``HWCORE_SIMULATED_DEVICES=N`` makes ``N`` devices appear; their memory is host memory, so
every hook does real work on any machine.
"""

from __future__ import annotations

__version__ = "0.1.0"
