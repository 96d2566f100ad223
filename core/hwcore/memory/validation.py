"""Argument checks for KV-cache block copies, all done before the first byte moves.

Each failure is a ``MemoryOpError`` naming the argument, what was wrong and the fix, so a
caller never has to reason about a half-written destination: on any error the destination
is byte-identical to what it was.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hwcore.errors import MemoryOpError

if TYPE_CHECKING:
    import torch


def validate_block_copy(
    src_cache: Any,
    dst_cache: Any,
    src_block_indices: Any,
    dst_block_indices: Any,
    *,
    allow_empty: bool = False,
) -> tuple[list[int], list[int]]:
    """Check a copy of ``src_cache[src_block_indices]`` into ``dst_cache[dst_block_indices]``
    (blocks on dim 0) and return both index lists.

    Raise ``MemoryOpError`` if a cache is not a contiguous tensor, the caches differ in
    dtype or in any dim but 0, an index tensor is not 1-D integer or holds no values (the
    ``meta`` device), the two differ in length,
    an index is out of range, a destination block repeats, the copy is empty (unless
    ``allow_empty``), or source and destination blocks of one tensor overlap.
    """
    src, dst = _check_caches(src_cache, dst_cache)
    sources = _check_indices("src_block_indices", src_block_indices, src.shape[0], "src_cache")
    targets = _check_indices("dst_block_indices", dst_block_indices, dst.shape[0], "dst_cache")
    _check_pairs(sources, targets, allow_empty)
    _check_overlap(src, dst, sources, targets)
    return sources, targets


def validate_devices(
    src_cache: torch.Tensor, dst_cache: torch.Tensor, *, src_device: str, dst_device: str
) -> None:
    """Raise ``MemoryOpError`` unless the caches live on the expected device types."""
    for name, tensor, expected in (
        ("src_cache", src_cache, src_device),
        ("dst_cache", dst_cache, dst_device),
    ):
        if tensor.device.type != expected:
            raise MemoryOpError(
                f"{name} is on device {str(tensor.device)!r}, expected a {expected!r} tensor; "
                f"move it with .to({expected!r}) when the cache is allocated"
            )


def _check_caches(src_cache: Any, dst_cache: Any) -> tuple[torch.Tensor, torch.Tensor]:
    import torch

    for name, cache in (("src_cache", src_cache), ("dst_cache", dst_cache)):
        if not isinstance(cache, torch.Tensor):
            raise MemoryOpError(
                f"{name} must be a torch.Tensor, got {type(cache).__name__}; pass the KV-cache "
                "tensor itself"
            )
        if cache.dim() == 0:
            raise MemoryOpError(
                f"{name} is a 0-d tensor; a KV cache has blocks on dim 0, e.g. "
                "[num_blocks, block_size, num_kv_heads, head_size]"
            )
        if not cache.is_contiguous():
            raise MemoryOpError(
                f"{name} is not contiguous (stride {tuple(cache.stride())}); allocate the cache "
                "contiguous or call .contiguous() once when it is created"
            )
    if tuple(src_cache.shape[1:]) != tuple(dst_cache.shape[1:]):
        raise MemoryOpError(
            f"block shapes differ: src_cache {tuple(src_cache.shape)} and dst_cache "
            f"{tuple(dst_cache.shape)} must match in every dim but 0 (the block dim)"
        )
    if src_cache.dtype != dst_cache.dtype:
        raise MemoryOpError(
            f"dtypes differ: src_cache is {src_cache.dtype} and dst_cache is {dst_cache.dtype}; "
            "allocate both caches with the same dtype (a block copy never converts)"
        )
    return src_cache, dst_cache


def _check_indices(name: str, indices: Any, num_blocks: int, cache_name: str) -> list[int]:
    import torch

    if not isinstance(indices, torch.Tensor):
        raise MemoryOpError(
            f"{name} must be a torch.Tensor of block indices, got {type(indices).__name__}; "
            "wrap it with torch.tensor(..., dtype=torch.int64)"
        )
    if indices.dim() != 1:
        raise MemoryOpError(
            f"{name} must be 1-D, got shape {tuple(indices.shape)}; flatten it with .reshape(-1)"
        )
    if indices.dtype == torch.bool or indices.is_floating_point() or indices.is_complex():
        raise MemoryOpError(
            f"{name} must have an integer dtype, got {indices.dtype}; use torch.int64 "
            "(a bool mask must be turned into indices with .nonzero().squeeze(1))"
        )
    if indices.device.type == "meta":
        # A meta tensor has a shape and no values; torch's own error on reading it
        # (NotImplementedError) names neither the argument nor the fix.
        raise MemoryOpError(
            f"{name} is on the 'meta' device, which holds no values to read; create the "
            "block indices on the host, e.g. torch.tensor(blocks, dtype=torch.int64)"
        )
    values: list[int] = indices.tolist()
    return _check_range(name, values, num_blocks, cache_name)


def _check_range(name: str, values: Sequence[int], num_blocks: int, cache_name: str) -> list[int]:
    # Negative indices are refused, not wrapped: an engine's block ids count from 0, and a
    # -1 is almost always padding that would otherwise copy the cache's last block.
    if values and (min(values) < 0 or max(values) >= num_blocks):
        bad = next(v for v in values if not 0 <= v < num_blocks)
        hint = "; drop padding entries such as -1 before copying" if bad < 0 else ""
        raise MemoryOpError(
            f"{name} contains {bad}, out of range for {cache_name} with {num_blocks} blocks "
            f"(valid: 0..{num_blocks - 1}){hint}"
        )
    return list(values)


def _check_pairs(sources: list[int], targets: list[int], allow_empty: bool) -> None:
    if len(sources) != len(targets):
        raise MemoryOpError(
            f"src_block_indices has {len(sources)} entries and dst_block_indices has "
            f"{len(targets)}; pass one destination block per source block"
        )
    if not sources and not allow_empty:
        raise MemoryOpError(
            "no blocks to copy: src_block_indices and dst_block_indices are empty; skip the "
            "call or pass allow_empty=True"
        )
    if len(set(targets)) != len(targets):
        repeated = _first_repeat(targets)
        raise MemoryOpError(
            f"dst_block_indices names block {repeated} more than once; which source would "
            "win is undefined, so give each destination block once"
        )


def _first_repeat(values: list[int]) -> int:
    seen: set[int] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    raise AssertionError("no repeated value")


def _check_overlap(
    src: torch.Tensor, dst: torch.Tensor, sources: list[int], targets: list[int]
) -> None:
    """Reject reading and writing the same bytes: two views of one storage (an in-place
    copy within one cache) must use disjoint blocks, or the result depends on copy order."""
    if src.untyped_storage().data_ptr() != dst.untyped_storage().data_ptr():
        return
    size = _block_bytes(src)
    read = [(src.data_ptr() + s * size, s) for s in sources]
    written = sorted(dst.data_ptr() + t * size for t in targets)
    clashes = sorted(block for start, block in read if _hits(written, start, size))
    if clashes:
        raise MemoryOpError(
            f"src_cache and dst_cache share memory and source block(s) {clashes[:8]} are also "
            "written by this copy; copy through distinct blocks"
        )


def _hits(sorted_starts: list[int], start: int, size: int) -> bool:
    """Whether ``[start, start + size)`` overlaps a block starting at any of
    ``sorted_starts`` (blocks all ``size`` bytes)."""
    position = bisect.bisect_right(sorted_starts, start - size)
    return position < len(sorted_starts) and sorted_starts[position] < start + size


def _block_bytes(cache: torch.Tensor) -> int:
    return max(1, cache[0].numel() * cache.element_size())
