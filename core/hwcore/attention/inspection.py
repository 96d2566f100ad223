"""``inspect_selection``: the structured view behind ``hwcore explain --head-size ...``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hwcore.attention.registry import get_registry
from hwcore.attention.report import SelectionReport, evaluate_candidates
from hwcore.attention.request import AttentionRequest
from hwcore.attention.selection import active_device, default_priority
from hwcore.errors import AttentionBackendError
from hwcore.host.current import get_host


def inspect_selection(
    *,
    head_size: int,
    dtype: Any,
    kv_cache_dtype: str | None = None,
    block_size: int | None = None,
    use_mla: bool = False,
    has_sink: bool = False,
    use_sparse: bool = False,
    selected_backend: str | None = None,
    priority: Sequence[str] | None = None,
    providers: Mapping[str, str] | None = None,
) -> SelectionReport:
    """Check every candidate against the request and ask the active platform's
    ``get_attn_backend_cls`` what it chooses; never raises a selection error (the report
    carries it).

    Candidates are ``priority`` (default: every registered backend for the device type,
    ``TORCH_SDPA`` last), plus ``selected_backend`` when it is not among them.
    """
    host = get_host()
    pm = host.resolve()
    request = AttentionRequest.build(
        head_size=head_size, dtype=dtype, kv_cache_dtype=kv_cache_dtype,
        block_size=block_size, use_mla=use_mla, has_sink=has_sink, use_sparse=use_sparse,
    )
    device_type, capability = active_device(host)
    names = list(priority) if priority is not None else default_priority(device_type)
    if selected_backend is not None and selected_backend not in names:
        names.insert(0, selected_backend)
    candidates = evaluate_candidates(
        names, request, get_registry(host), device_type, capability, providers
    )
    chosen, error = None, None
    try:
        chosen = pm.hook.get_attn_backend_cls(
            selected_backend=selected_backend, head_size=head_size, dtype=dtype,
            kv_cache_dtype=kv_cache_dtype, block_size=block_size, use_mla=use_mla,
            has_sink=has_sink, use_sparse=use_sparse,
        )
    except AttentionBackendError as failure:
        error = str(failure)
    return SelectionReport(
        host.platform_info.name, device_type, capability, request, selected_backend,
        tuple(candidates), chosen, error,
    )
