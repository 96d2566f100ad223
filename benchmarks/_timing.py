"""Shared timing helpers: warm up, repeat, report the median (robust to a noisy 2-core VM)."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Timing:
    """Seconds per call: median and the 10th/90th percentiles over ``repeats`` samples."""

    median: float
    p10: float
    p90: float
    repeats: int


def measure(function: Callable[[], object], *, repeats: int, warmup: int = 3,
            inner: int = 1) -> Timing:
    """Time ``function``; each sample runs it ``inner`` times (for sub-microsecond calls)."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            function()
        samples.append((time.perf_counter() - start) / inner)
    return _timing(samples)


def measure_interleaved(functions: dict[str, Callable[[], object]], *, repeats: int,
                        warmup: int = 3, inner: int = 1) -> dict[str, Timing]:
    """Time several functions round-robin, so a burst of load from other processes on a
    shared machine hits all of them alike and the ratios stay meaningful.

    Each round starts one function later than the last, so every function follows every
    other equally often: what one function leaves in the caches (or how recently it woke
    torch's threads) then favours no single other function."""
    for function in functions.values():
        for _ in range(warmup):
            function()
    samples: dict[str, list[float]] = {name: [] for name in functions}
    names = list(functions)
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            function = functions[name]
            start = time.perf_counter()
            for _ in range(inner):
                function()
            samples[name].append((time.perf_counter() - start) / inner)
    return {name: _timing(values) for name, values in samples.items()}


def _timing(samples: list[float]) -> Timing:
    deciles = statistics.quantiles(samples, n=10) if len(samples) > 1 else samples * 9
    return Timing(statistics.median(samples), deciles[0], deciles[-1], len(samples))


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats (CI smoke)")
    return parser.parse_args()


def write_results(name: str, data: dict[str, Any]) -> Path:
    """Write ``benchmarks/results/<name>.json`` and return its path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=_plain) + "\n")
    return path


def _plain(value: object) -> object:
    if isinstance(value, Timing):
        return asdict(value)
    return str(value)
