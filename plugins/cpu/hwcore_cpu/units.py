"""Byte sizes as people write them: ``8589934592``, ``4GiB``, ``4 GiB``, ``512MiB``.

(Formatting a size for a message is ``hwcore.units.format_bytes``.)
"""

from __future__ import annotations

import re

BINARY_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
ACCEPTED_FORMS = (
    "a byte count such as 8589934592, or a number with a binary unit such as 512MiB, "
    "4GiB or '4 GiB' (units: B, KiB, MiB, GiB, TiB)"
)

_SIZE = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*([A-Za-z]*)$")
_UNIT_BY_LOWER = {unit.lower(): unit for unit in BINARY_UNITS}


def parse_byte_size(text: str) -> int:
    """``4294967296`` for ``"4GiB"``. Raises ``ValueError`` saying what is wrong (not a size,
    an unknown unit, a fraction of a byte); the caller adds the context and the accepted
    forms. The sign is kept so the caller can reject zero and negatives by name."""
    match = _SIZE.match(text.strip())
    if match is None:
        raise ValueError("it is not a size")
    number, unit_text = match.groups()
    if unit_text and unit_text.lower() not in _UNIT_BY_LOWER:
        # "4GB" and "4G" are refused rather than guessed: they mean 10**9 or 2**30
        # depending on who wrote them.
        raise ValueError(f"{unit_text!r} is not a binary unit")
    multiplier = BINARY_UNITS[_UNIT_BY_LOWER[unit_text.lower()]] if unit_text else 1
    if "." in number and multiplier == 1:
        raise ValueError("a byte count must be a whole number")
    return int(float(number) * multiplier) if "." in number else int(number) * multiplier

