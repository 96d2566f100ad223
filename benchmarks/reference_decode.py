"""One decode step of the TORCH_SDPA reference backend vs dense torch SDPA on the same data.

Run: ``python benchmarks/reference_decode.py [--quick]``. Target: within 2x of dense
``scaled_dot_product_attention`` over contiguous K/V (the paged backend must gather the
blocks first; that gather is the expected difference).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as functional
from _timing import measure_interleaved, parse_args, write_results

from hwcore.attention.torch_sdpa import TorchSDPABackend

BLOCK_SIZE = 16


def run_case(dtype: torch.dtype, seqs: int, length: int, heads: int, kv_heads: int,
             head_size: int, repeats: int) -> dict[str, Any]:
    generator = torch.Generator().manual_seed(0)
    keys = torch.randn(seqs, kv_heads, length, head_size, generator=generator).to(dtype)
    values = torch.randn(seqs, kv_heads, length, head_size, generator=generator).to(dtype)
    query = torch.randn(seqs, heads, 1, head_size, generator=generator).to(dtype)
    key_cache, value_cache, block_tables = _paged(keys, values, generator)
    seq_lens = torch.full((seqs,), length)
    query_lens = torch.ones(seqs, dtype=torch.int64)
    backend = TorchSDPABackend()
    packed_query = query.squeeze(2)  # [seqs, heads, head_size]: one token per sequence

    def dense() -> torch.Tensor:
        return functional.scaled_dot_product_attention(query, keys, values, enable_gqa=True)

    def paged() -> torch.Tensor:
        return backend.forward(packed_query, key_cache, value_cache, block_tables, seq_lens,
                               query_lens)

    torch.testing.assert_close(paged().float(), dense().squeeze(2).float(), atol=2e-2, rtol=0)
    timings = measure_interleaved({"dense_sdpa": dense, "torch_sdpa_backend": paged},
                                  repeats=repeats)
    ratio = timings["torch_sdpa_backend"].median / timings["dense_sdpa"].median
    label = f"{str(dtype).removeprefix('torch.')} seqs={seqs} len={length} heads={heads}/{kv_heads}"
    print(f"{label}: dense {timings['dense_sdpa'].median * 1e3:.3f} ms, backend "
          f"{timings['torch_sdpa_backend'].median * 1e3:.3f} ms, ratio {ratio:.2f}x (target <= 2x)")
    return {"case": label, "timings": timings, "ratio": ratio}


def _paged(keys: torch.Tensor, values: torch.Tensor,
           generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Scatter contiguous [seqs, kv_heads, L, D] K/V into shuffled cache blocks."""
    seqs, kv_heads, length, head_size = keys.shape
    per_seq = length // BLOCK_SIZE
    order = torch.randperm(seqs * per_seq, generator=generator)
    block_tables = order.view(seqs, per_seq).to(torch.int32)
    shape = (seqs * per_seq, BLOCK_SIZE, kv_heads, head_size)
    key_cache = torch.empty(shape, dtype=keys.dtype)
    value_cache = torch.empty(shape, dtype=keys.dtype)
    for cache, source in ((key_cache, keys), (value_cache, values)):
        blocks = source.transpose(1, 2).reshape(seqs * per_seq, BLOCK_SIZE, kv_heads, head_size)
        cache[order] = blocks
    return key_cache, value_cache, block_tables


def main() -> None:
    args = parse_args(__doc__ or "")
    repeats = 5 if args.quick else 50
    shapes = [(4, 256, 8, 2, 64)] if args.quick else [(8, 1024, 32, 8, 128), (32, 512, 32, 8, 128)]
    cases = [
        run_case(dtype, *shape, repeats=repeats)
        for dtype in (torch.float32, torch.bfloat16)
        for shape in shapes
    ]
    path = write_results("reference_decode", {"torch": torch.__version__,
                                              "threads": torch.get_num_threads(), "cases": cases})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
