"""The runtime interface every attention-backend class follows.

An ``AttentionBackendSpec`` says *what* a backend supports without importing it; the class
at ``spec.class_path`` is what runs. ``hwcore check`` and engines use it like this::

    backend_cls = load_backend_class(class_path)   # class_path from get_attn_backend_cls
    backend = backend_cls()                        # constructors take no arguments
    backend.write_kv_cache(key, value, key_cache, value_cache, slot_mapping)
    output = backend.forward(query, key_cache, value_cache, block_tables, seq_lens, query_lens)

Tensor layouts (all tensors on the same device; "tokens" are the new tokens of this step,
packed sequence after sequence):

* ``query``: ``[num_tokens, num_heads, head_size]``; sequence ``i`` owns
  ``query_lens[i]`` consecutive rows, and they are the *last* ``query_lens[i]`` positions
  of that sequence (prefill: ``query_lens[i] == seq_lens[i]``; decode: ``1``).
* ``key_cache`` / ``value_cache`` (the paged KV cache, blocks on dim 0):
  ``[num_blocks, block_size, num_kv_heads, head_size]``. Position ``p`` of sequence ``i``
  lives at ``cache[block_tables[i, p // block_size], p % block_size]``.
* ``block_tables``: ``[num_seqs, max_blocks_per_seq]`` integer; entries past a sequence's
  last block are ignored.
* ``seq_lens`` / ``query_lens``: ``[num_seqs]`` integer; ``seq_lens[i]`` counts every
  token of sequence ``i`` already in the cache, including this step's.
* ``slot_mapping``: ``[num_tokens]`` integer, ``block * block_size + offset`` for each new
  token; a negative slot (padding) is skipped.

``num_heads`` must be a multiple of ``num_kv_heads`` (MHA, GQA and MQA). The output has the
query's shape and dtype.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import torch


class AttentionBackend(ABC):
    """Base of attention-backend classes: subclass it and implement ``forward``.

    ``name`` equals the ``AttentionBackendSpec.name`` the class is registered under.
    Instances hold no per-request state, so one can serve every layer.
    """

    name: ClassVar[str]

    @abstractmethod
    def forward(
        self,
        query: torch.Tensor,
        key_cache: torch.Tensor,
        value_cache: torch.Tensor,
        block_tables: torch.Tensor,
        seq_lens: torch.Tensor,
        query_lens: torch.Tensor,
        scale: float | None = None,
        causal: bool = True,
    ) -> torch.Tensor:
        """Attend each query token to its sequence's cached keys and values.

        ``scale`` defaults to ``1 / sqrt(head_size)``. With ``causal`` a query token at
        position ``p`` sees positions ``0..p`` of its sequence; without it, all of them.
        Return ``[num_tokens, num_heads, head_size]`` in the query's dtype. The new
        tokens' keys and values must already be in the cache (``write_kv_cache``).
        """

    def write_kv_cache(
        self,
        key: torch.Tensor,
        value: torch.Tensor,
        key_cache: torch.Tensor,
        value_cache: torch.Tensor,
        slot_mapping: torch.Tensor,
    ) -> None:
        """Store this step's ``key``/``value`` (``[num_tokens, num_kv_heads, head_size]``)
        into the paged caches at ``slot_mapping``. Backends with their own cache kernel
        override this; the default works on any torch device."""
        write_kv_cache(key, value, key_cache, value_cache, slot_mapping)


def write_kv_cache(
    key: torch.Tensor,
    value: torch.Tensor,
    key_cache: torch.Tensor,
    value_cache: torch.Tensor,
    slot_mapping: torch.Tensor,
) -> None:
    """Scatter ``key``/``value`` rows into the caches at ``slot_mapping`` (negative slots,
    i.e. padding, are skipped). Raise ``ValueError`` when shapes or dtypes disagree."""
    _check_kv_write(key, value, key_cache, value_cache, slot_mapping)
    keep = slot_mapping >= 0
    slots = slot_mapping[keep].long()
    # A flat [num_blocks * block_size, ...] view turns the write into one index_copy_.
    flat_key = key_cache.view(-1, *key_cache.shape[2:])
    flat_value = value_cache.view(-1, *value_cache.shape[2:])
    flat_key.index_copy_(0, slots, key[keep].to(key_cache.dtype))
    flat_value.index_copy_(0, slots, value[keep].to(value_cache.dtype))


def _check_kv_write(
    key: torch.Tensor,
    value: torch.Tensor,
    key_cache: torch.Tensor,
    value_cache: torch.Tensor,
    slot_mapping: torch.Tensor,
) -> None:
    if key.shape != value.shape or key_cache.shape != value_cache.shape:
        raise ValueError(
            f"key {tuple(key.shape)} / value {tuple(value.shape)} and key_cache "
            f"{tuple(key_cache.shape)} / value_cache {tuple(value_cache.shape)} must match "
            "pairwise"
        )
    if key_cache.dim() != 4 or tuple(key.shape[1:]) != tuple(key_cache.shape[2:]):
        raise ValueError(
            f"key {tuple(key.shape)} does not fit a cache of shape {tuple(key_cache.shape)}; "
            "expected key [num_tokens, num_kv_heads, head_size] and cache "
            "[num_blocks, block_size, num_kv_heads, head_size]"
        )
    if slot_mapping.dim() != 1 or slot_mapping.shape[0] != key.shape[0]:
        raise ValueError(
            f"slot_mapping must be 1-D with one slot per token ({key.shape[0]}), got shape "
            f"{tuple(slot_mapping.shape)}"
        )


def load_backend_class(class_path: str) -> type[AttentionBackend]:
    """Import ``"package.module.ClassName"`` and return the class (``ImportError`` if the
    module or attribute is missing, ``TypeError`` if it is not an ``AttentionBackend``)."""
    module_name, _, class_name = class_path.rpartition(".")
    module = importlib.import_module(module_name)
    try:
        backend_cls = getattr(module, class_name)
    except AttributeError:
        raise ImportError(f"module {module_name!r} has no attribute {class_name!r}") from None
    if not (isinstance(backend_cls, type) and issubclass(backend_cls, AttentionBackend)):
        raise TypeError(
            f"{class_path} is not a subclass of hwcore.attention.backend.AttentionBackend"
        )
    return backend_cls
