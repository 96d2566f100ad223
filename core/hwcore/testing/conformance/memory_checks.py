"""Memory ops: bytes survive a round trip, and bad input is rejected before any write.

Imports torch; only the memory tests import this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from hwcore.errors import MemoryOpError

CopyOp = Callable[[Any, Any, Any, Any], Any]
CacheFactory = Callable[[tuple[int, ...], torch.dtype], torch.Tensor]


@dataclass(frozen=True)
class CacheLayout:
    """The KV caches the checks copy between: ``num_blocks`` blocks of ``block_shape``."""

    num_blocks: int = 4
    block_shape: tuple[int, ...] = (4, 2, 8)

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.num_blocks, *self.block_shape)


@dataclass(frozen=True)
class BadCall:
    """One wrong way to call a copy op, described the way a failure message names it."""

    description: str
    src_indices: list[int]
    dst_indices: list[int]
    dst_block_shape: tuple[int, ...] | None = None
    dst_dtype: torch.dtype | None = None


def bad_calls(layout: CacheLayout, dtype: torch.dtype) -> list[BadCall]:
    """Calls a copy op must reject. The valid index comes first in each list, so an op
    that copies block by block before checking is caught writing."""
    end = layout.num_blocks
    other_dtype = torch.float32 if dtype != torch.float32 else torch.float16
    wider = (*layout.block_shape[:-1], layout.block_shape[-1] * 2)
    return [
        BadCall(
            f"a destination block index past the end: dst_block_indices=[1, {end}] with {end} "
            "destination blocks",
            [0, 1],
            [1, end],
        ),
        BadCall(
            f"a source block index past the end: src_block_indices=[0, {end}] with {end} source "
            "blocks",
            [0, end],
            [0, 1],
        ),
        BadCall(
            "a negative destination block index (padding): dst_block_indices=[1, -1]",
            [0, 1],
            [1, -1],
        ),
        BadCall(
            "index lists of different lengths: src_block_indices=[0, 1], dst_block_indices=[2]",
            [0, 1],
            [2],
        ),
        BadCall(
            f"blocks of different shapes: source {layout.block_shape}, destination {wider}",
            [0],
            [0],
            dst_block_shape=wider,
        ),
        BadCall(
            f"caches of different dtypes: source {_name(dtype)}, destination {_name(other_dtype)}",
            [0],
            [0],
            dst_dtype=other_dtype,
        ),
    ]


def random_cache(layout: CacheLayout, dtype: torch.dtype, make: CacheFactory) -> torch.Tensor:
    """A cache made by ``make`` and filled with random bytes (any bit pattern round-trips)."""
    cache = make(layout.shape, dtype)
    noise = torch.randint(
        0, 256, (*layout.shape[:-1], layout.shape[-1] * _itemsize(dtype)), dtype=torch.uint8
    )
    cache.copy_(noise.view(dtype).to(cache.device))
    return cache


def same_bytes(left: torch.Tensor, right: torch.Tensor) -> bool:
    return bool(torch.equal(left.cpu().view(torch.uint8), right.cpu().view(torch.uint8)))


def round_trip_problem(
    insert: CopyOp,
    swap_out: CopyOp,
    layout: CacheLayout,
    dtype: torch.dtype,
    make_host: CacheFactory,
    make_device: CacheFactory,
) -> str | None:
    """Copy blocks 0 and 2 to device blocks 3 and 1, and back to host blocks 0 and 1."""
    source = random_cache(layout, dtype, make_host)
    device = make_device(layout.shape, dtype).zero_()
    back = make_host(layout.shape, dtype).zero_()
    returned = insert(source, device, _indices([0, 2]), _indices([3, 1]))
    if returned is not device:
        return f"insert_blocks_to_device returned {_short(returned)}; return dst_cache"
    returned = swap_out(device, back, _indices([3, 1]), _indices([0, 1]))
    if returned is not back:
        return f"swap_out_blocks_to_host returned {_short(returned)}; return dst_cache"
    if not (same_bytes(back[0], source[0]) and same_bytes(back[1], source[2])):
        return (
            f"insert_blocks_to_device then swap_out_blocks_to_host did not round-trip the bytes "
            f"of {_name(dtype)} blocks 0 and 2"
        )
    untouched = torch.zeros_like(device[0])
    if not all(same_bytes(device[i], untouched) for i in (0, 2)):
        return "insert_blocks_to_device wrote to device blocks it was not given (0 and 2)"
    if not all(same_bytes(back[i], untouched) for i in (2, 3)):
        return "swap_out_blocks_to_host wrote to host blocks it was not given (2 and 3)"
    return None


def bad_input_problems(
    name: str,
    op: CopyOp,
    layout: CacheLayout,
    dtype: torch.dtype,
    make_source: CacheFactory,
    make_destination: CacheFactory,
) -> list[str]:
    """Every way ``op`` mishandles a ``bad_calls`` case, one sentence each."""
    problems = []
    for call in bad_calls(layout, dtype):
        problem = _bad_call_problem(name, op, call, layout, dtype, make_source, make_destination)
        if problem is not None:
            problems.append(problem)
    return problems


def _bad_call_problem(
    name: str,
    op: CopyOp,
    call: BadCall,
    layout: CacheLayout,
    dtype: torch.dtype,
    make_source: CacheFactory,
    make_destination: CacheFactory,
) -> str | None:
    source = random_cache(layout, dtype, make_source)
    destination_layout = CacheLayout(layout.num_blocks, call.dst_block_shape or layout.block_shape)
    destination = random_cache(destination_layout, call.dst_dtype or dtype, make_destination)
    before = destination.clone()
    try:
        op(source, destination, _indices(call.src_indices), _indices(call.dst_indices))
    except Exception as error:  # judged below: the type and whether anything was written
        if not same_bytes(destination, before):
            return (
                f"{name} wrote to the destination before rejecting bad input ({call.description})"
            )
        if not isinstance(error, MemoryOpError):
            return (
                f"{name} rejected bad input ({call.description}) with {type(error).__name__}: "
                f"{error}; raise hwcore.MemoryOpError instead"
            )
        return None
    return (
        f"{name} accepted bad input ({call.description}); it must raise hwcore.MemoryOpError "
        "before the first byte moves"
    )


def torch_dtype(name: str) -> torch.dtype | None:
    value = getattr(torch, name, None)
    return value if isinstance(value, torch.dtype) else None


def _indices(values: list[int]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.int64)


def _itemsize(dtype: torch.dtype) -> int:
    return torch.empty((), dtype=dtype).element_size()


def _name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _short(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} that is not dst_cache"
    return repr(value)
