"""vLLM's platform resolution with hwcore-vllm installed: the policy, for real.

Installed here: hwcore, hwcore-cpu, the tutorial's hwcore-simulated and hwcore-docchip;
the last two are present only when their variables ask for devices.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.vllm

OPT_IN = "set HWCORE_VLLM_BRIDGE=on to run vLLM on hwcore's platform instead"


def test_hwcore_cpu_alone_without_the_opt_in_leaves_vllms_resolution_unchanged(run_vllm):
    run = run_vllm(
        """
        import os
        import vllm.platforms as platforms

        record("with_the_bridge", platforms.resolve_current_platform_cls_qualname())
        os.environ["VLLM_PLUGINS"] = "no-such-plugin"  # vLLM without any platform plugin
        record("without_it", platforms.resolve_current_platform_cls_qualname())
        """,
        {"HWCORE_PLUGINS": "cpu"},
    )
    assert run.results["with_the_bridge"] == run.results["without_it"]
    assert ("hwcore-vllm declines: hwcore's platform 'cpu' (hwcore-cpu 0.1.0) is hwcore's "
            "host-CPU fallback, so vLLM's own platform detection keeps this machine; "
            f"{OPT_IN}") in run.stderr


def test_a_vllm_built_in_that_detects_the_machine_keeps_it(run_vllm):
    run = run_vllm(
        """
        import vllm.platforms as platforms

        # As if NVML saw a GPU: vLLM's CUDA detector fires (here answering CpuPlatform,
        # which this machine can build).
        platforms.builtin_platform_plugins["cuda"] = lambda: "vllm.platforms.cpu.CpuPlatform"
        from vllm.platforms import current_platform

        record("platform", type(current_platform).__qualname__)
        """,
        {"HWCORE_SIMULATED_DEVICES": "2"},
    )
    assert run.results["platform"] == "CpuPlatform"
    assert ("hwcore-vllm declines: vLLM's built-in 'cuda' platform detects this machine too, "
            "and hwcore's platform 'simulated' (hwcore-simulated 0.1.0) would take it over; "
            f"{OPT_IN}") in run.stderr


def test_the_opt_in_runs_vllm_on_hwcore_cpu_up_to_attention(run_vllm, tiny_model):
    run = run_vllm(
        f"""
        import torch
        from vllm.config import set_current_vllm_config
        from vllm.engine.arg_utils import EngineArgs
        from vllm.platforms import current_platform
        from vllm.v1.attention.selector import get_attn_backend

        record("platform", type(current_platform).__qualname__)
        record("device_name", current_platform.device_name)
        config = EngineArgs(model={tiny_model!r}, dtype="float32", skip_tokenizer_init=True,
                            max_model_len=128).create_engine_config()
        record("block_size", config.cache_config.block_size)
        record("worker_cls", config.parallel_config.worker_cls)
        record("async_scheduling", config.scheduler_config.async_scheduling)
        with set_current_vllm_config(config):
            record("attention", error_of(lambda: get_attn_backend(16, torch.float32, "auto")))
        """,
        {"HWCORE_PLUGINS": "cpu", "HWCORE_VLLM_BRIDGE": "on"},
    )
    assert run.results == {
        "platform": "HwcorePlatform",
        "device_name": "cpu",
        "block_size": 128,
        "worker_cls": "vllm.v1.worker.cpu_worker.CPUWorker",
        "async_scheduling": False,
        "attention": [
            "NotRunnableByVllmError",
            "hwcore's platform 'cpu' chose attention backend TORCH_SDPA "
            "(hwcore.attention.torch_sdpa.TorchSDPABackend) for head_size=16, dtype=float32, "
            "kv_cache_dtype=auto, block_size=128, but vLLM cannot run it: that class is not a "
            "vLLM attention backend (vllm.v1.attention.backend.AttentionBackend) and vLLM's "
            "own TORCH_SDPA names no class it can run (vLLM keeps that name as a tag, e.g. "
            "TORCH_SDPA for vision-encoder attention). Register a vLLM attention backend "
            "under the name TORCH_SDPA (docs/vllm.md, 'Attention'), or select another of the "
            "platform's backends, one vLLM can run, with --attention-backend",
        ],
    }
    assert ("hwcore-vllm activates: vLLM runs on hwcore's platform 'cpu' (hwcore-cpu 0.1.0), "
            "as HWCORE_VLLM_BRIDGE='on' asks") in run.stderr
