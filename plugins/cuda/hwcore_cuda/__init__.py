"""hwcore-cuda: the hwcore platform for NVIDIA GPUs.

The hooks live in ``hwcore_cuda.plugin`` (the ``cuda`` entry point); this package imports
nothing at import time, so discovering it costs nothing.
"""

from __future__ import annotations

__version__ = "0.1.0"
