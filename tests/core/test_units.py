from __future__ import annotations

import pytest

from hwcore.units import binary_unit, format_bytes, format_bytes_in


@pytest.mark.parametrize(
    ("count", "text"),
    [(None, "unknown"), (512, "512 B"), (1536, "1.5 KiB"), (4 << 30, "4.0 GiB"), (3 << 40, "3.0 TiB")],
)
def test_formats_with_the_largest_fitting_unit(count: int | None, text: str) -> None:
    assert format_bytes(count) == text


@pytest.mark.parametrize(
    ("count", "unit"),
    [(0, "B"), (1023, "B"), (1024, "KiB"), (5 << 20, "MiB"), (2.5 * 2**30, "GiB"),
     (-3 << 30, "GiB"), (7 << 40, "TiB"), (9 << 50, "TiB"), (float("inf"), "TiB")],
)
def test_the_unit_is_the_largest_that_keeps_the_number_at_least_1(count: float, unit: str) -> None:
    assert binary_unit(count) == unit


@pytest.mark.parametrize(
    ("count", "unit", "text"),
    [(10 << 20, "MiB", "10.0 MiB"), (5000 << 20, "MiB", "5000.0 MiB"), (512, "KiB", "0.5 KiB"),
     (1536.4, "B", "1536 B"), (1536, "B", "1536 B")],
)
def test_figures_compared_side_by_side_share_one_unit(count: float, unit: str, text: str) -> None:
    assert format_bytes_in(count, unit) == text
