"""Coalescing block pairs into runs, so consecutive blocks move in one slice copy."""

from __future__ import annotations

from typing import NamedTuple


class BlockRun(NamedTuple):
    """``length`` blocks from ``src_start`` onwards go to ``dst_start`` onwards."""

    src_start: int
    dst_start: int
    length: int


def coalesce_runs(sources: list[int], targets: list[int]) -> list[BlockRun]:
    """Group ``(source, target)`` pairs into maximal runs where both advance by one.

    Pairs are ordered by source first: destinations are distinct and validation rejected
    aliasing, so the order of independent copies does not matter, and reading the source
    in address order finds the longest runs (and helps the prefetcher).
    """
    runs: list[BlockRun] = []
    for source, target in sorted(zip(sources, targets, strict=True)):
        if runs:
            last = runs[-1]
            if source == last.src_start + last.length and target == last.dst_start + last.length:
                runs[-1] = BlockRun(last.src_start, last.dst_start, last.length + 1)
                continue
        runs.append(BlockRun(source, target, 1))
    return runs
