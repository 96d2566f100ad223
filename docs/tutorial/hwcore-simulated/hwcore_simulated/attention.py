"""The simulator's attention backend and its priority list.

The record says what the backend supports without importing it (so registering costs
nothing); the class lives in ``hwcore_simulated.backend`` and is imported only when an
engine loads the class path that ``get_attn_backend_cls`` returned.
"""

from __future__ import annotations

from typing import Any

from hwcore.records import AttentionBackendSpec

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


def select(
    selected_backend: str | None,
    head_size: int,
    dtype: Any,
    kv_cache_dtype: str | None,
    block_size: int | None,
    use_mla: bool,
    has_sink: bool,
    use_sparse: bool,
) -> str:
    """The class path of the first backend in ``PRIORITY`` that can run the request; the
    core's selector raises an error listing every candidate's reasons otherwise."""
    from hwcore.attention.selection import select_attention_backend

    class_path: str = select_attention_backend(
        list(PRIORITY),
        selected_backend=selected_backend,
        head_size=head_size,
        dtype=dtype,
        kv_cache_dtype=kv_cache_dtype,
        block_size=block_size,
        use_mla=use_mla,
        has_sink=has_sink,
        use_sparse=use_sparse,
    )
    return class_path
