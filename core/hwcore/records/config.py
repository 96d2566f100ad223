"""The typed engine config that ``check_and_update_config`` validates, and its adjustments.

Configs are frozen. A platform never mutates one: it returns ``ConfigAdjustment`` records
(field, old, new, reason) and ``EngineConfig.apply`` builds the adjusted copy, so every
change a platform makes is visible to the user instead of happening silently.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hwcore.errors import InvalidConfigError
from hwcore.records._checks import require_choice, require_count, require_text, require_texts

DTYPES = ("auto", "bfloat16", "float16", "float32")
# vLLM 0.33's CacheDType values (vllm/config/cache.py).
KV_CACHE_DTYPES = (
    "auto", "float16", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2", "fp8_inc", "fp8_ds_mla",
    "nvfp4_ds_mla", "turboquant_k8v4", "turboquant_4bit_nc", "turboquant_k3v4_nc",
    "turboquant_3bit_nc", "octave_k3v4", "octave_k3v3", "octave_k3v3_compact",
    "ultraquant_4bit", "int4_per_token_head", "int8_per_token_head", "fp8_per_token_head",
    "nvfp4", "nvfp4_4over6",
)
COMPILATION_MODES = ("auto", "none", "stock_torch_compile", "dynamo_trace_once", "vllm_compile")
CUDAGRAPH_MODES = ("auto", "none", "piecewise", "full", "full_decode_only", "full_and_piecewise")
EXECUTOR_BACKENDS = (None, "uni", "mp", "ray", "external_launcher")
KV_CACHE_LAYOUTS = (None, "NHD", "HND")
FUSION_PASSES = (
    "fuse_allreduce_rms", "fuse_attn_quant", "fuse_act_padding", "fuse_rope_kvcache",
    "fuse_rope_kvcache_cat_mla",
)
_OPTION_KEY = re.compile(r"^[a-z0-9_]+\.[a-z0-9_.]+$")


@dataclass(frozen=True)
class ModelConfig:
    model: str = "sample-model"
    architecture: str = "LlamaForCausalLM"
    dtype: str = "auto"
    max_model_len: int = 4096
    quantization: str | None = None
    head_size: int = 128
    num_attention_heads: int = 32
    num_kv_heads: int = 8
    use_mla: bool = False
    enable_sleep_mode: bool = False
    is_mm_prefix_lm: bool = False
    is_encoder_decoder: bool = False

    def __post_init__(self) -> None:
        require_text("ModelConfig", "model", self.model)
        _require_flags("ModelConfig", self, ("use_mla", "enable_sleep_mode",
                                             "is_mm_prefix_lm", "is_encoder_decoder"))
        require_text("ModelConfig", "architecture", self.architecture)
        require_choice("ModelConfig", "dtype", self.dtype, DTYPES)
        for name in ("max_model_len", "head_size", "num_attention_heads", "num_kv_heads"):
            require_count("ModelConfig", name, getattr(self, name), minimum=1)
        if self.num_attention_heads % self.num_kv_heads:
            raise ValueError(
                f"ModelConfig.num_attention_heads ({self.num_attention_heads}) must be a "
                f"multiple of num_kv_heads ({self.num_kv_heads})"
            )
        if self.quantization is not None:
            require_text("ModelConfig", "quantization", self.quantization)


@dataclass(frozen=True)
class CacheConfig:
    block_size: int | None = None  # None: the platform chooses
    cache_dtype: str = "auto"
    kv_cache_memory_bytes: int | None = None  # None: the platform chooses
    gpu_memory_utilization: float = 0.9
    enable_prefix_caching: bool = True
    kv_cache_layout: str | None = None  # None: the backend chooses

    def __post_init__(self) -> None:
        require_choice("CacheConfig", "kv_cache_layout", self.kv_cache_layout, KV_CACHE_LAYOUTS)
        if self.block_size is not None:
            require_count("CacheConfig", "block_size", self.block_size, minimum=1)
        require_choice("CacheConfig", "cache_dtype", self.cache_dtype, KV_CACHE_DTYPES)
        if self.kv_cache_memory_bytes is not None:
            require_count(
                "CacheConfig", "kv_cache_memory_bytes", self.kv_cache_memory_bytes, minimum=1
            )
        if not 0 < self.gpu_memory_utilization <= 1:
            raise ValueError(
                "CacheConfig.gpu_memory_utilization must be in (0, 1], "
                f"got {self.gpu_memory_utilization!r}"
            )


@dataclass(frozen=True)
class ParallelConfig:
    tensor_parallel_size: int = 1
    pipeline_parallel_size: int = 1
    data_parallel_size: int = 1
    distributed_executor_backend: str | None = None
    worker_cls: str = "auto"
    prefill_context_parallel_size: int = 1
    decode_context_parallel_size: int = 1

    def __post_init__(self) -> None:
        for name in ("tensor_parallel_size", "pipeline_parallel_size", "data_parallel_size",
                     "prefill_context_parallel_size", "decode_context_parallel_size"):
            require_count("ParallelConfig", name, getattr(self, name), minimum=1)
        if self.distributed_executor_backend not in EXECUTOR_BACKENDS:
            listed = ", ".join(repr(b) for b in EXECUTOR_BACKENDS)
            raise ValueError(
                "ParallelConfig.distributed_executor_backend must be one of "
                f"{listed}, got {self.distributed_executor_backend!r}"
            )
        require_text("ParallelConfig", "worker_cls", self.worker_cls)

    @property
    def world_size(self) -> int:
        return self.tensor_parallel_size * self.pipeline_parallel_size


@dataclass(frozen=True)
class SchedulerConfig:
    max_num_seqs: int = 256
    max_num_batched_tokens: int | None = None
    enable_chunked_prefill: bool = True
    async_scheduling: bool = False
    disable_chunked_mm_input: bool = False

    def __post_init__(self) -> None:
        require_count("SchedulerConfig", "max_num_seqs", self.max_num_seqs, minimum=1)
        if self.max_num_batched_tokens is not None:
            require_count(
                "SchedulerConfig", "max_num_batched_tokens", self.max_num_batched_tokens, minimum=1
            )


@dataclass(frozen=True)
class CompilationConfig:
    mode: str = "auto"
    backend: str = "inductor"
    cudagraph_mode: str = "auto"
    cudagraph_capture_sizes: tuple[int, ...] | None = None
    custom_ops: tuple[str, ...] = ()
    # vLLM's fusion passes; None: the engine decides.
    fuse_allreduce_rms: bool | None = None
    fuse_attn_quant: bool | None = None
    fuse_act_padding: bool | None = None
    fuse_rope_kvcache: bool | None = None
    fuse_rope_kvcache_cat_mla: bool | None = None

    def __post_init__(self) -> None:
        require_texts("CompilationConfig", "custom_ops", self.custom_ops)
        for name in FUSION_PASSES:
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                raise ValueError(f"CompilationConfig.{name} must be a bool or None, got {value!r}")
        require_choice("CompilationConfig", "mode", self.mode, COMPILATION_MODES)
        require_text("CompilationConfig", "backend", self.backend)
        require_choice("CompilationConfig", "cudagraph_mode", self.cudagraph_mode, CUDAGRAPH_MODES)
        if self.cudagraph_capture_sizes is not None and (
            not isinstance(self.cudagraph_capture_sizes, tuple)
            or any(
                isinstance(n, bool) or not isinstance(n, int) or n < 1
                for n in self.cudagraph_capture_sizes
            )
        ):
            raise ValueError(
                "CompilationConfig.cudagraph_capture_sizes must be a tuple of positive "
                f"integers or None, got {self.cudagraph_capture_sizes!r}"
            )


@dataclass(frozen=True)
class LoRAConfig:
    enabled: bool = False
    max_loras: int = 1

    def __post_init__(self) -> None:
        _require_flags("LoRAConfig", self, ("enabled",))
        require_count("LoRAConfig", "max_loras", self.max_loras, minimum=1)


@dataclass(frozen=True)
class SpeculativeConfig:
    num_speculative_tokens: int = 0  # 0: no speculative decoding
    method: str | None = None

    def __post_init__(self) -> None:
        require_count("SpeculativeConfig", "num_speculative_tokens", self.num_speculative_tokens)
        if self.method is not None:
            require_text("SpeculativeConfig", "method", self.method)


@dataclass(frozen=True)
class KVTransferConfig:
    connector: str | None = None  # None: no KV transfer
    enable_permute_local_kv: bool = False

    def __post_init__(self) -> None:
        if self.connector is not None:
            require_text("KVTransferConfig", "connector", self.connector)
        _require_flags("KVTransferConfig", self, ("enable_permute_local_kv",))


@dataclass(frozen=True)
class ConfigAdjustment:
    """One change a platform makes to an engine config, and why.

    ``field`` is dotted: ``"cache.block_size"``. ``old`` is the value the platform saw;
    ``EngineConfig.apply`` refuses an adjustment whose ``old`` no longer matches.
    """

    field: str
    old: Any
    new: Any
    reason: str

    def __post_init__(self) -> None:
        require_text("ConfigAdjustment", "reason", self.reason)
        part, dot, name = self.field.partition(".")
        if part == "options" and _OPTION_KEY.match(name):
            return
        if not dot or part not in _PARTS or name not in _field_names(part):
            raise ValueError(
                f"ConfigAdjustment.field must name an EngineConfig field such as "
                f"'cache.block_size' or a platform option such as 'options.rocm.use_aiter', "
                f"got {self.field!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.field}: {self.old!r} -> {self.new!r} ({self.reason})"


@dataclass(frozen=True)
class EngineConfig:
    """An engine's configuration as the platform layer sees it.

    ``options`` holds platform switches that have no place in the common parts, keyed
    ``"<platform>.<name>"`` (``{"rocm.use_aiter": True}``); each platform documents and
    validates its own keys. A missing key means the platform's default.
    """

    model: ModelConfig = field(default_factory=ModelConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)
    parallel: ParallelConfig = field(default_factory=ParallelConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    compilation: CompilationConfig = field(default_factory=CompilationConfig)
    lora: LoRAConfig = field(default_factory=LoRAConfig)
    speculative: SpeculativeConfig = field(default_factory=SpeculativeConfig)
    kv_transfer: KVTransferConfig = field(default_factory=KVTransferConfig)
    options: Mapping[str, bool | int | float | str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.options, Mapping):
            raise ValueError(f"EngineConfig.options must be a mapping, got {self.options!r}")
        for key, value in self.options.items():
            if not isinstance(key, str) or not _OPTION_KEY.match(key):
                raise ValueError(
                    "EngineConfig.options keys must read '<platform>.<name>' in lower case, "
                    f"e.g. 'rocm.use_aiter', got {key!r}"
                )
            if not isinstance(value, (bool, int, float, str)):
                raise ValueError(
                    f"EngineConfig.options[{key!r}] must be a bool, number or string, "
                    f"got {value!r}"
                )
        # Frozen means frozen: a read-only view of a private copy.
        object.__setattr__(self, "options", types.MappingProxyType(dict(self.options)))

    def get(self, dotted: str) -> Any:
        """The value at ``"cache.block_size"`` (``None`` for an unset option)."""
        part, _, name = dotted.partition(".")
        if part == "options":
            return self.options.get(name)
        return getattr(getattr(self, part), name)

    def option(self, key: str, default: Any = None) -> Any:
        """``options[key]``, or ``default`` when the engine did not set it."""
        return self.options.get(key, default)

    def apply(
        self, adjustments: list[ConfigAdjustment] | tuple[ConfigAdjustment, ...]
    ) -> EngineConfig:
        """A copy with ``adjustments`` applied in order; the record checks run again.

        Raises ``InvalidConfigError`` if an adjustment's ``old`` is not the current value
        (two plugins disagreeing on a field) or the new value is invalid.
        """
        config = self
        for adjustment in adjustments:
            current = config.get(adjustment.field)
            if current != adjustment.old:
                raise InvalidConfigError(
                    f"cannot apply '{adjustment}': {adjustment.field} is {current!r} by now, "
                    "so another plugin changed it first; remove one of the two adjustments"
                )
            config = config._replaced(adjustment)
        return config

    def _replaced(self, adjustment: ConfigAdjustment) -> EngineConfig:
        part, _, name = adjustment.field.partition(".")
        try:
            if part == "options":
                options = {**self.options, name: adjustment.new}
                if adjustment.new is None:
                    del options[name]
                return dataclasses.replace(self, options=options)
            updated = dataclasses.replace(getattr(self, part), **{name: adjustment.new})
        except ValueError as error:
            raise InvalidConfigError(f"cannot apply '{adjustment}': {error}") from error
        return dataclasses.replace(self, **{part: updated})

    def to_dict(self) -> dict[str, Any]:
        parts = {f.name: dataclasses.asdict(getattr(self, f.name)) for f in dataclasses.fields(self)
                 if f.name != "options"}
        return {**parts, "options": dict(self.options)}


@dataclass(frozen=True)
class ValidatedConfig:
    """The outcome of ``check_and_update_config``: the adjusted config and every change."""

    config: EngineConfig
    adjustments: tuple[ConfigAdjustment, ...]

    @classmethod
    def merge(
        cls, config: EngineConfig, answers: list[object], implementers: str
    ) -> ValidatedConfig:
        """Apply every plugin's answer to ``config``, in order.

        Each answer was computed against ``config`` itself. The same change twice counts
        once; two different new values for one field are an ``InvalidConfigError`` naming
        both adjustments and ``implementers`` (who answered the hook).
        """
        ordered: list[ConfigAdjustment] = []
        last: dict[str, tuple[int, ConfigAdjustment]] = {}
        for position, answer in enumerate(answers):
            for adjustment in _adjustments_of(answer, implementers):
                seen = last.get(adjustment.field)
                if seen is not None and seen[0] != position:
                    if seen[1].new == adjustment.new:
                        continue  # the same change from two plugins counts once
                    raise InvalidConfigError(
                        f"two plugins adjust {adjustment.field} differently: '{seen[1]}' and "
                        f"'{adjustment}'. Plugins answering check_and_update_config: "
                        f"{implementers}; remove or align one of the two adjustments"
                    )
                last[adjustment.field] = (position, adjustment)
                ordered.append(adjustment)
        return cls(config.apply(ordered), tuple(ordered))

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config.to_dict(),
            "adjustments": [a.to_dict() for a in self.adjustments],
        }


def _adjustments_of(answer: object, implementers: str) -> list[ConfigAdjustment]:
    items = [] if answer is None else answer
    if not isinstance(items, (list, tuple)) or not all(
        isinstance(item, ConfigAdjustment) for item in items
    ):
        raise InvalidConfigError(
            f"a check_and_update_config implementation returned {answer!r}; it must return "
            f"a list of ConfigAdjustment. Plugins answering it: {implementers}"
        )
    return list(items)


_PARTS = {
    "model": ModelConfig,
    "cache": CacheConfig,
    "parallel": ParallelConfig,
    "scheduler": SchedulerConfig,
    "compilation": CompilationConfig,
    "lora": LoRAConfig,
    "speculative": SpeculativeConfig,
    "kv_transfer": KVTransferConfig,
}


def _require_flags(record: str, instance: object, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(instance, name)
        if not isinstance(value, bool):
            raise ValueError(f"{record}.{name} must be a bool, got {value!r}")


def _field_names(part: str) -> set[str]:
    return {f.name for f in dataclasses.fields(_PARTS[part])}
