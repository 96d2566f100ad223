"""KV-cache block copies: validate everything, coalesce runs, move bytes once.

Host-to-host copies go through the compiled loop in ``hwcore.memory.native`` (one memcpy
per run, shared among torch's threads for large copies); every other pair of devices, and
host copies when that loop is not installed, through one torch ``copy_`` per run.

Why compiled, measured with ``benchmarks/block_copy.py`` (256 random 64 KiB blocks out of
2048, 2-core VM): a Python loop pays a GIL hand-off per block, so two threads of numpy or
torch copies ran no faster than one, reaching about half the bandwidth of one contiguous
``copy_``. vLLM's ``dst[idx] = src[idx]`` gathers into a fresh temporary and scatters again,
moving every byte twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hwcore.memory import native
from hwcore.memory.runs import coalesce_runs
from hwcore.memory.validation import validate_block_copy, validate_devices

if TYPE_CHECKING:
    import torch


def copy_blocks(
    src_cache: Any,
    dst_cache: Any,
    src_block_indices: Any,
    dst_block_indices: Any,
    *,
    allow_empty: bool = False,
) -> Any:
    """Copy ``src_cache[src_block_indices]`` into ``dst_cache[dst_block_indices]`` (blocks
    on dim 0, indices from 0) between any two devices; return ``dst_cache``.

    Every argument is validated first (``MemoryOpError``, destination unchanged). The copy
    is complete when this returns: a non-blocking transfer is synchronised before return,
    so the caller may reuse the source and read the destination at once.
    """
    validate_block_copy(
        src_cache, dst_cache, src_block_indices, dst_block_indices, allow_empty=allow_empty
    )
    if src_cache.device.type == "cpu" and dst_cache.device.type == "cpu":
        _copy_on_host(src_cache, dst_cache, src_block_indices, dst_block_indices)
    else:
        _copy_with_torch(src_cache, dst_cache, src_block_indices, dst_block_indices)
    return dst_cache


def insert_blocks_to_device(
    src_cache: Any,
    dst_cache: Any,
    src_block_indices: Any,
    dst_block_indices: Any,
    *,
    device_type: str,
    allow_empty: bool = False,
) -> Any:
    """``copy_blocks`` from a host (``cpu``) cache into a ``device_type`` cache; with
    ``device_type="cpu"`` both are host caches. ``MemoryOpError`` names a misplaced cache."""
    _validate_tensors_then_devices(src_cache, dst_cache, "cpu", device_type)
    return copy_blocks(
        src_cache, dst_cache, src_block_indices, dst_block_indices, allow_empty=allow_empty
    )


def swap_out_blocks_to_host(
    src_cache: Any,
    dst_cache: Any,
    src_block_indices: Any,
    dst_block_indices: Any,
    *,
    device_type: str,
    allow_empty: bool = False,
) -> Any:
    """``copy_blocks`` from a ``device_type`` cache into a host (``cpu``) cache: the mirror
    of ``insert_blocks_to_device``."""
    _validate_tensors_then_devices(src_cache, dst_cache, device_type, "cpu")
    return copy_blocks(
        src_cache, dst_cache, src_block_indices, dst_block_indices, allow_empty=allow_empty
    )


def _validate_tensors_then_devices(
    src_cache: Any, dst_cache: Any, src_device: str, dst_device: str
) -> None:
    import torch

    # A non-tensor gets its own message from copy_blocks' validation; check devices only
    # on tensors so the first reported problem is the most basic one.
    if isinstance(src_cache, torch.Tensor) and isinstance(dst_cache, torch.Tensor):
        validate_devices(src_cache, dst_cache, src_device=src_device, dst_device=dst_device)


def _copy_on_host(
    src: torch.Tensor, dst: torch.Tensor, src_indices: torch.Tensor, dst_indices: torch.Tensor
) -> None:
    import torch

    loop = native.host_copy_loop()
    block_bytes = src.numel() // src.shape[0] * src.element_size() if src.shape[0] else 0
    if loop is None or block_bytes == 0:
        _copy_with_torch(src, dst, src_indices, dst_indices)
        return
    src_blocks = src_indices.to("cpu", torch.int64).contiguous()
    dst_blocks = dst_indices.to("cpu", torch.int64).contiguous()
    loop.copy(
        src,
        dst,
        src_blocks,
        dst_blocks,
        block_bytes=block_bytes,
        pairs_per_claim=max(1, CLAIM_BYTES // block_bytes),
        threads=host_copy_threads(src_blocks.numel() * block_bytes),
    )


CLAIM_BYTES = 256 * 2**10
"""Copying threads take about this many bytes of blocks at a time, so they finish together."""

PARALLEL_MIN_BYTES = 4 * 2**20
"""Below this, one thread copies: an OpenMP region ends by waiting for every worker, and on
a 2-core VM a worker that had gone to sleep took up to ~1 ms to wake."""


def host_copy_threads(moved_bytes: int) -> int:
    """How many threads copy ``moved_bytes`` on the host: torch's intra-op thread count
    (what the user allowed), or one for small copies."""
    import torch

    return 1 if moved_bytes < PARALLEL_MIN_BYTES else max(1, torch.get_num_threads())


def _copy_with_torch(
    src: torch.Tensor, dst: torch.Tensor, src_indices: torch.Tensor, dst_indices: torch.Tensor
) -> None:
    """One ``copy_`` per run of consecutive blocks (one transfer each to or from a device)."""
    non_blocking = _pinned_host_side(src, dst)
    for src_start, dst_start, length in coalesce_runs(src_indices, dst_indices).tolist():
        dst[dst_start : dst_start + length].copy_(
            src[src_start : src_start + length], non_blocking=non_blocking
        )
    if non_blocking:
        # Issue every run asynchronously, then wait once: the caller may overwrite the
        # pinned source, or read the pinned destination, as soon as we return.
        _synchronize(dst if dst.device.type != "cpu" else src)


def _pinned_host_side(src: torch.Tensor, dst: torch.Tensor) -> bool:
    """Non-blocking only pays off (and is only asynchronous) with page-locked host memory."""
    if src.device.type == dst.device.type:
        return False
    host = src if src.device.type == "cpu" else dst
    return bool(host.is_pinned())


def _synchronize(device_tensor: torch.Tensor) -> None:
    import torch

    module = getattr(torch, device_tensor.device.type, None)
    synchronize = getattr(module, "synchronize", None)
    if synchronize is None:
        torch.accelerator.synchronize(device_tensor.device)
    else:
        synchronize(device_tensor.device)
