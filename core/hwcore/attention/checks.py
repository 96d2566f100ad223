"""Why a backend cannot run a request: every reason, as vLLM-style strings.

``validate_configuration`` in vLLM returns all reasons rather than the first; so does
``backend_reasons``, so one error can tell the user everything to change at once.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping

from hwcore.records.attention import AttentionBackendSpec
from hwcore.records.capability import DeviceCapability
from hwcore.records.request import AttentionRequest

# KV-cache formats that store unquantized values (vLLM's KVQuantMode.NONE); every other
# format in vLLM 0.33's list is quantized (fp8*, nvfp4*, turboquant_*, octave_*, int*).
_UNQUANTIZED_KV_CACHE_DTYPES = ("auto", "float16", "bfloat16", "float32")


def is_quantized_kv_cache(kv_cache_dtype: str | None) -> bool:
    """Whether ``kv_cache_dtype`` stores quantized values (``"fp8"``, ``"nvfp4"`` ...);
    ``None`` and ``"auto"`` mean the model dtype, which is not."""
    return kv_cache_dtype is not None and kv_cache_dtype not in _UNQUANTIZED_KV_CACHE_DTYPES


def backend_reasons(
    spec: AttentionBackendSpec,
    request: AttentionRequest,
    device_type: str,
    capability: DeviceCapability | None,
) -> list[str]:
    """Every reason ``spec`` cannot run ``request`` on this device; empty means valid."""
    reasons = [
        *_device_reasons(spec, device_type, capability),
        *_shape_reasons(spec, request),
        *_feature_reasons(spec, request),
    ]
    reasons += [
        reason
        for package in spec.required_packages
        if (reason := package_reason(package, spec.install_hint))
    ]
    return reasons


def unregistered_reason(name: str, hints: Mapping[str, str]) -> str:
    """The reason for a priority-list name that no installed plugin registered; ``hints``
    maps a name to what would provide it (``PlatformInfo.backend_hints``)."""
    hint = hints.get(name)
    if hint:
        return f"not registered by any installed plugin (provided by e.g. {hint})"
    return "not registered by any installed plugin; install the plugin that provides it"


def package_reason(package: str, install_hint: str = "") -> str | None:
    """``None`` if distribution ``package`` is installed; read from metadata, not imported."""
    try:
        importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        how = install_hint or f"pip install {package}"
        return f"required package {package!r} is not installed ({how})"
    return None


def _device_reasons(
    spec: AttentionBackendSpec, device_type: str, capability: DeviceCapability | None
) -> list[str]:
    reasons = []
    if spec.device_types and device_type not in spec.device_types:
        reasons.append(
            f"device type {device_type} not supported (supports {_join(spec.device_types)})"
        )
    minimum, maximum = spec.min_capability, spec.max_capability
    if (minimum or maximum) and capability is None:
        reasons.append("compute capability unknown (the platform reports none)")
    elif capability is not None and minimum is not None and capability < minimum:
        reasons.append(f"compute capability {capability} below {minimum}")
    elif capability is not None and maximum is not None and capability > maximum:
        reasons.append(f"compute capability {capability} above {maximum}")
    return reasons


def _shape_reasons(spec: AttentionBackendSpec, request: AttentionRequest) -> list[str]:
    reasons = []
    if spec.head_sizes and request.head_size not in spec.head_sizes:
        reasons.append(
            f"head_size {request.head_size} not supported (supports {_join(spec.head_sizes)})"
        )
    if request.dtype not in spec.dtypes:
        reasons.append(f"dtype {request.dtype} not supported (supports {_join(spec.dtypes)})")
    if request.kv_cache_dtype not in spec.kv_cache_dtypes:
        reasons.append(
            f"kv_cache_dtype {request.kv_cache_dtype} not supported "
            f"(supports {_join(spec.kv_cache_dtypes)})"
        )
    size = request.block_size
    # vLLM's rule: a listed block size is a base; any multiple of it works.
    if size is not None and spec.block_sizes and not any(size % b == 0 for b in spec.block_sizes):
        reasons.append(
            f"block_size {size} not supported (supports multiples of {_join(spec.block_sizes)})"
        )
    return reasons


def _feature_reasons(spec: AttentionBackendSpec, request: AttentionRequest) -> list[str]:
    # vLLM 0.33's validate_configuration wording and order.
    reasons = []
    if request.use_mm_prefix and not spec.mm_prefix:
        reasons.append("partial multimodal token full attention not supported")
    if request.use_mla != spec.mla:
        reasons.append("MLA not supported" if request.use_mla else "non-MLA not supported")
    if request.has_sink and not spec.sink:
        reasons.append("attention sinks not supported")
    if request.use_sparse != spec.sparse:
        reasons.append("sparse not supported" if request.use_sparse else "non-sparse not supported")
    if request.attn_type not in spec.attn_types:
        reasons.append(f"attention type {request.attn_type} not supported")
    if request.has_sliding_window and not spec.sliding_window:
        reasons.append("sliding window not supported")
    if request.use_non_causal and not spec.non_causal:
        reasons.append("non-causal attention not supported")
    if request.use_batch_invariant and not spec.batch_invariant:
        reasons.append("batch invariance not supported")
    if request.use_kv_connector and not spec.kv_connector:
        reasons.append("KV connector not supported")
    return reasons


def _join(values: tuple[object, ...]) -> str:
    return ", ".join(str(value) for value in values)
