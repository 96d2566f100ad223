"""``check_and_update_config`` for Intel GPUs: the rules, as adjustments, never mutations.

The rules (vLLM's XPU platform; 0.33 unless marked as its earlier native-XPU rules):

* ``model.dtype`` must be computable: bfloat16 is refused on the Arc A770 (vLLM's message).
* ``parallel`` world size (tensor x pipeline) must fit the visible devices unless Ray or an
  external launcher places workers on other nodes.
* ``parallel.worker_cls`` ``"auto"`` becomes vLLM's XPU worker.
* ``cache.block_size`` unset becomes 64: the XPU attention kernels take blocks in multiples
  of 64 (vLLM's FlashAttention on XPU declares ``MultipleOf(64)``).
* ``cache.kv_cache_layout`` becomes ``"NHD"``, the only layout the XPU kernels read.
* ``compilation.cudagraph_mode`` becomes ``"none"`` when the installed torch cannot capture
  XPU graphs (before 2.11) or when sleep mode is on (graphs and sleep mode do not mix).
* LoRA turns compilation off (``compilation.mode`` ``"none"``), an earlier native-XPU rule.
* With compilation on, vLLM's fusion passes that XPU lacks are off: all-reduce + RMSNorm,
  attention + quant, activation + padding, RoPE + KV cache, RoPE + KV cache + MLA.
* MLA turns chunked prefill off (an earlier native-XPU rule), so a whole prompt is one
  batch: ``scheduler.max_num_batched_tokens`` grows to at least the model length.
* A KV-transfer connector gets ``kv_transfer.enable_permute_local_kv``.

What vLLM does to the environment (``VLLM_WORKER_MULTIPROC_METHOD=spawn``,
``UCX_MEMTYPE_CACHE=n``) is the engine's to do: a platform hook sets no variable.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwcore.plugin_api import ConfigAdjustment, EngineConfig, InvalidConfigError
from hwcore_xpu.rules import BFLOAT16_ON_A770, refuses_bfloat16, supported_dtypes

XPU_WORKER = "vllm.v1.worker.xpu_worker.XPUWorker"
BLOCK_SIZE = 64
KV_CACHE_LAYOUT = "NHD"
MIN_BATCHED_TOKENS = 2048  # vLLM's DEFAULT_MAX_NUM_BATCHED_TOKENS
FUSION_PASSES = {
    "fuse_allreduce_rms": "AllReduce + RMSNorm fusion",
    "fuse_attn_quant": "Attention + quant fusion",
    "fuse_act_padding": "Activation + padding fusion",
    "fuse_rope_kvcache": "RoPE + KV cache fusion",
    "fuse_rope_kvcache_cat_mla": "RoPE + KV cache + MLA fusion",
}
_MULTI_NODE_EXECUTORS = ("ray", "external_launcher")


@dataclass(frozen=True)
class XpuSetup:
    """What the rules need to know about this process's devices and torch."""

    device_names: tuple[str, ...]
    torch_version: str | None
    xpu_graphs: bool


def adjust_config(config: EngineConfig, setup: XpuSetup) -> list[ConfigAdjustment]:
    """Check ``config`` against ``setup``; return every change, raise what cannot run."""
    _check_dtype(config, setup)
    _check_world_size(config, setup)
    compile_off = config.lora.enabled and config.compilation.mode != "none"
    return [
        *_worker(config),
        *_cache(config),
        *_graphs(config, setup),
        *_compilation(config, compile_off),
        *_chunked_prefill(config),
        *_kv_transfer(config),
    ]


def _check_dtype(config: EngineConfig, setup: XpuSetup) -> None:
    if config.model.dtype != "bfloat16":
        return
    refusing = [name for name in setup.device_names if refuses_bfloat16(name)]
    if refusing:
        allowed = ", ".join(supported_dtypes(setup.device_names))
        raise InvalidConfigError(
            f"model.dtype='bfloat16' cannot run on {refusing[0]}: {BFLOAT16_ON_A770} "
            f"Set model.dtype to one of: {allowed}."
        )


def _check_world_size(config: EngineConfig, setup: XpuSetup) -> None:
    parallel = config.parallel
    visible = len(setup.device_names)
    if parallel.distributed_executor_backend in _MULTI_NODE_EXECUTORS:
        return
    if parallel.world_size > visible:
        raise InvalidConfigError(
            f"parallel.tensor_parallel_size={parallel.tensor_parallel_size} x "
            f"parallel.pipeline_parallel_size={parallel.pipeline_parallel_size} needs "
            f"{parallel.world_size} XPU devices, but this process sees {visible}; lower the "
            "parallel sizes, make more devices visible (ZE_AFFINITY_MASK; with "
            "ZE_FLAT_DEVICE_HIERARCHY=FLAT each tile is a device), or use "
            "parallel.distributed_executor_backend='ray' to span nodes."
        )


def _worker(config: EngineConfig) -> list[ConfigAdjustment]:
    if config.parallel.worker_cls != "auto":
        return []
    return [ConfigAdjustment(
        "parallel.worker_cls", "auto", XPU_WORKER, "Intel GPUs run vLLM's XPU worker"
    )]


def _cache(config: EngineConfig) -> list[ConfigAdjustment]:
    adjustments = []
    if config.cache.block_size is None:
        adjustments.append(ConfigAdjustment(
            "cache.block_size", None, BLOCK_SIZE,
            "the XPU attention kernels take KV-cache blocks in multiples of 64",
        ))
    if config.cache.kv_cache_layout != KV_CACHE_LAYOUT:
        adjustments.append(ConfigAdjustment(
            "cache.kv_cache_layout", config.cache.kv_cache_layout, KV_CACHE_LAYOUT,
            "the XPU attention kernels read only the NHD KV-cache layout",
        ))
    return adjustments


def _graphs(config: EngineConfig, setup: XpuSetup) -> list[ConfigAdjustment]:
    mode = config.compilation.cudagraph_mode
    if mode == "none":
        return []
    if not setup.xpu_graphs:
        installed = "is not installed" if setup.torch_version is None else (
            f"is {setup.torch_version}")
        reason = f"XPU graphs need torch 2.11 or newer, and torch {installed}"
    elif config.model.enable_sleep_mode:
        reason = "XPU graphs do not work with sleep mode (model.enable_sleep_mode)"
    else:
        return []
    return [ConfigAdjustment("compilation.cudagraph_mode", mode, "none", reason)]


def _compilation(config: EngineConfig, compile_off: bool) -> list[ConfigAdjustment]:
    compilation = config.compilation
    if compile_off:
        return [ConfigAdjustment(
            "compilation.mode", compilation.mode, "none",
            "LoRA on XPU runs the model without compilation (lora.enabled)",
        )]
    if compilation.mode == "none":
        return []
    return [
        ConfigAdjustment(
            f"compilation.{flag}", getattr(compilation, flag), False,
            f"{feature} is not supported on XPU yet",
        )
        for flag, feature in FUSION_PASSES.items()
        if getattr(compilation, flag) is not False
    ]


def _chunked_prefill(config: EngineConfig) -> list[ConfigAdjustment]:
    scheduler = config.scheduler
    if not config.model.use_mla or not scheduler.enable_chunked_prefill:
        return []
    adjustments = [ConfigAdjustment(
        "scheduler.enable_chunked_prefill", True, False,
        "MLA on XPU runs without chunked prefill",
    )]
    needed = max(config.model.max_model_len, MIN_BATCHED_TOKENS)
    batched = scheduler.max_num_batched_tokens
    if batched is None or batched < config.model.max_model_len:
        adjustments.append(ConfigAdjustment(
            "scheduler.max_num_batched_tokens", batched, needed,
            "without chunked prefill a whole prompt of up to model.max_model_len="
            f"{config.model.max_model_len} tokens must fit in one batch",
        ))
    return adjustments


def _kv_transfer(config: EngineConfig) -> list[ConfigAdjustment]:
    transfer = config.kv_transfer
    if transfer.connector is None or transfer.enable_permute_local_kv:
        return []
    return [ConfigAdjustment(
        "kv_transfer.enable_permute_local_kv", False, True,
        f"XPU keeps KV caches in the NHD layout, so the {transfer.connector} connector "
        "must permute blocks exchanged with HND peers",
    )]
