"""Attention: the records a plugin registers are valid and their classes import."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable

from hwcore.records import AttentionBackendSpec


def flatten_registrations(answers: Iterable[object]) -> list[object]:
    """Every item of every ``register_attention_backends`` answer (``None`` counts as none)."""
    return [item for answer in answers if answer is not None for item in _as_list(answer)]


def record_problems(items: list[object]) -> list[str]:
    problems = []
    names: dict[str, int] = {}
    for item in items:
        if not isinstance(item, AttentionBackendSpec):
            problems.append(
                f"register_attention_backends returned {item!r}; return AttentionBackendSpec "
                "records"
            )
            continue
        names[item.name] = names.get(item.name, 0) + 1
    problems += [
        f"register_attention_backends returned {name} {count} times; register each name once"
        for name, count in sorted(names.items())
        if count > 1
    ]
    return problems


def missing_packages(spec: AttentionBackendSpec) -> list[str]:
    """The ``required_packages`` of ``spec`` that are not installed here."""
    missing = []
    for package in spec.required_packages:
        try:
            importlib.metadata.distribution(package)
        except importlib.metadata.PackageNotFoundError:
            missing.append(package)
    return missing


def class_path_problem(spec: AttentionBackendSpec) -> str | None:
    """Why ``spec.class_path`` does not load as a backend class, or ``None``."""
    from hwcore.attention.backend import load_backend_class

    try:
        load_backend_class(spec.class_path)
    except Exception as error:  # the class path may fail in any way; report which
        return (
            f"attention backend {spec.name}: class path {spec.class_path!r} does not import: "
            f"{type(error).__name__}: {error}"
        )
    return None


def _as_list(answer: object) -> list[object]:
    if isinstance(answer, (list, tuple)):
        return list(answer)
    return [answer]
