"""Dtype names: the core speaks strings so it never has to import torch."""

from __future__ import annotations

from typing import Any

_ALIASES = {
    "half": "float16",
    "fp16": "float16",
    "float16": "float16",
    "bf16": "bfloat16",
    "bfloat16": "bfloat16",
    "float": "float32",
    "fp32": "float32",
    "float32": "float32",
}


def dtype_name(dtype: Any) -> str:
    """``"bfloat16"`` for ``torch.bfloat16``, ``"bf16"`` or ``"bfloat16"``.

    Names without an alias (``"fp8"``, ``"float8_e4m3fn"``) come back as given, minus a
    ``torch.`` prefix, so callers can still reject them with a clear message.
    """
    text = str(dtype).strip()
    text = text.removeprefix("torch.")
    return _ALIASES.get(text.lower(), text)


# KV-cache formats that store unquantized values (vLLM's KVQuantMode.NONE); every other
# format in vLLM 0.33's list is quantized (fp8*, nvfp4*, turboquant_*, octave_*, int*).
_UNQUANTIZED_KV_CACHE_DTYPES = ("auto", "float16", "bfloat16", "float32")


def is_quantized_kv_cache(kv_cache_dtype: str | None) -> bool:
    """Whether ``kv_cache_dtype`` stores quantized values (``"fp8"``, ``"nvfp4"`` ...);
    ``None`` and ``"auto"`` mean the model dtype, which is not."""
    return kv_cache_dtype is not None and kv_cache_dtype not in _UNQUANTIZED_KV_CACHE_DTYPES
