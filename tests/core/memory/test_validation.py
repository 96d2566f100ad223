from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
import torch

from hwcore.errors import MemoryOpError
from hwcore.memory import copy_blocks, insert_blocks_to_device, swap_out_blocks_to_host


def _digest(tensor: torch.Tensor) -> str:
    return hashlib.sha256(tensor.contiguous().view(torch.uint8).numpy().tobytes()).hexdigest()


def _src() -> torch.Tensor:
    return torch.arange(8 * 4 * 2, dtype=torch.float32).reshape(8, 4, 2)


def _dst() -> torch.Tensor:
    return torch.full((8, 4, 2), 7.0)


def _idx(*values: int) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.int64)


def _call(**overrides: Any) -> Callable[[torch.Tensor], Any]:
    """A copy with one argument replaced; the returned function takes the destination."""

    def run(dst: torch.Tensor) -> Any:
        arguments: dict[str, Any] = {
            "src_cache": _src(),
            "dst_cache": dst,
            "src_block_indices": _idx(0, 1),
            "dst_block_indices": _idx(2, 3),
        }
        arguments.update(overrides)
        function = arguments.pop("function", copy_blocks)
        return function(**arguments)

    return run


CASES = [
    (
        "src not a tensor",
        _call(src_cache=[[1.0]]),
        "src_cache must be a torch.Tensor, got list; pass the KV-cache tensor itself",
    ),
    (
        "0-d source",
        _call(src_cache=torch.tensor(1.0)),
        "src_cache is a 0-d tensor; a KV cache has blocks on dim 0, e.g. "
        "[num_blocks, block_size, num_kv_heads, head_size]",
    ),
    (
        "non-contiguous source",
        _call(src_cache=torch.zeros(8, 2, 4).transpose(1, 2)),
        "src_cache is not contiguous (stride (8, 1, 4)); allocate the cache contiguous or call "
        ".contiguous() once when it is created",
    ),
    (
        "block shapes differ",
        _call(src_cache=torch.zeros(8, 4, 3)),
        "block shapes differ: src_cache (8, 4, 3) and dst_cache (8, 4, 2) must match in every "
        "dim but 0 (the block dim)",
    ),
    (
        "dtypes differ",
        _call(src_cache=torch.zeros(8, 4, 2, dtype=torch.float16)),
        "dtypes differ: src_cache is torch.float16 and dst_cache is torch.float32; allocate both "
        "caches with the same dtype (a block copy never converts)",
    ),
    (
        "indices a list",
        _call(src_block_indices=[0, 1]),
        "src_block_indices must be a torch.Tensor of block indices, got list; wrap it with "
        "torch.tensor(..., dtype=torch.int64)",
    ),
    (
        "indices 2-D",
        _call(dst_block_indices=torch.tensor([[2, 3]])),
        "dst_block_indices must be 1-D, got shape (1, 2); flatten it with .reshape(-1)",
    ),
    (
        "float indices",
        _call(src_block_indices=torch.tensor([0.0, 1.0])),
        "src_block_indices must have an integer dtype, got torch.float32; use torch.int64 (a "
        "bool mask must be turned into indices with .nonzero().squeeze(1))",
    ),
    (
        "bool mask indices",
        _call(dst_block_indices=torch.tensor([True, False])),
        "dst_block_indices must have an integer dtype, got torch.bool; use torch.int64 (a bool "
        "mask must be turned into indices with .nonzero().squeeze(1))",
    ),
    (
        "source indices on the meta device",
        _call(src_block_indices=torch.tensor([0, 1], device="meta")),
        "src_block_indices is on the 'meta' device, which holds no values to read; create the "
        "block indices on the host, e.g. torch.tensor(blocks, dtype=torch.int64)",
    ),
    (
        "destination indices on the meta device, swapping out",
        _call(function=swap_out_blocks_to_host, device_type="cpu",
              dst_block_indices=torch.empty(2, dtype=torch.int64, device="meta")),
        "dst_block_indices is on the 'meta' device, which holds no values to read; create the "
        "block indices on the host, e.g. torch.tensor(blocks, dtype=torch.int64)",
    ),
    (
        "length mismatch",
        _call(dst_block_indices=_idx(2, 3, 4)),
        "src_block_indices has 2 entries and dst_block_indices has 3; pass one destination "
        "block per source block",
    ),
    (
        "source index too large",
        _call(src_block_indices=_idx(0, 8)),
        "src_block_indices contains 8, out of range for src_cache with 8 blocks (valid: 0..7)",
    ),
    (
        "negative destination index (padding)",
        _call(dst_block_indices=_idx(2, -1)),
        "dst_block_indices contains -1, out of range for dst_cache with 8 blocks (valid: 0..7); "
        "drop padding entries such as -1 before copying",
    ),
    (
        "duplicate destination",
        _call(dst_block_indices=_idx(3, 3)),
        "dst_block_indices names block 3 more than once; which source would win is undefined, "
        "so give each destination block once",
    ),
    (
        "empty copy",
        _call(src_block_indices=_idx(), dst_block_indices=_idx()),
        "no blocks to copy: src_block_indices and dst_block_indices are empty; skip the call or "
        "pass allow_empty=True",
    ),
    (
        "insert with source on the wrong device",
        _call(function=insert_blocks_to_device, device_type="cuda"),
        "dst_cache is on device 'cpu', expected a 'cuda' tensor; move it with .to('cuda') when "
        "the cache is allocated",
    ),
    (
        "swap-out with destination on the wrong device",
        _call(function=swap_out_blocks_to_host, device_type="cuda"),
        "src_cache is on device 'cpu', expected a 'cuda' tensor; move it with .to('cuda') when "
        "the cache is allocated",
    ),
]


@pytest.mark.parametrize(
    ("call", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_input_raises_and_leaves_destination_unchanged(
    call: Callable[[torch.Tensor], Any], message: str
) -> None:
    dst = _dst()
    before = _digest(dst)
    with pytest.raises(MemoryOpError, match=f"^{re.escape(message)}$"):
        call(dst)
    assert _digest(dst) == before


def test_overlapping_blocks_of_one_cache_are_rejected() -> None:
    cache = _src()
    before = _digest(cache)
    message = (
        "src_cache and dst_cache share memory and source block(s) [1] are also written by this "
        "copy; copy through distinct blocks"
    )
    with pytest.raises(MemoryOpError, match=re.escape(message)):
        copy_blocks(cache, cache, _idx(0, 1), _idx(1, 2))
    assert _digest(cache) == before


def test_overlap_between_shifted_views_is_found_by_address() -> None:
    storage = _src()
    src_view, dst_view = storage[0:6], storage[2:8]
    message = (
        "src_cache and dst_cache share memory and source block(s) [2] are also written by this "
        "copy; copy through distinct blocks"
    )
    with pytest.raises(MemoryOpError, match=re.escape(message)):
        copy_blocks(src_view, dst_view, _idx(2), _idx(0))


def test_memory_op_error_is_a_value_error() -> None:
    assert issubclass(MemoryOpError, ValueError)
