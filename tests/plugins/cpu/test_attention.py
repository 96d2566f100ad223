"""Attention on the CPU: the plugin's priority (TORCH_SDPA only) walked by the core's selection."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

import hwcore
import hwcore_cpu.plugin
from hwcore.errors import InvalidSelectedBackendError, NoValidBackendError
from hwcore.host import Candidate, Host
from hwcore.plugin_api import AttentionBackendSpec, AttentionRequest, hookimpl

InstallHost = Callable[..., Host]
TORCH_SDPA = "hwcore.attention.torch_sdpa.TorchSDPABackend"


class FastCpuBackends:
    """A general plugin adding a CPU backend, as a CPU-kernel package would."""

    HWCORE_CONTRACT_VERSION = "2.0"

    @hookimpl
    def register_attention_backends(self) -> list[AttentionBackendSpec]:
        return [AttentionBackendSpec(
            name="CPU_FAST", class_path="hwcore_cpu_fast.CpuFastBackend",  # never imported here
            dtypes=("bfloat16", "float32"), device_types=("cpu",),
        )]


def fast_cpu_candidate() -> Candidate:
    plugin = FastCpuBackends()
    return Candidate("cpu_fast", "hwcore.plugins", "tests:FastCpuBackends", "hwcore-cpu-fast",
                     "0.0.1", load=lambda: plugin)


def checked_for() -> str:
    facts = hwcore_cpu.plugin.host_facts()
    return (
        f"cpu (platform 'cpu', hwcore-cpu 0.1.0; checked for device 0 ({facts.model_name}), "
        "the only visible device)"
    )


@pytest.mark.parametrize("use_mla", [False, True])
def test_the_priority_is_torch_sdpa_alone(use_mla: bool) -> None:
    request = AttentionRequest(head_size=576 if use_mla else 128, dtype="bfloat16",
                               use_mla=use_mla)
    assert hwcore_cpu.plugin.get_attn_backend_priority(request=request, device=None) == (
        "TORCH_SDPA",
    )


def test_picks_torch_sdpa(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    platform = hwcore.current_platform()
    request = AttentionRequest(128, "bfloat16", kv_cache_dtype="auto", block_size=128)
    assert platform.get_attn_backend_cls(None, request) == TORCH_SDPA
    assert platform.get_attn_backend_priority(request) == ["TORCH_SDPA"]
    hook = hwcore.get_plugin_manager().hook
    assert hook.get_attn_backend_cls(selected_backend=None, request=request) == TORCH_SDPA


def test_mla_has_no_backend_on_the_cpu_and_says_why(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    message = (
        f"No valid attention backend for {checked_for()} with head_size=64, dtype=bfloat16, "
        "kv_cache_dtype=auto, block_size=16, use_mla=True. Reasons:\n"
        "  TORCH_SDPA: MLA not supported\n"
        "Change what the reasons name: the dtype, KV-cache dtype, block size or head size to "
        "one a backend supports, install a missing package or plugin, or select a backend "
        "explicitly"
    )
    request = AttentionRequest(64, "bf16", kv_cache_dtype=None, block_size=16, use_mla=True)
    with pytest.raises(NoValidBackendError, match=f"^{re.escape(message)}$"):
        hwcore.current_platform().get_attn_backend_cls(None, request)


def test_an_explicit_backend_that_is_not_registered_is_an_error(
    install_cpu_host: InstallHost,
) -> None:
    install_cpu_host()
    message = (
        f"Selected attention backend FLASH_ATTN cannot run this request on {checked_for()} "
        "with head_size=64, dtype=bfloat16, kv_cache_dtype=auto, block_size=auto: not "
        "registered by any installed plugin; install the plugin that provides it. hwcore does "
        "not fall back from an explicit choice; change the request or select another backend "
        "(valid here: TORCH_SDPA)"
    )
    with pytest.raises(InvalidSelectedBackendError, match=f"^{re.escape(message)}$"):
        hwcore.current_platform().get_attn_backend_cls(
            "FLASH_ATTN", AttentionRequest(64, "bfloat16")
        )


def test_a_registered_cpu_backend_is_chosen_only_by_name(install_cpu_host: InstallHost) -> None:
    install_cpu_host(fast_cpu_candidate())
    platform = hwcore.current_platform()
    request = AttentionRequest(128, "bfloat16")
    assert platform.get_attn_backend_cls(None, request) == TORCH_SDPA
    assert platform.get_attn_backend_cls("CPU_FAST", request) == "hwcore_cpu_fast.CpuFastBackend"
    assert platform.get_attn_backend_spec("CPU_FAST", request).name == "CPU_FAST"
    message = (
        f"Selected attention backend CPU_FAST cannot run this request on {checked_for()} "
        "with head_size=128, dtype=float16, kv_cache_dtype=auto, block_size=auto: dtype "
        "float16 not supported (supports bfloat16, float32). hwcore does not fall back from an "
        "explicit choice; change the request or select another backend (valid here: "
        "TORCH_SDPA)"
    )
    with pytest.raises(InvalidSelectedBackendError, match=f"^{re.escape(message)}$"):
        platform.get_attn_backend_cls("CPU_FAST", AttentionRequest(128, "float16"))
