"""Attention backends: the registry, selection, the runtime interface and ``TORCH_SDPA``.

Importing this package imports no torch; backend classes import it when they run. The
registry and the selection cache belong to a host (``Host.attention``); engines select
through ``pm.hook.get_attn_backend_cls`` or ``hwcore.current_platform()``.
"""

from __future__ import annotations

from hwcore.attention.backend import AttentionBackend, load_backend_class, write_kv_cache
from hwcore.attention.checks import backend_reasons, is_quantized_kv_cache
from hwcore.attention.registry import BackendRegistry, RegisteredBackend
from hwcore.attention.report import CandidateReport, SelectionReport
from hwcore.attention.selection import REFERENCE_BACKEND, AttentionSelector

__all__ = [
    "REFERENCE_BACKEND",
    "AttentionBackend",
    "AttentionSelector",
    "BackendRegistry",
    "CandidateReport",
    "RegisteredBackend",
    "SelectionReport",
    "backend_reasons",
    "is_quantized_kv_cache",
    "load_backend_class",
    "write_kv_cache",
]
