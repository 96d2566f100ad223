"""``AttentionBackendSpec``: what an attention backend can run, declared without importing it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hwcore.records._checks import require_counts, require_text, require_texts
from hwcore.records.capability import DeviceCapability
from hwcore.records.request import ATTENTION_TYPES

_BACKEND_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_CLASS_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$")


@dataclass(frozen=True)
class AttentionBackendSpec:
    """A backend's name, where its class lives, and what it supports.

    Empty tuples mean "any" for ``head_sizes``, ``block_sizes`` and ``device_types``.
    ``block_sizes`` are bases: a block size is accepted if it is a multiple of one of them
    (vLLM's rule). ``mla`` backends run only MLA requests and other backends only non-MLA
    ones; ``sink`` and ``sparse`` say whether attention sinks and sparse attention are
    supported. ``required_packages`` are distribution names that must be installed; the
    check reads package metadata and imports nothing, and ``install_hint`` says how to get
    them where a plain ``pip install`` is not the answer ("pip install tpu-inference on a
    TPU VM").

    The request features of contract 2.0 (vLLM 0.33's names): ``mm_prefix`` (full attention
    over a multimodal prefix), ``non_causal``, ``attn_types`` (the attention types it runs),
    ``sliding_window``, ``batch_invariant`` (results independent of batch composition) and
    ``kv_connector`` (works with a KV-transfer connector).
    """

    name: str
    class_path: str
    dtypes: tuple[str, ...] = ("float16", "bfloat16")
    kv_cache_dtypes: tuple[str, ...] = ("auto", "float16", "bfloat16")
    head_sizes: tuple[int, ...] = ()
    block_sizes: tuple[int, ...] = ()
    default_block_size: int = 16
    min_capability: DeviceCapability | None = None
    max_capability: DeviceCapability | None = None
    mla: bool = False
    sink: bool = False
    sparse: bool = False
    device_types: tuple[str, ...] = ()
    required_packages: tuple[str, ...] = ()
    install_hint: str = ""
    mm_prefix: bool = False
    non_causal: bool = False
    attn_types: tuple[str, ...] = ("decoder",)
    sliding_window: bool = False
    batch_invariant: bool = False
    kv_connector: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _BACKEND_NAME.match(self.name):
            raise ValueError(
                "AttentionBackendSpec.name must be UPPER_SNAKE_CASE like 'FLASH_ATTN', "
                f"got {self.name!r}"
            )
        if not isinstance(self.class_path, str) or not _CLASS_PATH.match(self.class_path):
            raise ValueError(
                "AttentionBackendSpec.class_path must be a dotted path like "
                f"'package.module.ClassName', got {self.class_path!r}"
            )
        for name in ("dtypes", "kv_cache_dtypes", "device_types", "required_packages",
                     "attn_types"):
            require_texts("AttentionBackendSpec", name, getattr(self, name))
        if not self.dtypes or not self.kv_cache_dtypes:
            raise ValueError(
                f"AttentionBackendSpec {self.name}: dtypes and kv_cache_dtypes must not be empty"
            )
        require_counts("AttentionBackendSpec", "head_sizes", self.head_sizes)
        require_counts("AttentionBackendSpec", "block_sizes", self.block_sizes)
        require_counts("AttentionBackendSpec", "default_block_size", (self.default_block_size,))
        if self.block_sizes and not any(self.default_block_size % b == 0 for b in self.block_sizes):
            raise ValueError(
                f"AttentionBackendSpec {self.name}: default_block_size {self.default_block_size} "
                f"is not a multiple of any of its block_sizes {self.block_sizes}"
            )
        for name in ("min_capability", "max_capability"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, DeviceCapability):
                raise ValueError(
                    f"AttentionBackendSpec.{name} must be a DeviceCapability or None, got {value!r}"
                )
        if (
            self.min_capability is not None
            and self.max_capability is not None
            and self.min_capability > self.max_capability
        ):
            raise ValueError(
                f"AttentionBackendSpec {self.name}: min_capability {self.min_capability} is "
                f"above max_capability {self.max_capability}"
            )
        for name in ("mla", "sink", "sparse", "mm_prefix", "non_causal", "sliding_window",
                     "batch_invariant", "kv_connector"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"AttentionBackendSpec.{name} must be a bool")
        unknown = [t for t in self.attn_types if t not in ATTENTION_TYPES]
        if not self.attn_types or unknown:
            raise ValueError(
                f"AttentionBackendSpec {self.name}: attn_types must name some of "
                f"{', '.join(ATTENTION_TYPES)}, got {self.attn_types!r}"
            )
        for name in ("description", "install_hint"):
            if getattr(self, name):
                require_text("AttentionBackendSpec", name, getattr(self, name))

    def to_dict(self) -> dict[str, Any]:
        cap = (
            None if c is None else c.as_version_str()
            for c in (self.min_capability, self.max_capability)
        )
        min_cap, max_cap = cap
        return {
            "name": self.name,
            "class_path": self.class_path,
            "dtypes": list(self.dtypes),
            "kv_cache_dtypes": list(self.kv_cache_dtypes),
            "head_sizes": list(self.head_sizes),
            "block_sizes": list(self.block_sizes),
            "default_block_size": self.default_block_size,
            "min_capability": min_cap,
            "max_capability": max_cap,
            "mla": self.mla,
            "sink": self.sink,
            "sparse": self.sparse,
            "device_types": list(self.device_types),
            "required_packages": list(self.required_packages),
            "install_hint": self.install_hint,
            "mm_prefix": self.mm_prefix,
            "non_causal": self.non_causal,
            "attn_types": list(self.attn_types),
            "sliding_window": self.sliding_window,
            "batch_invariant": self.batch_invariant,
            "kv_connector": self.kv_connector,
            "description": self.description,
        }
