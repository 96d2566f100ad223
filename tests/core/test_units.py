from __future__ import annotations

import pytest

from hwcore.units import format_bytes


@pytest.mark.parametrize(
    ("count", "text"),
    [(None, "unknown"), (512, "512 B"), (1536, "1.5 KiB"), (4 << 30, "4.0 GiB"), (3 << 40, "3.0 TiB")],
)
def test_formats_with_the_largest_fitting_unit(count: int | None, text: str) -> None:
    assert format_bytes(count) == text
