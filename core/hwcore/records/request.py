"""``AttentionRequest``: what one attention layer needs from a backend.

It follows vLLM 0.33's ``AttentionSelectorConfig`` (a NamedTuple too, so it is cheap to hash
and selections cache on it), with ``num_heads`` folded in. Adding a field later is a minor
contract bump: every field after ``dtype`` has a default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from hwcore.dtypes import dtype_name

if TYPE_CHECKING:
    from hwcore.records.config import EngineConfig

ATTENTION_TYPES = ("decoder", "encoder", "encoder_only", "encoder_decoder")
_FLAGS = (
    "use_mla", "has_sink", "use_sparse", "use_mm_prefix", "has_sliding_window",
    "use_non_causal", "use_batch_invariant", "use_kv_connector",
)


class _RequestFields(NamedTuple):
    head_size: int
    dtype: str
    kv_cache_dtype: str = "auto"
    block_size: int | None = None
    use_mla: bool = False
    has_sink: bool = False
    use_sparse: bool = False
    use_mm_prefix: bool = False
    attn_type: str = "decoder"
    has_sliding_window: bool = False
    use_non_causal: bool = False
    use_batch_invariant: bool = False
    use_kv_connector: bool = False
    num_heads: int | None = None


class AttentionRequest(_RequestFields):
    """A frozen, validated attention request; ``get_attn_backend_cls(selected_backend,
    request)`` answers it.

    * ``head_size``: the head dimension; ``num_heads``: query heads per layer on this rank
      (``None``: unknown; some priorities depend on it).
    * ``dtype``: the model dtype, a name or a ``torch.dtype`` (stored as its name).
    * ``kv_cache_dtype``: ``"auto"`` (the model dtype; ``None`` is read as ``"auto"``) or a
      quantized format such as ``"fp8"``; ``block_size``: tokens per block, ``None`` to let
      the backend choose.
    * ``use_mla``, ``has_sink``, ``use_sparse``: multi-head latent attention, attention
      sinks, sparse attention.
    * ``use_mm_prefix``: full attention over a multimodal prefix; ``use_non_causal``:
      non-causal attention; ``has_sliding_window``: a sliding-window layer.
    * ``attn_type``: ``"decoder"``, ``"encoder"``, ``"encoder_only"`` or
      ``"encoder_decoder"``.
    * ``use_batch_invariant``: results must not depend on batch composition;
      ``use_kv_connector``: a KV-transfer connector moves this layer's cache.
    """

    __slots__ = ()

    def __new__(
        cls,
        head_size: int,
        dtype: Any,
        kv_cache_dtype: str | None = "auto",
        block_size: int | None = None,
        use_mla: bool = False,
        has_sink: bool = False,
        use_sparse: bool = False,
        use_mm_prefix: bool = False,
        attn_type: str = "decoder",
        has_sliding_window: bool = False,
        use_non_causal: bool = False,
        use_batch_invariant: bool = False,
        use_kv_connector: bool = False,
        num_heads: int | None = None,
    ) -> AttentionRequest:
        _require_size("head_size", head_size)
        if block_size is not None:
            _require_size("block_size", block_size)
        if num_heads is not None:
            _require_size("num_heads", num_heads)
        kv_name = "auto" if kv_cache_dtype in (None, "auto") else dtype_name(kv_cache_dtype)
        if attn_type not in ATTENTION_TYPES:
            raise ValueError(
                f"AttentionRequest.attn_type must be one of {', '.join(ATTENTION_TYPES)}, "
                f"got {attn_type!r}"
            )
        flags = (use_mla, has_sink, use_sparse, use_mm_prefix, has_sliding_window,
                 use_non_causal, use_batch_invariant, use_kv_connector)
        for name, value in zip(_FLAGS, flags, strict=True):
            if not isinstance(value, bool):
                raise ValueError(f"AttentionRequest.{name} must be a bool, got {value!r}")
        return super().__new__(
            cls, head_size, dtype_name(dtype), kv_name, block_size, use_mla, has_sink,
            use_sparse, use_mm_prefix, attn_type, has_sliding_window, use_non_causal,
            use_batch_invariant, use_kv_connector, num_heads,
        )

    @classmethod
    def for_config(cls, config: EngineConfig, dtype: Any) -> AttentionRequest:
        """The request of the model's decoder layers under ``config``, on one rank of its
        tensor-parallel group, in ``dtype`` (the model dtype once ``"auto"`` is resolved).

        Head size, KV-cache dtype, block size, MLA and the multimodal prefix come from
        the config; ``num_heads`` is the query heads per rank
        (``num_attention_heads // tensor_parallel_size``); ``use_kv_connector`` is set when
        a KV-transfer connector is configured. A platform's ``check_and_update_config``
        uses it to ask its own selection which backend the config will run.
        """
        model = config.model
        return cls(
            head_size=model.head_size,
            dtype=dtype,
            kv_cache_dtype=config.cache.cache_dtype,
            block_size=config.cache.block_size,
            use_mla=model.use_mla,
            use_mm_prefix=model.is_mm_prefix_lm,
            use_kv_connector=config.kv_transfer.connector is not None,
            num_heads=max(1, model.num_attention_heads // config.parallel.tensor_parallel_size),
        )

    def describe(self) -> str:
        """The fields that differ from their defaults, ``head_size=128, dtype=bfloat16``,
        for messages (the KV-cache dtype and block size are always shown)."""
        block = "auto" if self.block_size is None else str(self.block_size)
        parts = [
            f"head_size={self.head_size}", f"dtype={self.dtype}",
            f"kv_cache_dtype={self.kv_cache_dtype}", f"block_size={block}",
        ]
        defaults = _RequestFields._field_defaults
        for name in self._fields[4:]:
            value = getattr(self, name)
            if value != defaults[name]:
                parts.append(f"{name}={value}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return dict(self._asdict())


def _require_size(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"AttentionRequest.{name} must be an integer >= 1, got {value!r}")
