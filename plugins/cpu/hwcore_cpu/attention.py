"""Attention-backend selection on the CPU: a priority list walked by the core's selector."""

from __future__ import annotations

from typing import Any

CPU_ATTENTION_PRIORITY = ("TORCH_SDPA",)
"""Best first. hwcore-cpu ships no CPU-tuned backend of its own yet, so the core's portable
``TORCH_SDPA`` reference backend is the one choice; a plugin that adds a faster CPU backend
registers it and an engine can select it by name."""


def select_cpu_attention_backend(
    selected_backend: str | None,
    head_size: int,
    dtype: Any,
    kv_cache_dtype: str | None,
    block_size: int | None,
    use_mla: bool,
    has_sink: bool,
    use_sparse: bool,
) -> str:
    """The class path of the first backend in ``CPU_ATTENTION_PRIORITY`` that can run the
    request; the selector raises ``NoValidBackendError`` or ``InvalidSelectedBackendError``
    with every candidate's reasons otherwise."""
    from hwcore.attention.selection import select_attention_backend

    class_path: str = select_attention_backend(
        list(CPU_ATTENTION_PRIORITY),
        selected_backend=selected_backend,
        head_size=head_size,
        dtype=dtype,
        kv_cache_dtype=kv_cache_dtype,
        block_size=block_size,
        use_mla=use_mla,
        has_sink=has_sink,
        use_sparse=use_sparse,
    )
    return class_path
