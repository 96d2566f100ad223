"""Attention: vLLM's selector config in, hwcore's request out; hwcore's choice in, a class
vLLM can run out.

vLLM hands the class path it gets straight to its model runner, which needs a vLLM
``AttentionBackend`` (``get_impl_cls``, ``get_builder_cls``, the KV-cache shape ...);
hwcore's own backend classes are not that. So hwcore's choice becomes, in this order:

1. the chosen backend's own class, when it is a vLLM attention backend (a vendor's
   vLLM-compatible class, e.g. tpu-inference's Pallas backends);
2. the class vLLM registers under the same name (``AttentionBackendEnum``: vLLM's
   built-ins, and what a vendor registers with ``register_backend``);
3. otherwise an error naming hwcore's backend and vLLM's side, never a class vLLM would
   fail on later (hwcore's ``TORCH_SDPA`` reference is such a backend: vLLM's
   ``TORCH_SDPA`` is a tag for vision encoders with no decoder class).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hwcore import CONTRACT_VERSION
from hwcore_vllm.errors import NotRunnableByVllmError, UntranslatableError

if TYPE_CHECKING:
    from hwcore import AttentionBackendSpec, AttentionRequest

SHARED_FIELDS = (
    "head_size", "dtype", "kv_cache_dtype", "block_size", "use_mla", "has_sink",
    "use_sparse", "use_mm_prefix", "attn_type", "has_sliding_window", "use_non_causal",
    "use_batch_invariant", "use_kv_connector",
)
"""Fields of vLLM 0.33's ``AttentionSelectorConfig`` that ``AttentionRequest`` has too,
under the same names."""

UNEXPRESSED_FIELDS = {
    "use_per_head_quant_scales": "per-head KV-cache quantization scales",
    "use_pcp": "prefill context parallelism (prefill_context_parallel_size > 1)",
    "use_dcp": "decode context parallelism (decode_context_parallel_size > 1)",
    "use_adaptive_verification": "adaptive verification of speculative tokens",
    "use_rswa": "the model's RSWA attention window (rswa_window)",
}
"""Selector fields hwcore's request cannot say, and what turns each on. At their defaults
they ask nothing, so they pass; any other value (or a field a later vLLM adds) is refused:
hwcore could not check that its backend supports it."""

VLLM_BACKEND_BASE = "vllm.v1.attention.backend.AttentionBackend"


@dataclass(frozen=True)
class AttentionView:
    """What the mapping needs to know about vLLM's attention backends.

    * ``registered_path(name)``: the class path vLLM registers under ``name``; ``None``
      when vLLM has no backend of that name, ``""`` when the name has no class.
    * ``is_vllm_backend(class_path)``: whether that class is a vLLM attention backend;
      raises ``ImportError`` saying why when the class does not import.
    """

    registered_path: Callable[[str], str | None]
    is_vllm_backend: Callable[[str], bool]


def request_from_selector(
    fields: Mapping[str, Any],
    defaults: Mapping[str, Any],
    num_heads: int | None,
    platform_name: str,
) -> AttentionRequest:
    """hwcore's ``AttentionRequest`` for vLLM's selector config (its ``_asdict()`` and
    ``_field_defaults``) and ``num_heads``.

    Raises ``UntranslatableError`` for a field hwcore cannot express or a value its request
    refuses, naming both sides.
    """
    from hwcore import AttentionRequest

    asked = [name for name, value in fields.items()
             if name not in SHARED_FIELDS and value != defaults.get(name)]
    if asked:
        unknown = "a selector field hwcore does not know"
        features = " and ".join(
            f"{name}={fields[name]!r} ({UNEXPRESSED_FIELDS.get(name, unknown)})" for name in asked
        )
        raise UntranslatableError(
            f"vLLM asks hwcore's platform {platform_name!r} for an attention backend with "
            f"{features}, which hwcore's AttentionRequest (hook contract {CONTRACT_VERSION}) "
            f"cannot express, so hwcore cannot choose a backend that supports it; turn "
            f"{'those' if len(asked) > 1 else 'that'} off to run on this platform"
        )
    values = {name: fields[name] for name in SHARED_FIELDS if name in fields}
    if "attn_type" in values:  # vLLM's AttentionType is a str enum; hwcore wants its value
        values["attn_type"] = str(getattr(values["attn_type"], "value", values["attn_type"]))
    try:
        return AttentionRequest(**values, num_heads=num_heads)
    except ValueError as error:
        raise UntranslatableError(
            f"vLLM's attention selector config cannot be expressed as hwcore's "
            f"AttentionRequest: {error}"
        ) from error


def vllm_class_path(
    spec: AttentionBackendSpec, request: AttentionRequest, platform_name: str, view: AttentionView
) -> str:
    """The class vLLM runs for hwcore's choice ``spec`` (the rules in the module doc)."""
    chose = (f"hwcore's platform {platform_name!r} chose attention backend {spec.name} "
             f"({spec.class_path}) for {request.describe()}")
    try:
        if view.is_vllm_backend(spec.class_path):
            return spec.class_path
    except ImportError as error:
        raise NotRunnableByVllmError(f"{chose}, but vLLM cannot load it: {error}") from error
    registered = view.registered_path(spec.name)
    if registered:
        return registered
    if registered is None:
        vllm_side = f"vLLM has no attention backend named {spec.name}"
    else:
        vllm_side = (f"vLLM's own {spec.name} names no class it can run (vLLM keeps that "
                     "name as a tag, e.g. TORCH_SDPA for vision-encoder attention)")
    raise NotRunnableByVllmError(
        f"{chose}, but vLLM cannot run it: that class is not a vLLM attention backend "
        f"({VLLM_BACKEND_BASE}) and {vllm_side}. Register a vLLM attention backend under "
        f"the name {spec.name} (docs/vllm.md, 'Attention'), or select another of the "
        "platform's backends, one vLLM can run, with --attention-backend"
    )
