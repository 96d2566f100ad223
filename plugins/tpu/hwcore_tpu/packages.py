"""Whether libtpu, JAX or tpu-inference is installed, found without importing any of them.

Importing them is what must not happen during detection: ``import libtpu`` writes
``TPU_LIBRARY_PATH`` into the environment, ``import jax`` starts the TPU runtime and claims
the chips, and ``import tpu_inference`` asks the GCE metadata server for the slice with no
timeout. ``importlib.util.find_spec`` of a top-level name only searches ``sys.path``.
"""

from __future__ import annotations

import importlib.util

LIBTPU = "libtpu"
JAX = "jax"
TPU_INFERENCE = "tpu_inference"
TPU_INFERENCE_INSTALL = "pip install tpu-inference on a TPU VM"


def installed_at(module: str) -> str | None:
    """Where top-level ``module`` would be imported from, or ``None`` when it is not
    installed. Never imports it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):  # a broken entry in sys.modules or on sys.path
        return None
    if spec is None:
        return None
    return spec.origin or ", ".join(spec.submodule_search_locations or ()) or module
