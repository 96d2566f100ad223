"""``SimulatedPagedAttention``: the class behind the ``SIMULATED_PAGED`` record.

It is hwcore's portable paged-attention reference backend under the simulator's own name:
a real backend would put its kernels here. Importing this module imports torch, which is
why the record in ``hwcore_simulated.attention`` names the class instead of importing it.
"""

from __future__ import annotations

from typing import ClassVar

from hwcore.plugin_api import TorchSDPABackend


class SimulatedPagedAttention(TorchSDPABackend):
    """Paged attention on simulated devices (host memory)."""

    name: ClassVar[str] = "SIMULATED_PAGED"
