"""Byte counts written for people, shared by the CLI and the backends' messages."""

from __future__ import annotations


def format_bytes(count: int | None) -> str:
    """``"23.5 GiB"``: the largest binary unit that keeps the number at least 1;
    ``"unknown"`` for ``None`` (a size the platform cannot tell)."""
    if count is None:
        return "unknown"
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024:
            return f"{count} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
