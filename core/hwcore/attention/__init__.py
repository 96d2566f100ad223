"""Attention backends: the registry, selection, the runtime interface and ``TORCH_SDPA``.

Importing this package imports no torch; backend classes import it when they run.
"""

from __future__ import annotations

from hwcore.attention.backend import AttentionBackend, load_backend_class, write_kv_cache
from hwcore.attention.inspection import inspect_selection
from hwcore.attention.registry import BackendRegistry, RegisteredBackend, get_registry
from hwcore.attention.report import CandidateReport, SelectionReport
from hwcore.attention.request import AttentionRequest
from hwcore.attention.selection import (
    attention_backend_hookimpl,
    clear_selection_cache,
    default_priority,
    select_attention_backend,
)

__all__ = [
    "AttentionBackend",
    "AttentionRequest",
    "BackendRegistry",
    "CandidateReport",
    "RegisteredBackend",
    "SelectionReport",
    "attention_backend_hookimpl",
    "clear_selection_cache",
    "default_priority",
    "get_registry",
    "inspect_selection",
    "load_backend_class",
    "select_attention_backend",
    "write_kv_cache",
]
