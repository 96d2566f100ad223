"""Byte counts written for people, shared by the CLI and the backends' messages."""

from __future__ import annotations

BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def format_bytes(count: int | None) -> str:
    """``"23.5 GiB"``: the largest binary unit that keeps the number at least 1;
    ``"unknown"`` for ``None`` (a size the platform cannot tell)."""
    if count is None:
        return "unknown"
    return format_bytes_in(count, binary_unit(count))


def binary_unit(count: float) -> str:
    """The largest of ``BINARY_UNITS`` in which ``count`` bytes is at least 1."""
    exponent = 0
    while exponent < len(BINARY_UNITS) - 1 and abs(count) >= 1024 ** (exponent + 1):
        exponent += 1
    return BINARY_UNITS[exponent]


def format_bytes_in(count: float, unit: str) -> str:
    """``count`` bytes in ``unit`` (one of ``BINARY_UNITS``), so figures that are compared
    side by side share one unit: ``"312.3 MiB"``, ``"1843.2 MiB"``."""
    if unit == "B":
        return f"{count} B" if isinstance(count, int) else f"{count:.0f} B"
    return f"{count / 1024 ** BINARY_UNITS.index(unit):.1f} {unit}"
