"""``check_and_update_config`` for ROCm: the rules, as adjustments, never mutations.

The rules (vLLM's ``RocmPlatform.check_and_update_config`` and
``apply_config_platform_defaults``, where it has one):

* ``parallel.worker_cls`` ``"auto"`` becomes vLLM's GPU worker.
* ``model.dtype`` must be computable (bfloat16 needs capability 8.0, vLLM's message);
  ``"auto"`` means the first supported dtype when choosing the attention backend.
* ``parallel`` world size must fit the visible GPUs unless Ray or an external launcher
  places workers on other nodes.
* ``cache.block_size`` unset becomes 16, or 64 when AITER and AITER unified attention are
  switched on (its kernels are tuned for 64-token pages).
* ``compilation.mode`` ``"auto"`` becomes ``"vllm_compile"``; ``cudagraph_mode``
  ``"auto"`` becomes full-and-piecewise graphs when the selected attention backend can be
  captured whole, else piecewise. Prefill context parallelism cannot run in full graphs:
  with ``parallel.prefill_context_parallel_size > 1`` a full mode becomes ``"piecewise"``.
* multimodal prefix-LM models (bidirectional attention over the image tokens) get
  ``scheduler.disable_chunked_mm_input``.
* ``compilation.custom_ops`` gains what ROCm runs as custom ops: ``+quant_fp8`` for AITER
  FP8 linear layers, ``+grouped_topk`` for AITER fused MoE (a ``-grouped_topk`` is dropped
  when AITER shared-expert fusion needs it), ``+sparse_attn_indexer`` always and
  ``+rms_norm_gated`` for unquantized models; an op the user named either way is kept.
* AITER switches that came from ``HWCORE_ROCM_*`` variables are written into
  ``options``, so the validated config says what the engine runs with.
* Attention backends are chosen per request, which carries no config, so selection reads
  the AITER switches from the environment. An option that would change the backends tried
  for this model (``rocm.use_aiter`` on an MI300X with AITER installed, say) while the
  environment says otherwise is an error naming both: it would be silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hwcore.plugin_api import (
    AttentionBackendSpec,
    ConfigAdjustment,
    DeviceCapability,
    EngineConfig,
    InvalidConfigError,
)
from hwcore_rocm.attention import backend_priority
from hwcore_rocm.switches import SWITCH_NAMES, Aiter, AiterSwitches, option_key, variable_name

GPU_WORKER = "vllm.v1.worker.gpu_worker.Worker"
DEFAULT_BLOCK_SIZE = 16
AITER_UNIFIED_BLOCK_SIZE = 64
# Backends whose vLLM metadata builders allow full-graph capture (at least of uniform
# decode batches); TORCH_SDPA (hwcore's reference backend) is not one of them.
FULL_GRAPH_BACKENDS = frozenset({
    "ROCM_ATTN", "ROCM_AITER_FA", "ROCM_AITER_UNIFIED_ATTN", "TRITON_ATTN", "TRITON_MLA",
    "ROCM_AITER_MLA", "ROCM_AITER_TRITON_MLA", "ROCM_AITER_MLA_SPARSE", "TURBOQUANT",
    "ROCM_OCTAVE", "ULTRAQUANT",
})
FULL_GRAPH_MODES = ("full", "full_decode_only", "full_and_piecewise")
_PIECEWISE_MODES = ("piecewise", "full_and_piecewise")
_MULTI_NODE_EXECUTORS = ("ray", "external_launcher")

BackendChooser = Callable[[EngineConfig, str], AttentionBackendSpec]
"""``(config, dtype) -> spec`` of the backend the platform would select."""


@dataclass(frozen=True)
class GpuSetup:
    """The facts of the GPUs this process sees, and the AITER switches (the config's) on
    the weakest of them; ``environ`` is the host's environment."""

    capability: DeviceCapability | None
    gpu_name: str
    visible_devices: int
    supported_dtypes: tuple[str, ...]
    aiter: Aiter
    environ: Mapping[str, str]


def adjust_config(
    config: EngineConfig, setup: GpuSetup, choose_backend: BackendChooser
) -> list[ConfigAdjustment]:
    """Check ``config`` against ``setup``; return every change, raise what cannot run."""
    dtype = _effective_dtype(config, setup)
    _check_world_size(config, setup)
    chosen: list[AttentionBackendSpec] = []  # selected at most once, only when needed

    def backend() -> AttentionBackendSpec:
        if not chosen:
            chosen.append(choose_backend(config, dtype))
        return chosen[0]

    candidates = [
        _worker(config),
        _block_size(config, setup.aiter),
        *_graphs(config, backend),
        _chunked_mm_input(config),
        _custom_ops(config, setup.aiter),
        *_switch_options(config, setup),
    ]
    return [adjustment for adjustment in candidates if adjustment is not None]


def _effective_dtype(config: EngineConfig, setup: GpuSetup) -> str:
    requested = config.model.dtype
    if requested == "auto":
        return setup.supported_dtypes[0]
    if requested not in setup.supported_dtypes:
        detail = bfloat16_message(setup.capability, setup.gpu_name) if (
            requested == "bfloat16") else f"Your {setup.gpu_name} GPU does not compute in it."
        raise InvalidConfigError(
            f"model.dtype={requested!r} cannot run on this GPU. {detail} "
            f"Set model.dtype to one of: {', '.join(setup.supported_dtypes)}."
        )
    return requested


def bfloat16_message(capability: DeviceCapability | None, gpu_name: str) -> str:
    """vLLM's words for bfloat16 on a GPU below capability 8.0 (or without one)."""
    compute = "does not have a compute capability" if capability is None else (
        f"has compute capability {capability.as_version_str()}"
    )
    return (
        "Bfloat16 is only supported on GPUs with compute capability of at least 8.0. "
        f"Your {gpu_name} GPU {compute}. You can use float16 instead by explicitly "
        "setting the `dtype` flag in CLI, for example: --dtype=half."
    )


def _check_world_size(config: EngineConfig, setup: GpuSetup) -> None:
    parallel = config.parallel
    if parallel.distributed_executor_backend in _MULTI_NODE_EXECUTORS:
        return
    if parallel.world_size > setup.visible_devices:
        raise InvalidConfigError(
            f"parallel.tensor_parallel_size={parallel.tensor_parallel_size} x "
            f"parallel.pipeline_parallel_size={parallel.pipeline_parallel_size} needs "
            f"{parallel.world_size} GPUs, but this process sees {setup.visible_devices}; "
            "lower the parallel sizes, make more GPUs visible (HIP_VISIBLE_DEVICES), or "
            "use parallel.distributed_executor_backend='ray' to span nodes."
        )


def _worker(config: EngineConfig) -> ConfigAdjustment | None:
    if config.parallel.worker_cls != "auto":
        return None
    return ConfigAdjustment(
        "parallel.worker_cls", "auto", GPU_WORKER, "ROCm runs vLLM's GPU worker"
    )


def _block_size(config: EngineConfig, aiter: Aiter) -> ConfigAdjustment | None:
    if config.cache.block_size is not None:
        return None
    # vLLM's rule reads the two switches only, installed AITER or not: a 64-token block
    # suits every ROCm backend, which all take multiples of 16.
    wanted = aiter.switches
    if wanted.use_aiter and wanted.use_aiter_unified_attention:
        return ConfigAdjustment(
            "cache.block_size", None, AITER_UNIFIED_BLOCK_SIZE,
            "AITER unified attention is switched on (rocm.use_aiter and "
            "rocm.use_aiter_unified_attention), and its kernels are tuned for 64-token blocks",
        )
    return ConfigAdjustment(
        "cache.block_size", None, DEFAULT_BLOCK_SIZE, "ROCm's default KV-cache block size"
    )


def _graphs(
    config: EngineConfig, backend: Callable[[], AttentionBackendSpec]
) -> list[ConfigAdjustment]:
    compilation = config.compilation
    adjustments = []
    mode = compilation.mode
    if mode == "auto":
        mode = "vllm_compile"
        adjustments.append(ConfigAdjustment(
            "compilation.mode", "auto", mode, "vLLM compiles the model on ROCm by default"
        ))
    pcp = config.parallel.prefill_context_parallel_size
    if compilation.cudagraph_mode in FULL_GRAPH_MODES and pcp > 1:
        adjustments.append(ConfigAdjustment(
            "compilation.cudagraph_mode", compilation.cudagraph_mode, "piecewise",
            f"prefill context parallelism (parallel.prefill_context_parallel_size={pcp}) "
            "cannot run inside full graphs",
        ))
        return adjustments
    if compilation.cudagraph_mode in _PIECEWISE_MODES and mode != "vllm_compile":
        raise InvalidConfigError(
            f"compilation.cudagraph_mode={compilation.cudagraph_mode!r} needs "
            f"compilation.mode='vllm_compile' (piecewise graphs are cut by vLLM's compiler), "
            f"but compilation.mode is {mode!r}; set cudagraph_mode='full' or 'none', or "
            "mode='vllm_compile'."
        )
    if compilation.cudagraph_mode == "auto":
        adjustments.append(_auto_graph_mode(mode, backend(), pcp))
    return adjustments


def _auto_graph_mode(mode: str, backend: AttentionBackendSpec, pcp: int) -> ConfigAdjustment:
    full = backend.name in FULL_GRAPH_BACKENDS and pcp == 1
    if mode == "vllm_compile":
        new = "full_and_piecewise" if full else "piecewise"
    else:
        new = "full" if full else "none"
    if pcp > 1:
        why = (f"prefill context parallelism (parallel.prefill_context_parallel_size={pcp}) "
               "cannot run inside full graphs")
    else:
        can = "can" if full else "cannot"
        why = f"the {backend.name} attention backend {can} be captured in a full graph"
    return ConfigAdjustment(
        "compilation.cudagraph_mode", "auto", new, f"{why}, and compilation.mode is {mode!r}"
    )


def _chunked_mm_input(config: EngineConfig) -> ConfigAdjustment | None:
    if not config.model.is_mm_prefix_lm or config.scheduler.disable_chunked_mm_input:
        return None
    return ConfigAdjustment(
        "scheduler.disable_chunked_mm_input", False, True,
        "the model attends bidirectionally over multimodal prefixes, which must not be "
        "split across scheduler steps",
    )


def _custom_ops(config: EngineConfig, aiter: Aiter) -> ConfigAdjustment | None:
    ops = list(config.compilation.custom_ops)
    reasons = []

    def named(op: str) -> bool:
        return f"+{op}" in ops or f"-{op}" in ops

    if aiter.linear_fp8 and not named("quant_fp8"):
        ops.append("+quant_fp8")
        reasons.append("+quant_fp8 for AITER FP8 linear layers (rocm.use_aiter_linear)")
    if aiter.fused_shared_experts and "-grouped_topk" in ops:
        ops.remove("-grouped_topk")
        reasons.append(
            "-grouped_topk dropped: AITER shared-expert fusion "
            "(rocm.use_aiter_fusion_shared_experts) needs the grouped_topk op"
        )
    if aiter.fused_moe and not named("grouped_topk"):
        ops.append("+grouped_topk")
        reasons.append("+grouped_topk for AITER fused MoE (rocm.use_aiter_moe)")
    if not named("sparse_attn_indexer"):
        ops.append("+sparse_attn_indexer")
        reasons.append("+sparse_attn_indexer: ROCm runs the sparse-attention indexer as its "
                       "own kernel")
    if config.model.quantization is None and not named("rms_norm_gated"):
        ops.append("+rms_norm_gated")
        reasons.append("+rms_norm_gated for unquantized models (quantized ones are untested "
                       "with it)")
    if not reasons:
        return None
    return ConfigAdjustment(
        "compilation.custom_ops", config.compilation.custom_ops, tuple(ops), "; ".join(reasons)
    )


def _switch_options(config: EngineConfig, setup: GpuSetup) -> list[ConfigAdjustment]:
    defaults = AiterSwitches()
    adjustments = []
    for name in SWITCH_NAMES:
        key, variable = option_key(name), variable_name(name)
        value = getattr(setup.aiter.switches, name)
        if key in config.options or variable not in setup.environ or value == getattr(
            defaults, name
        ):
            continue
        adjustments.append(ConfigAdjustment(
            f"options.{key}", None, value, f"{variable}={setup.environ[variable]!r}"
        ))
    return adjustments


def check_attention_switches(
    config: EngineConfig, wanted: Aiter, selected_with: Aiter, environ: Mapping[str, str]
) -> None:
    """Raise when the config's AITER switches (``wanted``) would give this model other
    attention candidates than the environment's (``selected_with``), which selection uses."""
    flags = {
        "use_mla": config.model.use_mla,
        "use_sparse": False,
        "use_kv_connector": config.kv_transfer.connector is not None,
        "encoder_decoder": config.model.is_encoder_decoder,
    }
    intended = backend_priority(wanted, **flags)
    actual = backend_priority(selected_with, **flags)
    if intended == actual:
        return
    defaults = AiterSwitches()
    differing = [
        name for name in SWITCH_NAMES
        if getattr(wanted.switches, name) != getattr(selected_with.switches, name)
    ]
    given = ", ".join(
        f"options[{option_key(name)!r}]={getattr(wanted.switches, name)!r}" for name in differing
    )
    found = ", ".join(
        f"{variable_name(name)}={environ[variable_name(name)]!r}"
        if variable_name(name) in environ
        else f"{variable_name(name)} unset (default {int(getattr(defaults, name))})"
        for name in differing
    )
    fix = ", ".join(
        f"{variable_name(name)}={int(getattr(wanted.switches, name))}" for name in differing
    )
    raise InvalidConfigError(
        f"{given} would make hwcore-rocm try the attention backends {', '.join(intended)}, "
        f"but attention is selected per process from the environment ({found}), which "
        f"gives {', '.join(actual)}; set {fix} in the engine's environment so both agree"
    )
