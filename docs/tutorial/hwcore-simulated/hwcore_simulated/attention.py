"""The simulator's attention backend and its priority list.

The record says what the backend supports without importing it (so registering costs
nothing); the class lives in ``hwcore_simulated.backend`` and is imported only when an
engine loads the class path that ``get_attn_backend_cls`` returned.
"""

from __future__ import annotations

from hwcore.plugin_api import AttentionBackendSpec

SIMULATED_PAGED = AttentionBackendSpec(
    name="SIMULATED_PAGED",
    class_path="hwcore_simulated.backend.SimulatedPagedAttention",
    dtypes=("float16", "bfloat16", "float32"),
    kv_cache_dtypes=("auto", "float16", "bfloat16"),
    block_sizes=(16,),
    default_block_size=16,
    device_types=("cpu",),
    required_packages=("torch",),
    description="hwcore's portable paged attention, run on simulated devices",
)

PRIORITY = ("SIMULATED_PAGED", "TORCH_SDPA")
"""Best first: the simulator's own backend, then the core's reference backend."""

