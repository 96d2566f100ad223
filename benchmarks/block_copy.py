"""CPU KV-cache block copies: hwcore.memory.copy_blocks vs one contiguous copy_ of the same
bytes vs vLLM 0.33's ``dst[dst_idx] = src[src_idx]``.

Run: ``python benchmarks/block_copy.py [--quick]``. Targets: >= 0.8x the contiguous
bandwidth and >= 3x vLLM's approach for 256 random 64 KiB blocks out of 2048.
"""

from __future__ import annotations

from typing import Any

import torch
from _timing import Timing, measure_interleaved, parse_args, write_results

from hwcore.memory import copy_blocks
from hwcore.memory.native import host_copy_engine

BLOCK_SHAPE = (16, 16, 128)  # bfloat16: 16 * 16 * 128 * 2 bytes = 64 KiB per block


def run_case(label: str, num_blocks: int, copied: int, repeats: int) -> dict[str, Any]:
    generator = torch.Generator().manual_seed(0)
    src = torch.empty(num_blocks, *BLOCK_SHAPE, dtype=torch.bfloat16).uniform_(generator=generator)
    dst = torch.zeros_like(src)
    src_idx = torch.randperm(num_blocks, generator=generator)[:copied]
    dst_idx = torch.randperm(num_blocks, generator=generator)[:copied]
    contiguous_src, contiguous_dst = src[:copied], dst[copied : 2 * copied]

    def vllm() -> None:
        dst[dst_idx] = src[src_idx]

    def contiguous_one_thread() -> None:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        contiguous_dst.copy_(contiguous_src)
        torch.set_num_threads(threads)

    timings = measure_interleaved({
        "hwcore_copy_blocks": lambda: copy_blocks(src, dst, src_idx, dst_idx),
        "contiguous_copy": lambda: contiguous_dst.copy_(contiguous_src),
        "contiguous_copy_1_thread": contiguous_one_thread,
        "vllm_index_assign": vllm,
    }, repeats=repeats)
    moved = copied * src[0].numel() * src.element_size()
    return _summary(label, num_blocks, copied, moved, timings)


def _summary(label: str, num_blocks: int, copied: int, moved: int,
             timings: dict[str, Timing]) -> dict[str, Any]:
    ours = timings["hwcore_copy_blocks"].median
    result = {
        "case": label, "num_blocks": num_blocks, "blocks_copied": copied, "bytes": moved,
        "timings": timings,
        "bandwidth_gb_s": {k: moved / t.median / 1e9 for k, t in timings.items()},
        "ratio_vs_contiguous_bandwidth": timings["contiguous_copy"].median / ours,
        "ratio_vs_contiguous_1_thread": timings["contiguous_copy_1_thread"].median / ours,
        "speedup_vs_vllm": timings["vllm_index_assign"].median / ours,
    }
    print(f"{label}: {copied} random blocks of 64 KiB out of {num_blocks}")
    for name, timing in timings.items():
        gbs = result["bandwidth_gb_s"][name]
        print(f"  {name:26s} median {timing.median * 1e3:8.3f} ms  {gbs:6.2f} GB/s")
    print(f"  hwcore / contiguous bandwidth: {result['ratio_vs_contiguous_bandwidth']:.2f}x "
          f"(target >= 0.8x), vs 1-thread contiguous: "
          f"{result['ratio_vs_contiguous_1_thread']:.2f}x; speed-up over vLLM: "
          f"{result['speedup_vs_vllm']:.2f}x (target >= 3x)")
    return result


def main() -> None:
    args = parse_args(__doc__ or "")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; host copies: "
          f"{host_copy_engine()}")
    cases = [run_case("small", 2048, 256, 10 if args.quick else 200)]
    if not args.quick:
        # 4 GiB cache: 65536 blocks of 64 KiB each side; copy 2048 random blocks (128 MiB).
        cases.append(run_case("4GiB", 65536, 2048, 30))
    path = write_results("block_copy", {"torch": torch.__version__,
                                        "threads": torch.get_num_threads(),
                                        "host_copy_engine": host_copy_engine(), "cases": cases})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
