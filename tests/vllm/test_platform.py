"""``HwcorePlatform`` under vLLM 0.33.0: facts, config validation, attention selection.

Two backends nobody changed for vLLM: hwcore-docchip, written from docs/writing-a-backend.md
and docs/vllm.md only (it registers a vLLM class for its backend, as docs/vllm.md says),
and the tutorial's hwcore-simulated (whose backend is hwcore's own, so vLLM cannot run it).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.vllm

# The config build, then the same checks vLLM's own code makes.
BUILD = """
import dataclasses, logging, torch
from vllm.config import set_current_vllm_config
from vllm.engine.arg_utils import EngineArgs
from vllm.platforms import current_platform
from vllm.v1.attention.backends.registry import AttentionBackendEnum
from vllm.v1.attention.selector import AttentionSelectorConfig, get_attn_backend

record("platform", type(current_platform).__qualname__)
record("device_name", current_platform.device_name)
config = EngineArgs(model=MODEL, skip_tokenizer_init=True, max_model_len=128,
                    enforce_eager=True).create_engine_config()
record("block_size", [config.cache_config.block_size,
                      config.cache_config.user_specified_block_size])

# vLLM builds configs again from built ones (and validates each): nothing more to adjust.
lines = []
class Lines(logging.Handler):
    def emit(self, entry):
        lines.append(entry.getMessage())
logging.getLogger("vllm.hwcore_vllm").addHandler(Lines())  # vLLM's logging is set up now
again = dataclasses.replace(config)
record("rebuilt", [again.cache_config.block_size, list(lines)])

def selector(**fields):
    return AttentionSelectorConfig(head_size=16, dtype=torch.bfloat16, kv_cache_dtype="auto",
                                   block_size=config.cache_config.block_size, **fields)
"""


def test_a_backend_written_from_the_docs_runs_under_vllm_unchanged(run_vllm, tiny_model):
    run = run_vllm(
        f"MODEL = {tiny_model!r}\n" + BUILD + """
with set_current_vllm_config(config):
    chosen = get_attn_backend(16, torch.bfloat16, "auto")
    record("selected", f"{chosen.__module__}.{chosen.__qualname__}")
    record("by_name", current_platform.get_attn_backend_cls(
        AttentionBackendEnum["DOCCHIP_ATTN"], selector(), num_heads=4))
    record("a_backend_hwcore_lacks", error_of(lambda: current_platform.get_attn_backend_cls(
        AttentionBackendEnum.FLEX_ATTENTION, selector(), num_heads=4)))

config.cache_config.block_size = 48
record("direct_refusal", error_of(lambda: current_platform.check_and_update_config(config)))
try:
    EngineArgs(model=MODEL, skip_tokenizer_init=True, max_model_len=128, enforce_eager=True,
               block_size=48).create_engine_config()
except ValueError as error:  # pydantic's ValidationError, which vLLM lets through
    record("build_refusal", [type(error).__name__, [e["msg"] for e in error.errors()]])
record("device_count", current_platform.device_count())
record("device_name_1", current_platform.get_device_name(1))
record("total_memory", current_platform.get_device_total_memory(0))
record("uuid", error_of(lambda: current_platform.get_device_uuid(0)))
""",
        {"DOCCHIP_DEVICES": "2"},
    )
    refusal = ("cache.block_size=48 is not a multiple of 32, which DOCCHIP_ATTN needs; use 32 "
               "or leave it unset")
    assert run.results == {
        "platform": "HwcorePlatform",
        "device_name": "docchip",
        "block_size": [32, True],
        "rebuilt": [32, []],
        "selected": "hwcore_docchip.vllm_backend.DocchipVllmBackend",
        "by_name": "hwcore_docchip.vllm_backend.DocchipVllmBackend",
        "a_backend_hwcore_lacks": [
            "InvalidSelectedBackendError",
            "Selected attention backend FLEX_ATTENTION cannot run this request on cpu (platform "
            "'docchip', hwcore-docchip 0.1.0; checked for device 0 (DocChip 0), the first of 2 "
            "visible devices) with head_size=16, dtype=bfloat16, kv_cache_dtype=auto, "
            "block_size=32, num_heads=4: not registered by any installed plugin; install the "
            "plugin that provides it. hwcore does not fall back from an explicit choice; change "
            "the request or select another backend (valid here: DOCCHIP_ATTN, TORCH_SDPA)",
        ],
        # hwcore's InvalidConfigError as vLLM's ValueError, message unchanged; raised while
        # vLLM builds a VllmConfig, it reaches the user inside pydantic's ValidationError.
        "direct_refusal": ["ValueError", refusal],
        "build_refusal": ["ValidationError", [f"Value error, {refusal}"]],
        "device_count": 2,
        "device_name_1": "DocChip 1",
        "total_memory": 8 * 1024**3,
        "uuid": [
            "NotImplementedError",
            "hwcore's platform 'docchip' (hwcore-docchip 0.1.0) cannot tell the UUID of "
            "device 0: its record leaves it unknown",
        ],
    }
    assert ("hwcore's platform 'docchip' adjusted cache.block_size None -> 32 (vLLM's "
            "cache_config.block_size): DOCCHIP_ATTN reads 32-token blocks") in run.stdout


def test_the_tutorial_plugin_runs_under_vllm_up_to_its_hwcore_only_backend(run_vllm, tiny_model):
    run = run_vllm(
        f"MODEL = {tiny_model!r}\n" + BUILD + """
with set_current_vllm_config(config):
    record("selected", error_of(lambda: get_attn_backend(16, torch.bfloat16, "auto")))
    record("unexpressed", error_of(lambda: current_platform.get_attn_backend_cls(
        None, selector(use_pcp=True), num_heads=4)))

cls = type(current_platform)
record("attributes", [cls.device_type, cls.dispatch_key, cls.dist_backend, cls.ray_device_key,
                      cls.device_control_env_var, cls.simple_compile_backend])
record("dtypes", [str(d) for d in current_platform.supported_dtypes])
record("devices", [current_platform.device_count(), current_platform.get_device_name(1),
                   current_platform.get_device_uuid(1),
                   current_platform.get_device_total_memory(1),
                   current_platform.get_device_capability(1),
                   current_platform.device_id_to_physical_device_id(1)])
record("flags", [current_platform.supports_fp8(), current_platform.is_fp8_fnuz(),
                 str(current_platform.fp8_dtype()), current_platform.is_pin_memory_available(),
                 current_platform.use_custom_allreduce()])
record("communicator", current_platform.get_device_communicator_cls())
host, device = torch.arange(24.0).reshape(4, 2, 3), torch.zeros(4, 2, 3)
current_platform.insert_blocks_to_device(host, device, torch.tensor([2, 0]), torch.tensor([1, 3]))
record("copied", [device[1].equal(host[2]), device[3].equal(host[0]), device[0].sum().item()])
record("dtype_refusal", error_of(lambda: current_platform.check_if_supports_dtype(torch.float64)))
record("checks", [current_platform.check_max_model_len(128),
                  current_platform.verify_quantization("fp8"),
                  current_platform.verify_model_arch("LlamaForCausalLM"),
                  current_platform.log_warnings(),
                  type(current_platform.inference_mode()).__name__])
from hwcore_vllm.platform import _require_torch_device_type
record("device_type_refusal", error_of(lambda: _require_torch_device_type("mychip")))
""",
        {"HWCORE_SIMULATED_DEVICES": "2", "HWCORE_SIMULATED_VISIBLE_DEVICES": "1,0"},
    )
    assert run.results == {
        "platform": "HwcorePlatform",
        "device_name": "simulated",
        "block_size": [16, True],
        "rebuilt": [16, []],
        "selected": [
            "NotRunnableByVllmError",
            "hwcore's platform 'simulated' chose attention backend SIMULATED_PAGED "
            "(hwcore_simulated.backend.SimulatedPagedAttention) for head_size=16, "
            "dtype=bfloat16, kv_cache_dtype=auto, block_size=16, but vLLM cannot run it: that "
            "class is not a vLLM attention backend (vllm.v1.attention.backend.AttentionBackend) "
            "and vLLM has no attention backend named SIMULATED_PAGED. Register a vLLM "
            "attention backend under the name SIMULATED_PAGED (docs/vllm.md, 'Attention'), or "
            "select another of the platform's backends, one vLLM can run, with "
            "--attention-backend",
        ],
        "unexpressed": [
            "UntranslatableError",
            "vLLM asks hwcore's platform 'simulated' for an attention backend with "
            "use_pcp=True (prefill context parallelism (prefill_context_parallel_size > 1)), "
            "which hwcore's AttentionRequest (hook contract 2.0) cannot express, so hwcore "
            "cannot choose a backend that supports it; turn that off to run on this platform",
        ],
        "attributes": ["cpu", "CPU", "gloo", "simulated", "HWCORE_SIMULATED_VISIBLE_DEVICES",
                       "inductor"],
        "dtypes": ["torch.bfloat16", "torch.float16", "torch.float32"],
        "devices": [2, "Simulated Accelerator 0", "SIM-00000000", 16 * 1024**3, None, 0],
        "flags": [False, False, "torch.float8_e4m3fn", False, False],
        "communicator": "vllm.distributed.device_communicators.base_device_communicator."
                        "DeviceCommunicatorBase",
        "copied": [True, True, 0.0],
        "dtype_refusal": ["ValueError", "float64 is not supported on simulated; use one of: "
                                        "bfloat16, float16, float32"],
        "checks": [128, None, None, None, "inference_mode"],
        "device_type_refusal": [
            "ValueError",
            "hwcore's platform 'simulated' (hwcore-simulated 0.1.0) has device_type 'mychip', "
            "which is not a torch device type, and vLLM builds torch.device(device_type); its "
            "PlatformInfo.device_type must be one (Expected one of cpu, cuda, ipu, xpu, mkldnn, "
            "opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, "
            "privateuseone device type at start of device string: mychip)",
        ],
    }
    assert ("hwcore's platform 'simulated' adjusted cache.block_size None -> 16 (vLLM's "
            "cache_config.block_size): SIMULATED_PAGED stores 16 tokens per block") in run.stdout
