"""Distributed overheads: the core communicator against raw torch.distributed, and the Ray
helper against bare Ray actors.

1. All-reduce bandwidth on one 2-process gloo group built through the
   ``stateless_init_device_torch_dist_pg`` hook (loopback interface):
   ``DeviceCommunicator.all_reduce`` and ``torch.distributed.all_reduce`` timed round-robin
   in the same processes, 4 KiB to 64 MiB, compared round by round. Target: the
   communicator at >= 0.95x raw for 1 MiB and more.
2. Start-up: ``start_workers(N)`` (actors that have resolved hwcore and been checked to see
   their device) against Ray starting N bare actors and calling each once, alternated on
   one local Ray instance; the difference per worker is the helper's overhead.

Run: ``python benchmarks/distributed.py [--quick]``. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import statistics
import time
from typing import Any

from _timing import Timing, measure_interleaved, parse_args, write_results
from _timing import _timing as summarize

KIB = 1024
SIZES = [4 * KIB * 4**step for step in range(8)]  # 4 KiB ... 64 MiB
LOOPBACK = {
    "GLOO_SOCKET_IFNAME": "lo",
    # Ray swaps 127.0.0.1 for the routable address unless told this is no cluster.
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
}


# ----------------------------------------------------------------- all-reduce bandwidth


def samples_for(size: int, quick: bool) -> tuple[int, int]:
    """``(repeats, inner)``: about two seconds of all-reduces per size and variant (gloo on
    2 cores moves about 1 GB/s and needs about half a millisecond for a small message), at
    least 60 rounds, each sample at least 10 ms long. A sample starts when this rank is
    ready, not its partner; a longer sample dilutes that skew, which otherwise doubles small
    timings."""
    estimate = size / 1e9 + 5e-4
    inner = max(1, round(0.01 / estimate))
    if quick:
        return 5, inner
    return max(60, min(300, int(2.0 / (estimate * inner)))), inner


def all_reduce_rank(rank: int, port: int, quick: bool, results: Any) -> None:
    import torch
    import torch.distributed as dist

    import hwcore
    from hwcore.distributed import DeviceCommunicator

    timeout = datetime.timedelta(seconds=120)
    store = dist.TCPStore("127.0.0.1", port, 2, is_master=False, timeout=timeout)
    platform = hwcore.current_platform()
    group = platform.stateless_init_device_torch_dist_pg(
        "gloo", dist.PrefixStore("bench", store), rank, 2, timeout
    )
    communicator = DeviceCommunicator(group, unique_name="bench", platform=platform)
    measured: dict[int, dict[str, Any]] = {}
    for size in SIZES:
        tensor = torch.zeros(size // 4, dtype=torch.float32)  # zeros stay zeros: no overflow
        repeats, inner = samples_for(size, quick)
        measured[size] = paired(
            {
                "communicator": lambda t=tensor: communicator.all_reduce(t),
                "raw_torch_distributed": lambda t=tensor: dist.all_reduce(t, group=group),
            },
            repeats,
            inner,
        )
    group.shutdown()
    results.put((rank, measured))


def paired(functions: dict[str, Any], repeats: int, inner: int) -> dict[str, Any]:
    """Round-robin timings (``measure_interleaved``, one round per call so each round's pair
    is kept), and the median over rounds of raw time / communicator time within a round:
    the two samples of a round share the machine's load of that moment, so a burst from
    another process moves both. Both ranks run the same sequence, so every call meets its
    partner."""
    names = list(functions)
    measure_interleaved(functions, repeats=1, warmup=3, inner=inner)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeats):
        order = names if round_ % 2 == 0 else names[::-1]
        timing = measure_interleaved(
            {name: functions[name] for name in order}, repeats=1, warmup=0, inner=inner
        )
        for name in names:
            samples[name].append(timing[name].median)
    ratios = [
        raw / ours
        for raw, ours in zip(samples["raw_torch_distributed"], samples["communicator"], strict=True)
    ]
    return {
        "timings": {name: summarize(values) for name, values in samples.items()},
        "paired_ratio": statistics.median(ratios),
    }


def bench_all_reduce(quick: bool) -> dict[str, Any]:
    import torch.distributed as dist

    store = dist.TCPStore(
        "127.0.0.1", 0, 2, is_master=True, timeout=datetime.timedelta(seconds=120),
        wait_for_workers=False,
    )
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(target=all_reduce_rank, args=(rank, store.port, quick, results))
        for rank in (0, 1)
    ]
    try:
        for process in processes:
            process.start()
        reports = dict(results.get(timeout=1800) for _ in processes)
    finally:
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.kill()
    return report_all_reduce(reports[0])


def report_all_reduce(measured: dict[int, dict[str, Any]]) -> dict[str, Any]:
    print("all-reduce, 2 ranks, gloo on loopback (rank 0; ratio = raw time / communicator "
          "time: median of each round's pair, and of the medians)")
    print(f"  {'size':>9}  {'communicator':>14}  {'raw':>14}  {'paired':>6}  {'medians':>7}")
    rows = {}
    for size, result in measured.items():
        ours = result["timings"]["communicator"]
        raw = result["timings"]["raw_torch_distributed"]
        ratio, of_medians = result["paired_ratio"], raw.median / ours.median
        rows[size] = {"communicator": ours, "raw": raw, "paired_ratio": ratio,
                      "ratio_of_medians": of_medians,
                      "communicator_gb_s": size / ours.median / 1e9,
                      "raw_gb_s": size / raw.median / 1e9}
        print(f"  {format_size(size):>9}  {bandwidth(size, ours):>14}  {bandwidth(size, raw):>14}"
              f"  {ratio:6.3f}  {of_medians:7.3f}")
    worst = min(row["paired_ratio"] for size, row in rows.items() if size >= KIB * KIB)
    print(f"  lowest paired ratio at >= 1 MiB: {worst:.3f} (target >= 0.95)")
    return {"sizes": rows, "lowest_paired_ratio_from_1MiB": worst}


def format_size(size: int) -> str:
    return f"{size // (KIB * KIB)} MiB" if size >= KIB * KIB else f"{size // KIB} KiB"


def bandwidth(size: int, timing: Timing) -> str:
    return f"{size / timing.median / 1e9:7.3f} GB/s"


# ----------------------------------------------------------------------- Ray start-up


class BareActor:
    """What Ray starts without hwcore: an actor that answers one call."""

    def ping(self) -> int:
        return os.getpid()


def bench_ray_startup(quick: bool, workers: int) -> dict[str, Any]:
    import ray

    import hwcore
    from hwcore.distributed import start_workers

    platform = hwcore.current_platform()
    ray.init(num_cpus=workers, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False, configure_logging=False)
    try:
        bare_class = ray.remote(BareActor).options(num_cpus=1)

        def bare() -> None:
            actors = [bare_class.remote() for _ in range(workers)]
            ray.get([actor.ping.remote() for actor in actors], timeout=300)
            for actor in actors:
                ray.kill(actor, no_restart=True)

        def helper() -> None:
            start_workers(workers, platform=platform, start_timeout_s=300).shutdown()

        timings = measure_interleaved(
            {"ray_bare_actors": bare, "start_workers": helper},
            repeats=2 if quick else 6, warmup=1,
        )
    finally:
        ray.shutdown()
    overhead = (timings["start_workers"].median - timings["ray_bare_actors"].median) / workers
    print(f"Ray start-up of {workers} workers on platform {platform.name!r} (medians)")
    print(f"  bare Ray actors, started and called once: {timings['ray_bare_actors'].median:.3f} s")
    print(f"  start_workers (resolved hwcore, checked): {timings['start_workers'].median:.3f} s")
    print(f"  overhead per worker: {overhead * 1e3:.0f} ms")
    return {"workers": workers, "timings": timings, "overhead_per_worker_s": overhead}


def main() -> None:
    args = parse_args(__doc__ or "")
    os.environ.update(LOOPBACK)
    os.environ.setdefault("HWCORE_PLATFORM", "cpu")
    started = time.perf_counter()
    results = {"all_reduce": bench_all_reduce(args.quick)}
    results["ray_startup"] = bench_ray_startup(args.quick, workers=2)
    print(f"wrote {write_results('distributed', results)} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
