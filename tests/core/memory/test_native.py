from __future__ import annotations

import ctypes
from pathlib import Path

import pytest
import torch

from hwcore.memory import native


def _loop() -> native.HostCopyLoop:
    loop = native.host_copy_loop()
    # The editable install compiles the library (noxfile: HWCORE_BUILD_NATIVE=require).
    assert loop is not None, native.host_copy_engine()
    return loop


BLOCK_BYTES = 1024 * 4  # 1024 int32 values per block


def _caches(blocks: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    src = torch.arange(blocks * 1024, dtype=torch.int32).view(blocks, 1024)
    return src, torch.full_like(src, -1)


def _indices(*values: list[int]) -> list[torch.Tensor]:
    return [torch.tensor(v, dtype=torch.int64) for v in values]


def test_the_library_loads_and_runs_on_torchs_openmp_threads() -> None:
    loop = _loop()
    assert loop.gomp_parallel is not None
    assert native.host_copy_engine() == "native copy loop (_hostcopy.so) on torch's OpenMP threads"


@pytest.mark.parametrize("threads", [1, 2, 4])
@pytest.mark.parametrize("pairs_per_claim", [1, 3, 1000])
def test_copy_moves_exactly_the_named_blocks(threads: int, pairs_per_claim: int) -> None:
    src, dst = _caches()
    # A run of ten consecutive pairs (merged into one memcpy) among scattered ones.
    sources = torch.tensor([3, *range(30, 40), 1, 62, 7, 0])
    targets = torch.tensor([9, *range(50, 60), 2, 8, 63, 11])
    untouched = torch.ones(64, dtype=torch.bool)
    untouched[targets] = False

    copied = _loop().copy(
        src, dst, sources, targets, block_bytes=BLOCK_BYTES, pairs_per_claim=pairs_per_claim,
        threads=threads,
    )
    assert copied == 15
    assert torch.equal(dst[targets], src[sources])
    assert bool((dst[untouched] == -1).all())


def test_one_long_run_shared_among_threads_is_exact() -> None:
    src, dst = _caches(blocks=256)
    sources, targets = _indices(list(range(0, 128)), list(range(128, 256)))
    copied = _loop().copy(
        src, dst, sources, targets, block_bytes=BLOCK_BYTES, pairs_per_claim=5, threads=2
    )
    assert copied == 128
    assert torch.equal(dst[128:], src[:128])


def test_without_an_openmp_runtime_the_calling_thread_copies_everything() -> None:
    loop = native.HostCopyLoop(_loop().copy_blocks, gomp_parallel=None)
    src, dst = _caches()
    sources, targets = _indices([5, 6, 7], [1, 2, 3])
    assert loop.copy(
        src, dst, sources, targets, block_bytes=BLOCK_BYTES, pairs_per_claim=1, threads=8
    ) == 3
    assert torch.equal(dst[1:4], src[5:8])


def test_no_pairs_copy_nothing() -> None:
    src, dst = _caches()
    empty = torch.tensor([], dtype=torch.int64)
    assert _loop().copy(
        src, dst, empty, empty, block_bytes=BLOCK_BYTES, pairs_per_claim=4, threads=2
    ) == 0
    assert bool((dst == -1).all())


def test_openmp_entry_point_is_the_process_gomp_parallel() -> None:
    expected = ctypes.cast(ctypes.CDLL(None).GOMP_parallel, ctypes.c_void_p).value
    assert native.openmp_entry_point() == expected


def test_a_missing_library_is_reported_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "LIBRARY_PATH", "/nonexistent/_hostcopy.so")
    native._load.cache_clear()
    try:
        assert native.host_copy_loop() is None
        assert native.host_copy_engine() == (
            "one torch copy_ per run (_hostcopy.so is not installed: hwcore was built without "
            "a C compiler or with HWCORE_BUILD_NATIVE=skip; reinstall hwcore where a C "
            "compiler is available)"
        )
    finally:
        native._load.cache_clear()


def test_a_library_that_does_not_load_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "_hostcopy.so"
    broken.write_bytes(b"not a shared library")
    monkeypatch.setattr(native, "LIBRARY_PATH", str(broken))
    native._load.cache_clear()
    try:
        engine = native.host_copy_engine()
    finally:
        native._load.cache_clear()
    assert engine.startswith(f"one torch copy_ per run (loading {broken} failed: ")
    assert engine.endswith("; reinstall hwcore)")


def test_a_library_of_another_interface_version_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(native, "ABI", 99)
    native._load.cache_clear()
    try:
        engine = native.host_copy_engine()
    finally:
        native._load.cache_clear()
    assert engine == (
        f"one torch copy_ per run ({native.LIBRARY_PATH} speaks copy interface 1, this hwcore "
        "needs 99: it is left from another version; reinstall hwcore)"
    )
