"""Memory-in-use queries through torch, shared by the backends whose devices torch drives."""

from __future__ import annotations

import sys
from types import ModuleType


def imported_torch() -> ModuleType | None:
    """torch, if something in this process already imported it; never imports it (a
    query that would cost 2 s of import and may create a device context must not)."""
    return sys.modules.get("torch")


def torch_memory_in_use(device_type: str, device_id: int) -> int:
    """Bytes torch holds on ``torch.<device_type>`` device ``device_id`` now: vLLM's measure
    (empty the caching allocator, reset the peak, read the peak), so the answer is what is
    held at this moment rather than the high-water mark of an earlier step. Imports torch
    and creates a device context if there is none."""
    import torch

    runtime = getattr(torch, device_type)
    runtime.empty_cache()
    runtime.reset_peak_memory_stats(device_id)
    return int(runtime.max_memory_allocated(device_id))
