"""hwcore-rocm: the hwcore platform for AMD GPUs (ROCm, HIP).

The hooks live in ``hwcore_rocm.plugin`` (the ``rocm`` entry point); this package imports
nothing at import time, so discovering it costs nothing.
"""

from __future__ import annotations

__version__ = "0.1.0"
