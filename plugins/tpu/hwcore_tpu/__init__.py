"""hwcore-tpu: the hwcore platform for Google TPUs.

The hooks live in ``hwcore_tpu.plugin`` (the ``tpu`` entry point); this package imports
nothing at import time, so discovering it costs nothing.
"""

from __future__ import annotations

__version__ = "0.1.0"
