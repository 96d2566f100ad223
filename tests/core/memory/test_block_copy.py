from __future__ import annotations

import pytest
import torch

from hwcore.memory import copy_blocks, insert_blocks_to_device, native, swap_out_blocks_to_host
from hwcore.memory.copy import PARALLEL_MIN_BYTES, host_copy_threads


def _caches(dtype: torch.dtype = torch.float32, blocks: int = 16) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(0)
    src = torch.randn(blocks, 4, 2, 8, generator=generator).to(dtype)
    return src, torch.zeros_like(src)


def _expected(src: torch.Tensor, dst: torch.Tensor, sources: list[int], targets: list[int]):
    expected = dst.clone()
    for source, target in zip(sources, targets, strict=True):
        expected[target] = src[source]
    return expected


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16, torch.int8])
def test_copy_blocks_matches_per_block_reference(dtype: torch.dtype) -> None:
    src, dst = _caches(dtype)
    sources, targets = [3, 4, 5, 0, 15, 14], [7, 8, 9, 2, 0, 11]
    expected = _expected(src, dst, sources, targets)
    result = copy_blocks(src, dst, torch.tensor(sources), torch.tensor(targets))
    assert result is dst
    assert torch.equal(dst, expected)


def test_random_permutation_copy_is_exact() -> None:
    src, dst = _caches(blocks=64)
    generator = torch.Generator().manual_seed(1)
    sources = torch.randperm(64, generator=generator)[:20]
    targets = torch.randperm(64, generator=generator)[:20]
    expected = _expected(src, dst, sources.tolist(), targets.tolist())
    copy_blocks(src, dst, sources, targets)
    assert torch.equal(dst, expected)


def test_int32_indices_and_same_tensor_disjoint_blocks() -> None:
    cache, _ = _caches()
    expected = _expected(cache, cache, [0, 1], [10, 11])
    copy_blocks(cache, cache, torch.tensor([0, 1], dtype=torch.int32), torch.tensor([10, 11]))
    assert torch.equal(cache, expected)


def test_empty_copy_allowed_when_asked() -> None:
    src, dst = _caches()
    empty = torch.tensor([], dtype=torch.int64)
    copy_blocks(src, dst, empty, empty, allow_empty=True)
    assert torch.count_nonzero(dst) == 0


def test_insert_and_swap_out_on_cpu_platform() -> None:
    src, dst = _caches()
    insert_blocks_to_device(src, dst, torch.tensor([1]), torch.tensor([2]), device_type="cpu")
    back = torch.zeros_like(src)
    swap_out_blocks_to_host(dst, back, torch.tensor([2]), torch.tensor([5]), device_type="cpu")
    assert torch.equal(back[5], src[1])


def test_large_host_copy_uses_torch_threads_and_stays_exact() -> None:
    blocks = 2 * PARALLEL_MIN_BYTES // (64 * 1024)
    src = torch.arange(blocks * 16384, dtype=torch.int32).view(blocks, 16384)  # 64 KiB blocks
    dst = torch.zeros_like(src)
    generator = torch.Generator().manual_seed(2)
    sources = torch.randperm(blocks, generator=generator)
    targets = torch.randperm(blocks, generator=generator)
    assert host_copy_threads(blocks * 64 * 1024) == torch.get_num_threads()
    assert host_copy_threads(PARALLEL_MIN_BYTES - 1) == 1
    copy_blocks(src, dst, sources, targets)
    assert torch.equal(dst[targets], src[sources])


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.int8])
def test_host_copy_without_the_native_loop_gives_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch, dtype: torch.dtype
) -> None:
    src, dst = _caches(dtype, blocks=32)
    sources, targets = [3, 4, 5, 0, 31, 30, 17], [7, 8, 9, 2, 0, 11, 12]
    expected = _expected(src, dst, sources, targets)
    monkeypatch.setattr(native, "host_copy_loop", lambda: None)
    copy_blocks(src, dst, torch.tensor(sources), torch.tensor(targets))
    assert torch.equal(dst, expected)


def test_blocks_of_zero_bytes_copy_nothing() -> None:
    src = torch.zeros(4, 0)
    dst = torch.zeros(4, 0)
    assert copy_blocks(src, dst, torch.tensor([0, 1]), torch.tensor([2, 3])) is dst
