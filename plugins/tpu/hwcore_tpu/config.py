"""``check_and_update_config`` for TPUs: vLLM's TPU rules, as reported adjustments.

Each rule is vLLM's TPU platform's (0.11.0, the last in-tree one), with tpu-inference 0.32's
answers where vLLM 0.33 hands the platform to it:

* ``model.dtype`` float16 or float32 becomes bfloat16: the MXUs compute in bfloat16 and
  vLLM runs TPU models in nothing else.
* ``compilation.mode`` becomes ``dynamo_trace_once`` and a backend other than ``openxla``
  or ``eager`` becomes ``openxla``: the model is traced once and compiled by XLA.
* ``compilation.cudagraph_mode`` becomes ``none``: there are no CUDA graphs on a TPU.
* speculative decoding is an error; so is sleep mode (vLLM offers it on CUDA, ROCm and XPU
  only) and a KV connector tpu-inference does not ship.
* ``cache.block_size`` unset becomes the Pallas backend's page size for the model's
  ``max_model_len`` and ``scheduler.max_num_seqs`` (1024 for MLA).
* ``parallel.worker_cls`` ``"auto"`` becomes tpu-inference's TPU worker (vLLM 0.33 has no
  TPU worker of its own).
* ``scheduler.disable_chunked_mm_input`` becomes True: TPUs cannot run multimodal input in
  chunks (vLLM forces it for multimodal models; the config does not say whether the model
  is one, and the switch changes nothing for others).
* an MLA model turns ``scheduler.enable_chunked_prefill`` off.
* the parallel world (tensor x pipeline) must fit the visible chips unless Ray or an
  external launcher spans hosts.
"""

from __future__ import annotations

from hwcore.plugin_api import ConfigAdjustment, EngineConfig, InvalidConfigError
from hwcore_tpu.pallas import MLA_PAGE_SIZE, PALLAS, PALLAS_MLA, page_size

TPU_WORKER = "tpu_inference.worker.tpu_worker.TPUWorker"
COMPILATION_MODE = "dynamo_trace_once"
COMPILE_BACKENDS = ("openxla", "eager")
# tpu_inference.platforms.tpu_platform.TpuPlatform.check_and_update_config's list.
KV_CONNECTORS = ("TPUConnector", "TPUConnectorHMA", "TPUOffloadConnector",
                 "RaidenOffloadConnector")
_MULTI_HOST_EXECUTORS = ("ray", "external_launcher")


def adjust_config(config: EngineConfig, visible_chips: int) -> list[ConfigAdjustment]:
    """Check ``config`` for a host where this process sees ``visible_chips`` chips; return
    every change, raise ``InvalidConfigError`` for what cannot run."""
    _refuse_unsupported(config)
    _check_world_size(config, visible_chips)
    return [
        *_dtype(config),
        *_compilation(config),
        *_block_size(config),
        *_worker(config),
        *_scheduler(config),
    ]


def _refuse_unsupported(config: EngineConfig) -> None:
    speculative = config.speculative
    if speculative.num_speculative_tokens or speculative.method is not None:
        raise InvalidConfigError(
            f"speculative.method={speculative.method!r} with speculative."
            f"num_speculative_tokens={speculative.num_speculative_tokens}: TPUs do not run "
            "speculative decoding; remove the speculative config"
        )
    if config.model.enable_sleep_mode:
        raise InvalidConfigError(
            "model.enable_sleep_mode=True: sleep mode is not available on TPUs (vLLM offers it "
            "on CUDA, ROCm and XPU); set it to False"
        )
    connector = config.kv_transfer.connector
    if connector is not None and connector not in KV_CONNECTORS:
        raise InvalidConfigError(
            f"kv_transfer.connector={connector!r} does not run on TPUs; use one of "
            f"tpu-inference's: {', '.join(KV_CONNECTORS)}"
        )


def _check_world_size(config: EngineConfig, visible_chips: int) -> None:
    parallel = config.parallel
    if parallel.distributed_executor_backend in _MULTI_HOST_EXECUTORS:
        return
    if parallel.world_size > visible_chips:
        raise InvalidConfigError(
            f"parallel.tensor_parallel_size={parallel.tensor_parallel_size} x "
            f"parallel.pipeline_parallel_size={parallel.pipeline_parallel_size} needs "
            f"{parallel.world_size} TPU chips, but this process sees {visible_chips}; lower "
            "the parallel sizes, make more chips visible (TPU_VISIBLE_CHIPS), or use "
            "parallel.distributed_executor_backend='ray' to span hosts"
        )


def _dtype(config: EngineConfig) -> list[ConfigAdjustment]:
    dtype = config.model.dtype
    if dtype not in ("float16", "float32"):
        return []
    return [ConfigAdjustment(
        "model.dtype", dtype, "bfloat16",
        f"TPUs do not run {dtype} models: the matrix units compute in bfloat16, the one "
        "dtype vLLM's TPU platform runs",
    )]


def _compilation(config: EngineConfig) -> list[ConfigAdjustment]:
    compilation = config.compilation
    adjustments = []
    if compilation.mode != COMPILATION_MODE:
        adjustments.append(ConfigAdjustment(
            "compilation.mode", compilation.mode, COMPILATION_MODE,
            "a TPU model is traced by Dynamo once and compiled whole by XLA",
        ))
    if compilation.backend not in COMPILE_BACKENDS:
        adjustments.append(ConfigAdjustment(
            "compilation.backend", compilation.backend, "openxla",
            f"{compilation.backend!r} does not generate TPU code; XLA (openxla) does",
        ))
    if compilation.cudagraph_mode != "none":
        adjustments.append(ConfigAdjustment(
            "compilation.cudagraph_mode", compilation.cudagraph_mode, "none",
            "there are no CUDA graphs on a TPU; XLA compiles the whole step instead",
        ))
    return adjustments


def _block_size(config: EngineConfig) -> list[ConfigAdjustment]:
    if config.cache.block_size is not None:
        return []
    model, scheduler = config.model, config.scheduler
    if model.use_mla:
        return [ConfigAdjustment(
            "cache.block_size", None, MLA_PAGE_SIZE,
            f"the page size of the {PALLAS_MLA} attention backend for MLA models",
        )]
    size = page_size(model.max_model_len, scheduler.max_num_seqs)
    return [ConfigAdjustment(
        "cache.block_size", None, size,
        f"the page size the {PALLAS} attention backend wants for model.max_model_len="
        f"{model.max_model_len} and scheduler.max_num_seqs={scheduler.max_num_seqs}",
    )]


def _worker(config: EngineConfig) -> list[ConfigAdjustment]:
    if config.parallel.worker_cls != "auto":
        return []
    return [ConfigAdjustment(
        "parallel.worker_cls", "auto", TPU_WORKER,
        "TPUs run tpu-inference's worker (vLLM 0.33 has no TPU worker of its own)",
    )]


def _scheduler(config: EngineConfig) -> list[ConfigAdjustment]:
    scheduler = config.scheduler
    adjustments = []
    if not scheduler.disable_chunked_mm_input:
        adjustments.append(ConfigAdjustment(
            "scheduler.disable_chunked_mm_input", False, True,
            "TPUs cannot run multimodal input in chunks (vLLM's TPU rule)",
        ))
    if config.model.use_mla and scheduler.enable_chunked_prefill:
        adjustments.append(ConfigAdjustment(
            "scheduler.enable_chunked_prefill", True, False,
            "MLA models run without chunked prefill on TPUs (vLLM's rule off GPUs)",
        ))
    return adjustments
