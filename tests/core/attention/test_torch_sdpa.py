"""TORCH_SDPA against a dense float64 attention written out by hand.

Tolerances are absolute, on outputs of O(1): float32 2e-5 (summation order only);
float16 2e-3 and bfloat16 2e-2 (the inputs' own rounding, ~1 ulp of each format, times
the softmax-weighted sum).
"""

from __future__ import annotations

import math
import re

import pytest
import torch

from hwcore.attention import AttentionBackend, load_backend_class, write_kv_cache
from hwcore.attention.torch_sdpa import TORCH_SDPA, TorchSDPABackend

TOLERANCE = {torch.float32: 2e-5, torch.float16: 2e-3, torch.bfloat16: 2e-2}
BLOCK_SIZE = 8


class PagedCase:
    """Random sequences stored in a paged cache with shuffled blocks."""

    def __init__(self, lengths: list[int], new_tokens: list[int], heads: int, kv_heads: int,
                 dtype: torch.dtype, head_size: int = 16) -> None:
        generator = torch.Generator().manual_seed(sum(lengths) + heads)
        self.lengths, self.new_tokens, self.dtype = lengths, new_tokens, dtype
        self.keys = [torch.randn(n, kv_heads, head_size, generator=generator) for n in lengths]
        self.values = [torch.randn(n, kv_heads, head_size, generator=generator) for n in lengths]
        total_tokens = sum(new_tokens)
        self.query = torch.randn(total_tokens, heads, head_size, generator=generator).to(dtype)
        blocks_per_seq = [-(-n // BLOCK_SIZE) for n in lengths]
        order = torch.randperm(sum(blocks_per_seq) + 3, generator=generator)
        self.block_tables = torch.zeros(len(lengths), max(blocks_per_seq), dtype=torch.int32)
        start = 0
        for index, count in enumerate(blocks_per_seq):
            self.block_tables[index, :count] = order[start : start + count]
            start += count
        shape = (len(order), BLOCK_SIZE, kv_heads, head_size)
        self.key_cache = torch.zeros(shape, dtype=dtype)
        self.value_cache = torch.zeros(shape, dtype=dtype)
        self._fill()

    def _fill(self) -> None:
        for index, length in enumerate(self.lengths):
            positions = torch.arange(length)
            blocks = self.block_tables[index, positions // BLOCK_SIZE].long()
            slots = blocks * BLOCK_SIZE + positions % BLOCK_SIZE
            write_kv_cache(self.keys[index], self.values[index], self.key_cache,
                           self.value_cache, slots)

    def run(self, causal: bool = True) -> torch.Tensor:
        return TorchSDPABackend().forward(
            self.query, self.key_cache, self.value_cache, self.block_tables,
            torch.tensor(self.lengths), torch.tensor(self.new_tokens), causal=causal,
        )

    def dense(self, causal: bool = True) -> torch.Tensor:
        """Float64 attention over the same (already rounded) values."""
        outputs, start = [], 0
        for index, (length, count) in enumerate(zip(self.lengths, self.new_tokens, strict=True)):
            rows = self.query[start : start + count].double()
            keys = self.keys[index].to(self.dtype).double()
            values = self.values[index].to(self.dtype).double()
            outputs.append(_dense_one(rows, keys, values, length, causal))
            start += count
        return torch.cat(outputs)


def _dense_one(rows: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
               length: int, causal: bool) -> torch.Tensor:
    count, heads, head_size = rows.shape
    group = heads // keys.shape[1]
    keys, values = keys.repeat_interleave(group, 1), values.repeat_interleave(group, 1)
    scores = torch.einsum("qhd,khd->hqk", rows, keys) / math.sqrt(head_size)
    if causal:
        visible = torch.arange(length)[None, :] <= torch.arange(count)[:, None] + length - count
        scores = scores.masked_fill(~visible, float("-inf"))
    return torch.einsum("hqk,khd->qhd", scores.softmax(-1), values)


DTYPES = [torch.float32, torch.float16, torch.bfloat16]
HEADS = [(4, 4), (4, 2), (4, 1)]  # MHA, GQA, MQA


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("heads", "kv_heads"), HEADS)
def test_prefill_with_variable_lengths(dtype: torch.dtype, heads: int, kv_heads: int) -> None:
    case = PagedCase([5, 17, 33], [5, 17, 33], heads, kv_heads, dtype)
    output = case.run()
    assert output.dtype == dtype
    torch.testing.assert_close(output.double(), case.dense(), atol=TOLERANCE[dtype], rtol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("heads", "kv_heads"), HEADS)
def test_decode_with_variable_lengths(dtype: torch.dtype, heads: int, kv_heads: int) -> None:
    case = PagedCase([5, 17, 33, 8], [1, 1, 1, 1], heads, kv_heads, dtype)
    torch.testing.assert_close(case.run().double(), case.dense(), atol=TOLERANCE[dtype], rtol=0)


@pytest.mark.parametrize("chunk_bytes", [1, 3 * 33 * 2 * 16 * 4, 8 * 2**20])
def test_decode_chunks_of_any_size_agree_with_dense(monkeypatch, chunk_bytes: int) -> None:
    # One sequence per chunk, a chunk ending mid-batch with mixed lengths, one chunk.
    monkeypatch.setattr("hwcore.attention.torch_sdpa.DECODE_CHUNK_BYTES", chunk_bytes)
    case = PagedCase([5, 33, 17, 8, 40, 1, 24], [1] * 7, 4, 2, torch.float32)
    backend = TorchSDPABackend()
    for _ in range(2):  # the second call reuses the scratch buffers
        output = backend.forward(case.query, case.key_cache, case.value_cache, case.block_tables,
                                 torch.tensor(case.lengths), torch.tensor(case.new_tokens))
        torch.testing.assert_close(output.double(), case.dense(), atol=2e-5, rtol=0)


def test_decode_with_equal_lengths_needs_no_mask() -> None:
    case = PagedCase([16, 16], [1, 1], 4, 2, torch.float32)
    torch.testing.assert_close(case.run().double(), case.dense(), atol=2e-5, rtol=0)


def test_chunked_prefill_sees_the_cached_prefix() -> None:
    case = PagedCase([9, 20, 4], [3, 1, 4], 4, 2, torch.float32)
    torch.testing.assert_close(case.run().double(), case.dense(), atol=2e-5, rtol=0)


def test_non_causal_attention_sees_every_position() -> None:
    case = PagedCase([9, 12], [9, 12], 2, 1, torch.float32)
    output = case.run(causal=False).double()
    torch.testing.assert_close(output, case.dense(causal=False), atol=2e-5, rtol=0)


def test_write_kv_cache_skips_padding_slots() -> None:
    key_cache = torch.zeros(2, 4, 1, 2)
    value_cache = torch.zeros(2, 4, 1, 2)
    key = torch.ones(3, 1, 2)
    write_kv_cache(key, key * 2, key_cache, value_cache, torch.tensor([5, -1, 0]))
    assert key_cache.flatten(0, 1)[:, 0, 0].tolist() == [1, 0, 0, 0, 0, 1, 0, 0]
    assert value_cache.sum().item() == 8


def test_write_kv_cache_rejects_a_misfit_key() -> None:
    message = (
        "key (3, 2, 2) does not fit a cache of shape (2, 4, 1, 2); expected key [num_tokens, "
        "num_kv_heads, head_size] and cache [num_blocks, block_size, num_kv_heads, head_size]"
    )
    cache = torch.zeros(2, 4, 1, 2)
    key = torch.ones(3, 2, 2)
    with pytest.raises(ValueError, match=re.escape(message)):
        write_kv_cache(key, key, cache, cache.clone(), torch.tensor([0, 1, 2]))


def test_inconsistent_lengths_are_refused() -> None:
    case = PagedCase([4], [4], 2, 1, torch.float32)
    message = (
        "query has 4 tokens but query_lens sum to 3 over 1 sequences (seq_lens has 1); pass "
        "one length per sequence and pack the query tokens sequence after sequence"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        TorchSDPABackend().forward(case.query, case.key_cache, case.value_cache,
                                   case.block_tables, torch.tensor([4]), torch.tensor([3]))


def test_spec_points_at_the_class() -> None:
    backend_cls = load_backend_class(TORCH_SDPA.class_path)
    assert backend_cls is TorchSDPABackend
    assert issubclass(backend_cls, AttentionBackend)
    assert backend_cls.name == TORCH_SDPA.name
    assert TORCH_SDPA.dtypes == ("float16", "bfloat16", "float32")


def test_load_backend_class_refuses_other_classes() -> None:
    message = "hwcore.errors.MemoryOpError is not a subclass of hwcore.attention.backend.AttentionBackend"
    with pytest.raises(TypeError, match=re.escape(message)):
        load_backend_class("hwcore.errors.MemoryOpError")
    with pytest.raises(ImportError, match=re.escape("module 'hwcore.errors' has no attribute 'Nope'")):
        load_backend_class("hwcore.errors.Nope")
