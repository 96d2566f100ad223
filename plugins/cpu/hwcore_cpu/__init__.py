"""hwcore-cpu: the host CPU as an hwcore platform.

It is present on every machine and declares itself a fallback, so it activates only when no
accelerator platform did (or when ``HWCORE_PLATFORM=cpu``). It is also the reference plugin:
it uses exactly the public hookimpl API a third-party backend would. The hooks live in
``hwcore_cpu.plugin``; importing this package imports neither torch nor psutil.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
