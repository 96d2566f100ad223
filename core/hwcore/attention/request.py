"""``AttentionRequest``: what an attention layer needs, normalised for checking and caching."""

from __future__ import annotations

from typing import Any, NamedTuple

from hwcore.dtypes import dtype_name


class AttentionRequest(NamedTuple):
    """The arguments of ``get_attn_backend_cls`` minus ``selected_backend``, with the dtype
    as a name and ``kv_cache_dtype=None`` read as ``"auto"``."""

    head_size: int
    dtype: str
    kv_cache_dtype: str
    block_size: int | None
    use_mla: bool
    has_sink: bool
    use_sparse: bool

    @classmethod
    def build(
        cls,
        *,
        head_size: int,
        dtype: Any,
        kv_cache_dtype: str | None,
        block_size: int | None,
        use_mla: bool,
        has_sink: bool,
        use_sparse: bool,
    ) -> AttentionRequest:
        kv_name = "auto" if kv_cache_dtype in (None, "auto") else dtype_name(kv_cache_dtype)
        return cls(
            head_size, dtype_name(dtype), kv_name, block_size,
            bool(use_mla), bool(has_sink), bool(use_sparse),
        )

    def describe(self) -> str:
        """``head_size=128, dtype=bfloat16, ...`` for error messages."""
        block = "auto" if self.block_size is None else str(self.block_size)
        return (
            f"head_size={self.head_size}, dtype={self.dtype}, "
            f"kv_cache_dtype={self.kv_cache_dtype}, block_size={block}, "
            f"use_mla={self.use_mla}, has_sink={self.has_sink}, use_sparse={self.use_sparse}"
        )
