from __future__ import annotations

import re

import pytest

from hwcore_cpu.units import parse_byte_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8589934592", 8589934592),
        ("4GiB", 4 << 30),
        ("4 GiB", 4 << 30),
        (" 512MiB ", 512 << 20),
        ("1.5GiB", 3 << 29),
        ("2tib", 2 << 40),
        ("64KiB", 64 << 10),
        ("100B", 100),
        ("0", 0),
        ("-1GiB", -(1 << 30)),
    ],
)
def test_parses_byte_counts_and_binary_units(text: str, expected: int) -> None:
    assert parse_byte_size(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("lots", "it is not a size"),
        ("", "it is not a size"),
        ("4 G i B", "it is not a size"),
        ("4GB", "'GB' is not a binary unit"),
        ("4G", "'G' is not a binary unit"),
        ("1.5", "a byte count must be a whole number"),
    ],
)
def test_says_what_is_wrong(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(why)}$"):
        parse_byte_size(text)
