"""Field checks shared by the records' ``__post_init__`` methods.

Each raises ``ValueError`` naming the record, the field and the value, because a record is
built by plugin code and the message must lead its author to the line that built it.
"""

from __future__ import annotations

from collections.abc import Iterable


def require_text(record: str, field: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{record}.{field} must be a non-empty string, got {value!r}")


def require_texts(record: str, field: str, values: Iterable[object]) -> None:
    if isinstance(values, str) or not isinstance(values, tuple):
        raise ValueError(f"{record}.{field} must be a tuple of strings, got {values!r}")
    for value in values:
        require_text(record, field, value)


def require_count(record: str, field: str, value: object, *, minimum: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{record}.{field} must be an integer >= {minimum}, got {value!r}")


def require_counts(record: str, field: str, values: object, *, minimum: int = 1) -> None:
    if not isinstance(values, tuple):
        raise ValueError(f"{record}.{field} must be a tuple of integers, got {values!r}")
    for value in values:
        require_count(record, field, value, minimum=minimum)


def require_choice(record: str, field: str, value: object, choices: Iterable[object]) -> None:
    options = tuple(choices)
    if value not in options:
        listed = ", ".join(repr(option) for option in options)
        raise ValueError(f"{record}.{field} must be one of {listed}, got {value!r}")


def require_pairs(record: str, field: str, values: object) -> None:
    """A tuple of ``(key, value)`` string pairs, the form of ``details`` fields."""
    if not isinstance(values, tuple) or any(
        not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair))
        for pair in values
    ):
        raise ValueError(
            f"{record}.{field} must be a tuple of (key, value) string pairs, got {values!r}"
        )
