"""The typed engine config that ``check_and_update_config`` validates, and its adjustments.

Configs are frozen. A platform never mutates one: it returns ``ConfigAdjustment`` records
(field, old, new, reason) and ``EngineConfig.apply`` builds the adjusted copy, so every
change a platform makes is visible to the user instead of happening silently.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from hwcore.errors import InvalidConfigError
from hwcore.records._checks import require_choice, require_count, require_text

DTYPES = ("auto", "bfloat16", "float16", "float32")
KV_CACHE_DTYPES = ("auto", "bfloat16", "float16", "fp8", "fp8_e4m3", "fp8_e5m2", "fp8_inc")
COMPILATION_MODES = ("auto", "none", "stock_torch_compile", "dynamo_trace_once", "vllm_compile")
CUDAGRAPH_MODES = ("auto", "none", "piecewise", "full", "full_decode_only", "full_and_piecewise")
EXECUTOR_BACKENDS = (None, "uni", "mp", "ray", "external_launcher")


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

    def __post_init__(self) -> None:
        require_text("ModelConfig", "model", self.model)
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

    def __post_init__(self) -> None:
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

    def __post_init__(self) -> None:
        for name in ("tensor_parallel_size", "pipeline_parallel_size", "data_parallel_size"):
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

    def __post_init__(self) -> None:
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
        if not dot or part not in _PARTS or name not in _field_names(part):
            raise ValueError(
                f"ConfigAdjustment.field must name an EngineConfig field such as "
                f"'cache.block_size', got {self.field!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.field}: {self.old!r} -> {self.new!r} ({self.reason})"


@dataclass(frozen=True)
class EngineConfig:
    """An engine's configuration as the platform layer sees it."""

    model: ModelConfig = field(default_factory=ModelConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)
    parallel: ParallelConfig = field(default_factory=ParallelConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    compilation: CompilationConfig = field(default_factory=CompilationConfig)

    def get(self, dotted: str) -> Any:
        """The value at ``"cache.block_size"``."""
        part, _, name = dotted.partition(".")
        return getattr(getattr(self, part), name)

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
            part, _, name = adjustment.field.partition(".")
            try:
                updated = dataclasses.replace(getattr(config, part), **{name: adjustment.new})
            except ValueError as error:
                raise InvalidConfigError(f"cannot apply '{adjustment}': {error}") from error
            config = dataclasses.replace(config, **{part: updated})
        return config

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ValidatedConfig:
    """The outcome of ``check_and_update_config``: the adjusted config and every change."""

    config: EngineConfig
    adjustments: tuple[ConfigAdjustment, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config.to_dict(),
            "adjustments": [a.to_dict() for a in self.adjustments],
        }


_PARTS = {
    "model": ModelConfig,
    "cache": CacheConfig,
    "parallel": ParallelConfig,
    "scheduler": SchedulerConfig,
    "compilation": CompilationConfig,
}


def _field_names(part: str) -> set[str]:
    return {f.name for f in dataclasses.fields(_PARTS[part])}
