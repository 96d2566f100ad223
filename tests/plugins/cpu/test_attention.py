from __future__ import annotations

import re
from collections.abc import Callable

import pytest

import hwcore
from hwcore.errors import InvalidSelectedBackendError, NoValidBackendError
from hwcore.host import Host

InstallHost = Callable[..., Host]


def test_picks_torch_sdpa(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    path = hwcore.current_platform().get_attn_backend_cls(None, 128, "bfloat16", "auto", 128)
    assert path == "hwcore.attention.torch_sdpa.TorchSDPABackend"


def test_mla_has_no_backend_on_the_cpu_and_says_why(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    message = (
        "No valid attention backend for cpu (platform 'cpu', hwcore-cpu 0.1.0) with "
        "head_size=64, dtype=bfloat16, kv_cache_dtype=auto, block_size=16, use_mla=True, "
        "has_sink=False, use_sparse=False. Reasons:\n  TORCH_SDPA: MLA not supported\n"
    )
    with pytest.raises(NoValidBackendError, match=f"^{re.escape(message)}"):
        hwcore.current_platform().get_attn_backend_cls(None, 64, "bf16", None, 16, use_mla=True)


def test_an_explicit_backend_that_is_not_registered_is_an_error(
    install_cpu_host: InstallHost,
) -> None:
    install_cpu_host()
    with pytest.raises(InvalidSelectedBackendError, match=re.escape(
        "Selected attention backend FLASH_ATTN cannot run this request on cpu"
    )):
        hwcore.current_platform().get_attn_backend_cls("FLASH_ATTN", 64, "bfloat16")
