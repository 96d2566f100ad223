"""hwcore-xpu: the hwcore platform for Intel GPUs on native ``torch.xpu``.

The hooks live in ``hwcore_xpu.plugin`` (the ``xpu`` entry point); this package imports
nothing at import time, so discovering it costs nothing.
"""

from __future__ import annotations

__version__ = "0.1.0"
