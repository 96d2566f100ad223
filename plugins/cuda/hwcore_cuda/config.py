"""``check_and_update_config`` for CUDA: the rules, as adjustments, never mutations.

The rules (vLLM 0.33's, where it has one):

* ``parallel.worker_cls`` ``"auto"`` becomes vLLM's GPU worker.
* ``model.dtype`` must be computable: bfloat16 needs SM 8.0 (vLLM's message), float16
  SM 6.0. ``"auto"`` means the first supported dtype when choosing the attention backend.
* ``parallel`` world size (tensor x pipeline) must fit the visible GPUs unless Ray or an
  external launcher places workers on other nodes.
* ``cache.block_size`` unset becomes the ``default_block_size`` of the attention backend
  the platform selects for the model's head size, dtype and KV-cache dtype.
* ``compilation.mode`` ``"auto"`` becomes ``"vllm_compile"`` (vLLM's default on GPUs).
* ``compilation.cudagraph_mode`` ``"auto"``: with ``vllm_compile``, ``full_and_piecewise``
  when the chosen backend can be captured in a full CUDA graph, else ``piecewise``; without
  it (piecewise graphs need vLLM's graph splitting), ``full`` or ``none``. An explicit
  piecewise mode without ``vllm_compile`` is an error. This is how a float32 model ends up
  with piecewise graphs: FlashAttention and FlashInfer lack float32, and the backends that
  have it (FlexAttention, TORCH_SDPA) cannot be captured whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hwcore.plugin_api import (
    AttentionBackendSpec,
    ConfigAdjustment,
    DeviceCapability,
    EngineConfig,
    InvalidConfigError,
)
from hwcore_cuda.capabilities import bfloat16_message, supported_dtypes

GPU_WORKER = "vllm.v1.worker.gpu_worker.Worker"
# Backends whose vLLM metadata builders support full CUDA-graph capture (at least for
# uniform decode batches); vLLM downgrades the others (AttentionCGSupport.NEVER) to piecewise.
FULL_GRAPH_BACKENDS = frozenset(
    {"FLASH_ATTN", "FLASHINFER", "TRITON_ATTN", "FLASH_ATTN_MLA", "FLASHMLA",
     "FLASHINFER_MLA", "CUTLASS_MLA", "TRITON_MLA"}
)
_PIECEWISE_MODES = ("piecewise", "full_and_piecewise")
_MULTI_NODE_EXECUTORS = ("ray", "external_launcher")

BackendChooser = Callable[[EngineConfig, str], AttentionBackendSpec]
"""``(config, dtype) -> spec`` of the backend the platform would select."""


@dataclass(frozen=True)
class GpuSetup:
    """The facts of logical GPU 0 and how many GPUs this process sees."""

    capability: DeviceCapability | None
    gpu_name: str
    visible_devices: int


def adjust_config(
    config: EngineConfig, setup: GpuSetup, choose_backend: BackendChooser
) -> list[ConfigAdjustment]:
    """Check ``config`` against ``setup``; return every change, raise what cannot run."""
    dtype = _effective_dtype(config, setup)
    _check_world_size(config, setup)
    adjustments = _worker_adjustments(config)
    backend: list[AttentionBackendSpec] = []  # chosen at most once, only when needed

    def chosen() -> AttentionBackendSpec:
        if not backend:
            backend.append(choose_backend(config, dtype))
        return backend[0]

    if config.cache.block_size is None:
        spec = chosen()
        adjustments.append(ConfigAdjustment(
            "cache.block_size", None, spec.default_block_size,
            f"default block size of the {spec.name} attention backend, selected for head "
            f"size {config.model.head_size} and dtype {dtype}",
        ))
    adjustments += _graph_adjustments(config, chosen)
    return adjustments


def _effective_dtype(config: EngineConfig, setup: GpuSetup) -> str:
    supported = supported_dtypes(setup.capability)
    requested = config.model.dtype
    if requested == "auto":
        return supported[0]
    if requested not in supported:
        assert setup.capability is not None  # an unknown capability supports everything
        if requested == "bfloat16":
            detail = bfloat16_message(setup.capability, setup.gpu_name)
        else:
            detail = (
                f"Your {setup.gpu_name} GPU (compute capability "
                f"{setup.capability.as_version_str()}) computes in {', '.join(supported)}."
            )
        raise InvalidConfigError(
            f"model.dtype={requested!r} cannot run on this GPU. {detail} "
            f"Set model.dtype to one of: {', '.join(supported)}."
        )
    return requested


def _check_world_size(config: EngineConfig, setup: GpuSetup) -> None:
    parallel = config.parallel
    if parallel.distributed_executor_backend in _MULTI_NODE_EXECUTORS:
        return
    if parallel.world_size > setup.visible_devices:
        raise InvalidConfigError(
            f"parallel.tensor_parallel_size={parallel.tensor_parallel_size} x "
            f"parallel.pipeline_parallel_size={parallel.pipeline_parallel_size} needs "
            f"{parallel.world_size} GPUs, but this process sees {setup.visible_devices}; "
            "lower the parallel sizes, make more GPUs visible (CUDA_VISIBLE_DEVICES), or "
            "use parallel.distributed_executor_backend='ray' to span nodes."
        )


def _worker_adjustments(config: EngineConfig) -> list[ConfigAdjustment]:
    if config.parallel.worker_cls != "auto":
        return []
    return [ConfigAdjustment(
        "parallel.worker_cls", "auto", GPU_WORKER, "CUDA runs vLLM's GPU worker"
    )]


def _graph_adjustments(
    config: EngineConfig, chosen: Callable[[], AttentionBackendSpec]
) -> list[ConfigAdjustment]:
    compilation = config.compilation
    adjustments = []
    mode = compilation.mode
    if mode == "auto":
        mode = "vllm_compile"
        adjustments.append(ConfigAdjustment(
            "compilation.mode", "auto", mode, "vLLM compiles the model on CUDA by default"
        ))
    if compilation.cudagraph_mode in _PIECEWISE_MODES and mode != "vllm_compile":
        raise InvalidConfigError(
            f"compilation.cudagraph_mode={compilation.cudagraph_mode!r} needs "
            f"compilation.mode='vllm_compile' (piecewise graphs are cut by vLLM's compiler), "
            f"but compilation.mode is {mode!r}; set cudagraph_mode='full' or 'none', or "
            "mode='vllm_compile'."
        )
    if compilation.cudagraph_mode == "auto":
        adjustments.append(_auto_graph_mode(mode, chosen()))
    return adjustments


def _auto_graph_mode(mode: str, backend: AttentionBackendSpec) -> ConfigAdjustment:
    full = backend.name in FULL_GRAPH_BACKENDS
    if mode == "vllm_compile":
        new = "full_and_piecewise" if full else "piecewise"
    else:
        new = "full" if full else "none"
    can = "can" if full else "cannot"
    return ConfigAdjustment(
        "compilation.cudagraph_mode", "auto", new,
        f"the {backend.name} attention backend {can} be captured in a full CUDA graph, "
        f"and compilation.mode is {mode!r}",
    )
