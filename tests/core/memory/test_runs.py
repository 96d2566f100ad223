from __future__ import annotations

import pytest
import torch

from hwcore.memory import coalesce_runs


def test_consecutive_pairs_merge_in_source_order() -> None:
    runs = coalesce_runs([5, 1, 2, 3, 6, 9], [8, 0, 1, 2, 9, 3])
    assert runs.tolist() == [[1, 0, 3], [5, 8, 2], [9, 3, 1]]
    assert runs.dtype == torch.int64
    assert runs.is_contiguous()


def test_a_run_breaks_when_only_one_side_is_consecutive() -> None:
    assert coalesce_runs([0, 1], [4, 6]).tolist() == [[0, 4, 1], [1, 6, 1]]
    assert coalesce_runs([3, 4], [5, 4]).tolist() == [[3, 5, 1], [4, 4, 1]]


def test_no_pairs_give_no_runs() -> None:
    assert coalesce_runs([], []).shape == (0, 3)


def test_index_tensors_of_any_integer_dtype_are_accepted() -> None:
    sources = torch.tensor([7, 8], dtype=torch.int32)
    targets = torch.tensor([0, 1], dtype=torch.int16)
    assert coalesce_runs(sources, targets).tolist() == [[7, 0, 2]]


def test_sources_and_targets_must_pair_up() -> None:
    with pytest.raises(ValueError, match=r"^2 sources but 1 targets$"):
        coalesce_runs([1, 2], [2])
