"""Memory queries and KV-cache block copies on CUDA tensors.

The copies are the core primitives (validated before the first byte moves, coalesced into
runs, non-blocking from pinned host memory with one synchronisation); this module only
says that the device side is ``cuda``. torch is imported inside the functions: it is a
peer dependency and detection must never pay for it.
"""

from __future__ import annotations

from typing import Any

DEVICE_TYPE = "cuda"


def insert_blocks_to_device(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    from hwcore.memory import insert_blocks_to_device as copy_into_device

    return copy_into_device(
        src_cache, dst_cache, src_block_indices, dst_block_indices, device_type=DEVICE_TYPE
    )


def swap_out_blocks_to_host(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    from hwcore.memory import swap_out_blocks_to_host as copy_out_to_host

    return copy_out_to_host(
        src_cache, dst_cache, src_block_indices, dst_block_indices, device_type=DEVICE_TYPE
    )


def current_memory_usage(device_id: int) -> int:
    """Peak bytes allocated by torch on logical device ``device_id``, vLLM's measure.

    Emptying the cache and resetting the peak first makes the answer the memory held now,
    not the high-water mark of an earlier step. Creates a CUDA context if there is none.
    """
    import torch

    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats(device_id)
    return int(torch.cuda.max_memory_allocated(device_id))
