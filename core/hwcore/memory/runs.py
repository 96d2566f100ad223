"""Coalescing block pairs into runs, so consecutive blocks move in one copy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def coalesce_runs(
    sources: torch.Tensor | Sequence[int],
    targets: torch.Tensor | Sequence[int],
) -> torch.Tensor:
    """Group ``(source, target)`` block pairs into maximal runs where both advance by one.

    Return a contiguous ``[runs, 3]`` int64 CPU tensor of rows ``(src_start, dst_start,
    length)``, ordered by source: destinations are distinct and validation rejected
    aliasing, so the order of the copies does not matter, and reading the source in address
    order finds the longest runs. Used for copies that involve a device, where each run is
    one transfer; host copies merge runs in ``hwcore.memory.native``'s loop instead.

    Vectorised with torch: its cost barely grows with the number of pairs.
    """
    import torch

    src = torch.as_tensor(sources).to("cpu", torch.int64).reshape(-1)
    dst = torch.as_tensor(targets).to("cpu", torch.int64).reshape(-1)
    if src.shape != dst.shape:
        raise ValueError(f"{src.numel()} sources but {dst.numel()} targets")
    src, order = torch.sort(src, stable=True)
    dst = dst[order]
    count = src.numel()
    starts_run = torch.ones(count, dtype=torch.bool)
    starts_run[1:] = (src[1:] != src[:-1] + 1) | (dst[1:] != dst[:-1] + 1)
    starts = starts_run.nonzero().squeeze(1)
    lengths = torch.diff(starts, append=torch.tensor([count]))
    return torch.stack([src[starts], dst[starts], lengths], dim=1)
