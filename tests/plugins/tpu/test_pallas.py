"""The Pallas backend's block size, as tpu-inference 0.32 computes it."""

from __future__ import annotations

import pytest

from hwcore_tpu.pallas import page_size


@pytest.mark.parametrize(
    ("max_model_len", "max_num_seqs", "expected"),
    [
        (4096, 256, 256),  # 4096 / 16 = 256, the largest page
        (2048, 256, 128),
        (1000, 256, 64),  # next power of two first: 1024 / 16
        (128, 256, 16),  # never below 16
        (8192, 256, 256),  # 8192 / 16 = 512, capped at 256
        (16384, 128, 16),  # long contexts use 16-token pages ...
        (8193, 256, 32),  # ... unless the block tables would overflow scalar memory
        (32768, 256, 64),
        (32768, 1024, 256),
        (131072, 512, 512),
        (1, 1, 16),
    ],
)
def test_page_size(max_model_len: int, max_num_seqs: int, expected: int) -> None:
    assert page_size(max_model_len, max_num_seqs) == expected
