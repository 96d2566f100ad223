"""vLLM's live ``VllmConfig`` as hwcore's ``EngineConfig``, and hwcore's adjustments back.

Every field of ``EngineConfig`` has one ``Binding``: where vLLM keeps it, how its value
reads as hwcore's, and how an adjusted value is written back (or why it cannot be: vLLM
derives it from the model or sizes process groups from it when the config is made).
Platform options (``EngineConfig.options``) live in vLLM's ``additional_config``, the
place vLLM keeps for platform-specific settings, under the key ``"hwcore"``::

    vllm serve MODEL --additional-config '{"hwcore": {"rocm.use_aiter": true}}'

``translate`` reads; ``apply`` checks that every adjustment can be written before it
writes any, then writes them in order. vLLM runs the platform check on every
``VllmConfig`` it builds, so the pair is idempotent: a config already adjusted reads back
as the adjusted values, and hwcore's platforms adjust nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from hwcore import dtype_name
from hwcore_vllm.errors import UntranslatableError

if TYPE_CHECKING:
    from hwcore import ConfigAdjustment, EngineConfig

OPTIONS_KEY = "hwcore"
"""The key of ``VllmConfig.additional_config`` that holds hwcore's platform options."""

_ABSENT = object()  # read from a part vLLM does not have: hwcore's default applies


@dataclass(frozen=True)
class VllmTypes:
    """vLLM's and torch's types that adjusted values are written back as: vLLM's
    ``CompilationMode`` and ``CUDAGraphMode`` enums, and ``torch_dtype(name)``."""

    compilation_mode: Any
    cudagraph_mode: Any
    torch_dtype: Callable[[str], Any]


@dataclass(frozen=True)
class Binding:
    """One ``EngineConfig`` field and where vLLM keeps it.

    ``owner`` is the dotted path from ``VllmConfig`` to the object holding the value
    (``"cache_config"``); ``read(owner_object)`` gives hwcore's value, ``missing`` is the
    value when vLLM has no such object (``None`` for LoRA off); ``write(owner_object,
    value, types)`` stores an adjusted value, and ``fixed`` says why there is no ``write``.
    """

    field: str
    owner: str
    attribute: str
    read: Callable[[Any], Any]
    write: Callable[[Any, Any, VllmTypes], None] | None = None
    missing: Any = _ABSENT
    fixed: str = ""

    @property
    def source(self) -> str:
        """vLLM's name for the value, for messages: ``"cache_config.block_size"`` (just the
        owner when the value is whether vLLM has the owner at all)."""
        return f"{self.owner}.{self.attribute}" if self.attribute else self.owner


@dataclass(frozen=True)
class Applied:
    """One adjustment written into vLLM's config: what hwcore changed, and where."""

    adjustment: ConfigAdjustment
    source: str

    def describe(self, platform_name: str) -> str:
        change = self.adjustment
        return (f"hwcore's platform {platform_name!r} adjusted {change.field} {change.old!r} -> "
                f"{change.new!r} (vLLM's {self.source}): {change.reason}")


# ------------------------------------------------------------------------ reading

def translate(vllm_config: Any) -> EngineConfig:
    """hwcore's ``EngineConfig`` for ``vllm_config``. Raises ``UntranslatableError``
    naming the field when a vLLM value has no counterpart in hwcore's records."""
    from hwcore import (
        CacheConfig,
        CompilationConfig,
        EngineConfig,
        KVTransferConfig,
        LoRAConfig,
        ModelConfig,
        ParallelConfig,
        SchedulerConfig,
        SpeculativeConfig,
    )

    parts: dict[str, dict[str, Any]] = {}
    for binding in BINDINGS:
        owner = _owner(vllm_config, binding.owner)
        value = binding.missing if owner is None else binding.read(owner)
        if value is not _ABSENT:
            part, _, name = binding.field.partition(".")
            parts.setdefault(part, {})[name] = value
    options = _read_options(vllm_config)
    try:
        return EngineConfig(
            model=ModelConfig(**parts.get("model", {})),
            cache=CacheConfig(**parts["cache"]),
            parallel=ParallelConfig(**parts["parallel"]),
            scheduler=SchedulerConfig(**parts["scheduler"]),
            compilation=CompilationConfig(**parts["compilation"]),
            lora=LoRAConfig(**parts["lora"]),
            speculative=SpeculativeConfig(**parts["speculative"]),
            kv_transfer=KVTransferConfig(**parts["kv_transfer"]),
            options=options,
        )
    except ValueError as error:
        raise UntranslatableError(
            f"vLLM's config cannot be expressed as hwcore's EngineConfig: {error}"
        ) from error


def _read_options(vllm_config: Any) -> Mapping[str, Any]:
    additional = vllm_config.additional_config
    options = additional.get(OPTIONS_KEY, {}) if isinstance(additional, dict) else {}
    if not isinstance(options, Mapping):
        raise UntranslatableError(
            f"vLLM's additional_config[{OPTIONS_KEY!r}] must map hwcore platform options to "
            f"values, e.g. {{{OPTIONS_KEY!r}: {{'rocm.use_aiter': true}}}}, got {options!r}"
        )
    return options


# ------------------------------------------------------------------------ writing

def apply(
    vllm_config: Any, adjustments: tuple[ConfigAdjustment, ...] | list[ConfigAdjustment],
    types: VllmTypes, platform_name: str,
) -> list[Applied]:
    """Write ``adjustments`` into ``vllm_config``, in order; return what was written.

    Every adjustment is checked first, so an adjustment that cannot be written raises
    ``UntranslatableError`` before any other is.
    """
    writes = [_writer(vllm_config, adjustment, types, platform_name) for adjustment in adjustments]
    return [write() for write in writes]


def _writer(
    vllm_config: Any, adjustment: ConfigAdjustment, types: VllmTypes, platform_name: str
) -> Callable[[], Applied]:
    if adjustment.field.startswith("options."):
        return _options_writer(vllm_config, adjustment, platform_name)
    binding = _BY_FIELD[adjustment.field]
    owner = _owner(vllm_config, binding.owner)
    refused = (f"hwcore's platform {platform_name!r} adjusts {adjustment}, which the bridge "
               f"cannot write into vLLM's {binding.source}: ")
    if binding.write is None:
        raise UntranslatableError(refused + binding.fixed)
    if owner is None:
        raise UntranslatableError(refused + f"this vLLM config has no {binding.owner}")
    unwritable = _UNWRITABLE.get(adjustment.field)
    if unwritable is not None and adjustment.new == unwritable[0]:
        raise UntranslatableError(refused + unwritable[1])
    write = binding.write

    def perform() -> Applied:
        write(owner, adjustment.new, types)
        return Applied(adjustment, binding.source)

    return perform


def _options_writer(
    vllm_config: Any, adjustment: ConfigAdjustment, platform_name: str
) -> Callable[[], Applied]:
    additional = vllm_config.additional_config
    if not isinstance(additional, dict):
        raise UntranslatableError(
            f"hwcore's platform {platform_name!r} adjusts {adjustment}, but vLLM's "
            f"additional_config is a {type(additional).__name__}, not a dict, so it has no "
            f"[{OPTIONS_KEY!r}] to hold hwcore's platform options"
        )
    key = adjustment.field.partition(".")[2]

    def perform() -> Applied:
        options = dict(additional.get(OPTIONS_KEY, {}))
        if adjustment.new is None:
            options.pop(key, None)
        else:
            options[key] = adjustment.new
        additional[OPTIONS_KEY] = options
        return Applied(adjustment, f"additional_config[{OPTIONS_KEY!r}][{key!r}]")

    return perform


def _owner(vllm_config: Any, path: str) -> Any:
    owner = vllm_config
    for name in path.split("."):
        if owner is None:
            return None
        owner = getattr(owner, name)
    return owner


# ------------------------------------------------------------ converters, by field

def _set(attribute: str) -> Callable[[Any, Any, VllmTypes], None]:
    def write(owner: Any, value: Any, types: VllmTypes) -> None:
        setattr(owner, attribute, value)
    return write


def _plain(field: str, owner: str, attribute: str, *, missing: Any = _ABSENT) -> Binding:
    return Binding(field, owner, attribute, read=attrgetter(attribute), write=_set(attribute),
                   missing=missing)


def _fixed(field: str, owner: str, attribute: str, read: Callable[[Any], Any], why: str,
           *, missing: Any = _ABSENT) -> Binding:
    return Binding(field, owner, attribute, read=read, missing=missing, fixed=why)


def _write_dtype(owner: Any, value: str, types: VllmTypes) -> None:
    owner.dtype = types.torch_dtype(value)


def _read_block_size(cache: Any) -> int | None:
    # vLLM fills in 16 when nobody chose; to hwcore that is "unset, the platform chooses".
    return cache.block_size if cache.user_specified_block_size else None


def _write_block_size(cache: Any, value: int, types: VllmTypes) -> None:
    cache.block_size = value
    # Marked as chosen: vLLM passes a block size to attention selection only when one was
    # chosen, and re-picks an unchosen one from the backend when its executor starts
    # (update_block_size_for_backend); the platform's choice must reach both.
    cache.user_specified_block_size = True


# hwcore's two layouts are vLLM's legacy names for these (VLLM_KV_CACHE_LAYOUT aliases).
_LAYOUTS = {"NHD": "LBNHC", "HND": "LBHNC"}
_LAYOUT_NAMES = {None: None, "NHD": "NHD", "HND": "HND", "LBNHC": "NHD", "LBHNC": "HND"}


def _read_layout(cache: Any) -> str | None:
    layout = cache.kv_cache_layout
    if layout not in _LAYOUT_NAMES:
        raise UntranslatableError(
            f"vLLM's cache_config.kv_cache_layout={layout!r} has no counterpart in hwcore's "
            "CacheConfig.kv_cache_layout, which knows 'NHD' (vLLM's LBNHC) and 'HND' (LBHNC)"
        )
    return _LAYOUT_NAMES[layout]


def _write_layout(cache: Any, value: str | None, types: VllmTypes) -> None:
    cache.kv_cache_layout = None if value is None else _LAYOUTS[value]


def _read_executor(parallel: Any) -> Any:
    backend = parallel.distributed_executor_backend
    if isinstance(backend, type):
        raise UntranslatableError(
            f"vLLM's parallel_config.distributed_executor_backend is the class "
            f"{backend.__module__}.{backend.__qualname__}; hwcore's "
            "ParallelConfig.distributed_executor_backend names one of vLLM's executors "
            "('uni', 'mp', 'ray', 'external_launcher')"
        )
    return backend


def _read_enum(attribute: str) -> Callable[[Any], str]:
    # None is vLLM's "not decided yet", hwcore's "auto"; members read as lower-case names.
    def read(owner: Any) -> str:
        value = getattr(owner, attribute)
        return "auto" if value is None else str(value.name).lower()
    return read


def _write_enum(attribute: str, enum_of: Callable[[VllmTypes], Any]) -> Callable[
    [Any, Any, VllmTypes], None
]:
    def write(owner: Any, value: str, types: VllmTypes) -> None:
        setattr(owner, attribute, None if value == "auto" else enum_of(types)[value.upper()])
    return write


def _read_sizes(compilation: Any) -> tuple[int, ...] | None:
    sizes = compilation.cudagraph_capture_sizes
    return None if sizes is None else tuple(sizes)


def _write_list(attribute: str) -> Callable[[Any, Any, VllmTypes], None]:
    def write(owner: Any, value: Any, types: VllmTypes) -> None:
        setattr(owner, attribute, None if value is None else list(value))
    return write


_FROM_MODEL = "vLLM reads it from the model when it makes the model config"
_SIZES_GROUPS = "vLLM sizes its process groups from it when it makes the config"

_MODEL = [
    _fixed("model.model", "model_config", "model", lambda m: m.model, _FROM_MODEL),
    _fixed("model.architecture", "model_config", "architecture", lambda m: m.architecture,
           _FROM_MODEL),
    Binding("model.dtype", "model_config", "dtype", read=lambda m: dtype_name(m.dtype),
            write=_write_dtype),
    _plain("model.max_model_len", "model_config", "max_model_len"),
    _fixed("model.quantization", "model_config", "quantization", lambda m: m.quantization,
           "vLLM builds the model's quantization config from it when it makes the model "
           "config"),
    _fixed("model.head_size", "model_config", "get_head_size()", lambda m: m.get_head_size(),
           _FROM_MODEL),
    _fixed("model.num_attention_heads", "model_config",
           "model_arch_config.total_num_attention_heads",
           lambda m: m.model_arch_config.total_num_attention_heads, _FROM_MODEL),
    _fixed("model.num_kv_heads", "model_config", "get_total_num_kv_heads()",
           lambda m: m.get_total_num_kv_heads(), _FROM_MODEL),
    _fixed("model.use_mla", "model_config", "use_mla", lambda m: m.use_mla, _FROM_MODEL),
    _plain("model.enable_sleep_mode", "model_config", "enable_sleep_mode"),
    _fixed("model.is_mm_prefix_lm", "model_config", "is_mm_prefix_lm",
           lambda m: m.is_mm_prefix_lm, _FROM_MODEL),
    _fixed("model.is_encoder_decoder", "model_config", "is_encoder_decoder",
           lambda m: m.is_encoder_decoder, _FROM_MODEL),
]
_CACHE = [
    Binding("cache.block_size", "cache_config", "block_size", read=_read_block_size,
            write=_write_block_size),
    _plain("cache.cache_dtype", "cache_config", "cache_dtype"),
    _plain("cache.kv_cache_memory_bytes", "cache_config", "kv_cache_memory_bytes"),
    _plain("cache.gpu_memory_utilization", "cache_config", "gpu_memory_utilization"),
    _plain("cache.enable_prefix_caching", "cache_config", "enable_prefix_caching"),
    Binding("cache.kv_cache_layout", "cache_config", "kv_cache_layout", read=_read_layout,
            write=_write_layout),
]
_PARALLEL = [
    *(_fixed(f"parallel.{name}", "parallel_config", name, attrgetter(name), _SIZES_GROUPS)
      for name in ("tensor_parallel_size", "pipeline_parallel_size", "data_parallel_size",
                   "prefill_context_parallel_size", "decode_context_parallel_size")),
    Binding("parallel.distributed_executor_backend", "parallel_config",
            "distributed_executor_backend", read=_read_executor,
            write=_set("distributed_executor_backend")),
    _plain("parallel.worker_cls", "parallel_config", "worker_cls"),
]
_SCHEDULER = [
    _plain(f"scheduler.{name}", "scheduler_config", name)
    for name in ("max_num_seqs", "max_num_batched_tokens", "enable_chunked_prefill",
                 "async_scheduling", "disable_chunked_mm_input")
]
_COMPILATION = [
    Binding("compilation.mode", "compilation_config", "mode", read=_read_enum("mode"),
            write=_write_enum("mode", lambda t: t.compilation_mode)),
    # "" is vLLM's "the platform's default compile backend", which is Inductor here.
    Binding("compilation.backend", "compilation_config", "backend",
            read=lambda c: c.backend or "inductor", write=_set("backend")),
    Binding("compilation.cudagraph_mode", "compilation_config", "cudagraph_mode",
            read=_read_enum("cudagraph_mode"),
            write=_write_enum("cudagraph_mode", lambda t: t.cudagraph_mode)),
    Binding("compilation.cudagraph_capture_sizes", "compilation_config",
            "cudagraph_capture_sizes", read=_read_sizes,
            write=_write_list("cudagraph_capture_sizes")),
    Binding("compilation.custom_ops", "compilation_config", "custom_ops",
            read=lambda c: tuple(c.custom_ops), write=_write_list("custom_ops")),
    *(_plain(f"compilation.{name}", "compilation_config.pass_config", name)
      for name in ("fuse_allreduce_rms", "fuse_attn_quant", "fuse_act_padding",
                   "fuse_rope_kvcache", "fuse_rope_kvcache_cat_mla")),
]
_OPTIONAL_PARTS = [
    _fixed("lora.enabled", "lora_config", "", lambda lora: True,
           "vLLM makes its LoRA config from --enable-lora when it makes the config",
           missing=False),
    _plain("lora.max_loras", "lora_config", "max_loras"),
    _plain("speculative.num_speculative_tokens", "speculative_config",
           "num_speculative_tokens", missing=0),
    _plain("speculative.method", "speculative_config", "method", missing=None),
    _plain("kv_transfer.connector", "kv_transfer_config", "kv_connector", missing=None),
    _plain("kv_transfer.enable_permute_local_kv", "kv_transfer_config",
           "enable_permute_local_kv", missing=False),
]

BINDINGS: tuple[Binding, ...] = (
    *_MODEL, *_CACHE, *_PARALLEL, *_SCHEDULER, *_COMPILATION, *_OPTIONAL_PARTS,
)
"""Every field of hwcore's ``EngineConfig`` except ``options``, with where vLLM keeps it."""

_BY_FIELD = {binding.field: binding for binding in BINDINGS}

# Values hwcore's records allow but vLLM's resolved config cannot hold.
_UNWRITABLE: dict[str, tuple[object, str]] = {
    "model.dtype": ("auto", "vLLM resolves the model dtype when it makes the model config"),
    "cache.block_size": (None, "vLLM always holds a block size once its config is made"),
}
