"""Choosing the attention backend: walk a priority list, check every candidate, cache.

Platforms call ``select_attention_backend`` from their ``get_attn_backend_cls`` hookimpl.
The hot path is one dict lookup keyed on the raw arguments, valid while the process-wide
host and its plugin-manager generation stay the same (an engine asks once per layer, so
this runs thousands of times with identical arguments).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hwcore._markers import hookimpl
from hwcore.attention.registry import BackendRegistry, get_registry
from hwcore.attention.report import CandidateReport, evaluate_candidates
from hwcore.attention.request import AttentionRequest
from hwcore.errors import InvalidSelectedBackendError, NoValidBackendError
from hwcore.host.current import get_host

if TYPE_CHECKING:
    from hwcore.host.host import Host
    from hwcore.records.capability import DeviceCapability

TORCH_SDPA_NAME = "TORCH_SDPA"


class _SelectionCache:
    """Results of successful selections for one host generation."""

    def __init__(self) -> None:
        self.host: Host | None = None
        self.generation = -1
        self.results: dict[tuple[Any, ...], str] = {}
        self.priorities: dict[str, list[str]] = {}

    def current(self, host: Host) -> _SelectionCache:
        """Drop everything when the host or its plugin set changed."""
        generation = host.plugin_manager.generation
        if self.host is not host or self.generation != generation:
            self.host, self.generation = host, generation
            self.results, self.priorities = {}, {}
        return self


_cache = _SelectionCache()


def clear_selection_cache() -> None:
    """Forget cached selections (tests; the cache also empties on any plugin change)."""
    _cache.host = None


def select_attention_backend(
    priority: Sequence[str],
    *,
    selected_backend: str | None,
    head_size: int,
    dtype: Any,
    kv_cache_dtype: str | None,
    block_size: int | None,
    use_mla: bool,
    has_sink: bool,
    use_sparse: bool,
    providers: Mapping[str, str] | None = None,
) -> str:
    """Return the class path of ``selected_backend``, or else of the first backend in
    ``priority`` that can run the request on the active platform.

    ``providers`` maps a backend name to what provides it (``{"FLASH_ATTN": "hwcore-cuda"}``)
    for the message about a name nobody registered. Raise ``InvalidSelectedBackendError``
    with all its reasons when ``selected_backend`` cannot run the request (never a
    fallback), and one ``NoValidBackendError`` listing every candidate's reasons when no
    candidate can. Successful results are cached per argument set and plugin generation.
    """
    return _select_cached(
        tuple(priority), selected_backend, head_size, dtype, kv_cache_dtype, block_size,
        use_mla, has_sink, use_sparse, providers,
    )


def attention_backend_hookimpl(
    priority: Sequence[str], *, providers: Mapping[str, str] | None = None
) -> Any:
    """A ready ``get_attn_backend_cls`` hookimpl that walks ``priority``.

    Use it in a platform class body, ``get_attn_backend_cls =
    attention_backend_hookimpl(["FLASH_ATTN", "TORCH_SDPA"])``. It behaves exactly like a
    hookimpl calling ``select_attention_backend``, minus one keyword-argument call per
    lookup (pluggy passes hook arguments positionally; about 0.5 µs here).
    """
    order = tuple(priority)

    @hookimpl
    def get_attn_backend_cls(
        selected_backend: str | None, head_size: int, dtype: Any,
        kv_cache_dtype: str | None, block_size: int | None, use_mla: bool, has_sink: bool,
        use_sparse: bool,
    ) -> str:
        return _select_cached(
            order, selected_backend, head_size, dtype, kv_cache_dtype, block_size,
            use_mla, has_sink, use_sparse, providers,
        )

    return staticmethod(get_attn_backend_cls)


def _select_cached(
    priority: tuple[str, ...],
    selected_backend: str | None,
    head_size: int,
    dtype: Any,
    kv_cache_dtype: str | None,
    block_size: int | None,
    use_mla: bool,
    has_sink: bool,
    use_sparse: bool,
    providers: Mapping[str, str] | None,
) -> str:
    # The hot path (~0.5 µs on a 2-core VM): no helper calls, one dict lookup keyed on the
    # raw arguments; a different spelling of a dtype is just another key.
    host = get_host()
    cache = _cache
    if cache.host is not host or cache.generation != host.plugin_manager.generation:
        cache.current(host)
    key = (priority, selected_backend, head_size, dtype, kv_cache_dtype, block_size,
           use_mla, has_sink, use_sparse)
    found = cache.results.get(key)
    if found is not None:
        return found
    request = AttentionRequest.build(
        head_size=head_size, dtype=dtype, kv_cache_dtype=kv_cache_dtype,
        block_size=block_size, use_mla=use_mla, has_sink=has_sink, use_sparse=use_sparse,
    )
    chosen = _select(host, list(priority), selected_backend, request, providers)
    cache.results[key] = chosen
    return chosen


def default_priority(device_type: str) -> list[str]:
    """Every registered backend whose ``device_types`` include ``device_type`` or are
    empty, by name, with ``TORCH_SDPA`` (the portable one) last. Platforms that know
    which backend is fastest pass their own list to ``select_attention_backend``."""
    host = get_host()
    cache = _cache.current(host)
    cached = cache.priorities.get(device_type)
    if cached is None:
        cached = _default_priority(get_registry(host), device_type)
        cache.priorities[device_type] = cached
    return list(cached)


def _default_priority(registry: BackendRegistry, device_type: str) -> list[str]:
    names = [
        entry.spec.name for entry in registry
        if not entry.spec.device_types or device_type in entry.spec.device_types
    ]
    return sorted(names, key=lambda name: name == TORCH_SDPA_NAME)


def _select(
    host: Host,
    priority: list[str],
    selected_backend: str | None,
    request: AttentionRequest,
    providers: Mapping[str, str] | None,
) -> str:
    registry = get_registry(host)
    device_type, capability = active_device(host)
    if selected_backend is not None:
        [report] = evaluate_candidates(
            [selected_backend], request, registry, device_type, capability, providers
        )
        if not report.valid:
            valid = [c.name for c in evaluate_candidates(
                priority, request, registry, device_type, capability, providers) if c.valid]
            raise _invalid_selected(host, report, request, valid)
        assert report.class_path is not None
        return report.class_path
    reports = evaluate_candidates(priority, request, registry, device_type, capability, providers)
    for report in reports:
        if report.valid and report.class_path is not None:
            return report.class_path
    raise _no_valid(host, reports, request)


def active_device(host: Host) -> tuple[str, DeviceCapability | None]:
    """The active platform's device type and the capability of device 0."""
    capability = host.resolve().hook.get_device_capability(device_id=0)
    return host.platform_info.device_type, capability


def _platform_label(host: Host) -> str:
    info = host.platform_info
    return f"{info.device_type} (platform {info.name!r}, {host.provider_of(info.name)})"


def _invalid_selected(
    host: Host, report: CandidateReport, request: AttentionRequest, valid: list[str]
) -> InvalidSelectedBackendError:
    alternatives = ", ".join(valid) if valid else "none of the platform's candidates"
    return InvalidSelectedBackendError(
        f"Selected attention backend {report.name} cannot run this request on "
        f"{_platform_label(host)} with {request.describe()}: {'; '.join(report.reasons)}. "
        "hwcore does not fall back from an explicit choice; change the request or select "
        f"another backend (valid here: {alternatives})"
    )


def _no_valid(
    host: Host, reports: list[CandidateReport], request: AttentionRequest
) -> NoValidBackendError:
    lines = [f"  {r.name}: {'; '.join(r.reasons)}" for r in reports] or ["  (no candidates)"]
    return NoValidBackendError(
        f"No valid attention backend for {_platform_label(host)} with {request.describe()}. "
        "Reasons:\n" + "\n".join(lines) + "\n"
        "Change what the reasons name: the dtype, KV-cache dtype, block size or head size "
        "to one a backend supports, install a missing package or plugin, or select a "
        "backend explicitly"
    )
