from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import torch
from attention_fakes import FLASH_ATTN, BackendPack, FakeGpu

from hwcore.attention import (
    attention_backend_hookimpl,
    default_priority,
    inspect_selection,
    select_attention_backend,
)
from hwcore.errors import InvalidSelectedBackendError, NoValidBackendError
from hwcore.host import Host
from hwcore.records import AttentionBackendSpec, DeviceCapability

FLASH = "fake_flash.FlashBackend"
SDPA = "hwcore.attention.torch_sdpa.TorchSDPABackend"
PLATFORM = "fakegpu (platform 'fakegpu', fake-dist 1.0)"
NEEDS_PACKAGE = AttentionBackendSpec(
    name="NEEDS_PKG",
    class_path="pack.needs.Backend",
    required_packages=("hwcore-test-package-that-is-not-installed",),
)
MLA = AttentionBackendSpec(name="FAKE_MLA", class_path="pack.mla.Backend", mla=True)


def _request(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "selected_backend": None, "head_size": 128, "dtype": "bfloat16",
        "kv_cache_dtype": None, "block_size": 16, "use_mla": False, "has_sink": False,
        "use_sparse": False,
    }
    return request | overrides


def _choose(host: Host, **overrides: Any) -> str:
    return host.resolve().hook.get_attn_backend_cls(**_request(**overrides))  # type: ignore[no-any-return]


def test_first_valid_backend_of_the_priority_list_wins(host_factory: Callable[..., Host]) -> None:
    host = host_factory(FakeGpu(priority=["FLASH_ATTN", "TORCH_SDPA"]))
    assert _choose(host) == FLASH
    assert _choose(host, head_size=96) == SDPA
    assert _choose(host, dtype=torch.float32) == SDPA


def test_core_default_walks_every_backend_for_the_device(host_factory: Callable[..., Host]) -> None:
    host = host_factory(FakeGpu(), pack=BackendPack([NEEDS_PACKAGE]))
    assert default_priority("fakegpu") == ["FLASH_ATTN", "NEEDS_PKG", "TORCH_SDPA"]
    assert default_priority("cpu") == ["NEEDS_PKG", "TORCH_SDPA"]
    assert _choose(host) == FLASH


def test_explicit_backend_is_used_when_valid(host_factory: Callable[..., Host]) -> None:
    host = host_factory(FakeGpu(priority=["FLASH_ATTN", "TORCH_SDPA"]))
    assert _choose(host, selected_backend="TORCH_SDPA") == SDPA


def test_invalid_explicit_backend_is_an_error_not_a_fallback(
    host_factory: Callable[..., Host],
) -> None:
    host = host_factory(FakeGpu(priority=["FLASH_ATTN", "TORCH_SDPA"]))
    message = (
        f"Selected attention backend FLASH_ATTN cannot run this request on {PLATFORM} with "
        "head_size=96, dtype=float32, kv_cache_dtype=auto, block_size=24, use_mla=False, "
        "has_sink=False, use_sparse=False: head_size 96 not supported (supports 64, 128); "
        "dtype float32 not supported (supports float16, bfloat16); block_size 24 not "
        "supported (supports multiples of 16). hwcore does not fall back from an explicit "
        "choice; change the request or select another backend (valid here: TORCH_SDPA)"
    )
    with pytest.raises(InvalidSelectedBackendError, match=re.escape(message)):
        _choose(host, selected_backend="FLASH_ATTN", head_size=96, dtype="fp32", block_size=24)


def test_unregistered_explicit_backend_is_an_error(host_factory: Callable[..., Host]) -> None:
    host = host_factory(FakeGpu(priority=["TORCH_SDPA"]))
    message = (
        f"Selected attention backend FLASHINFER cannot run this request on {PLATFORM} with "
        "head_size=128, dtype=bfloat16, kv_cache_dtype=auto, block_size=16, use_mla=False, "
        "has_sink=False, use_sparse=False: not registered by any installed plugin; install "
        "the plugin that provides it. hwcore does not fall back from an explicit choice; "
        "change the request or select another backend (valid here: TORCH_SDPA)"
    )
    with pytest.raises(InvalidSelectedBackendError, match=re.escape(message)):
        _choose(host, selected_backend="FLASHINFER")


def test_no_valid_backend_lists_every_candidate_with_all_reasons(
    host_factory: Callable[..., Host],
) -> None:
    platform = FakeGpu(
        capability=DeviceCapability(7, 5),
        priority=["FLASHINFER", "FLASH_ATTN", "TORCH_SDPA"],
        providers={"FLASHINFER": "hwcore-flashinfer"},
    )
    host = host_factory(platform)
    message = (
        f"No valid attention backend for {PLATFORM} with head_size=128, dtype=float64, "
        "kv_cache_dtype=fp8, block_size=16, use_mla=False, has_sink=True, use_sparse=False. "
        "Reasons:\n"
        "  FLASHINFER: not registered by any installed plugin (provided by e.g. "
        "hwcore-flashinfer)\n"
        "  FLASH_ATTN: compute capability 7.5 below 8.0; dtype float64 not supported "
        "(supports float16, bfloat16); kv_cache_dtype fp8 not supported (supports auto, "
        "float16, bfloat16); attention sinks not supported\n"
        "  TORCH_SDPA: dtype float64 not supported (supports float16, bfloat16, float32); "
        "kv_cache_dtype fp8 not supported (supports auto, float16, bfloat16, float32); "
        "attention sinks not supported\n"
        "Change what the reasons name: the dtype, KV-cache dtype, block size or head size to "
        "one a backend supports, install a missing package or plugin, or select a backend "
        "explicitly"
    )
    with pytest.raises(NoValidBackendError, match=re.escape(message)):
        _choose(host, dtype=torch.float64, kv_cache_dtype="fp8", has_sink=True)


def test_missing_required_package_rejects_the_backend_naming_it(
    host_factory: Callable[..., Host],
) -> None:
    host = host_factory(FakeGpu(priority=["NEEDS_PKG"]), pack=BackendPack([NEEDS_PACKAGE]))
    message = (
        "  NEEDS_PKG: required package 'hwcore-test-package-that-is-not-installed' is not "
        "installed (pip install hwcore-test-package-that-is-not-installed)\n"
    )
    with pytest.raises(NoValidBackendError, match=re.escape(message)):
        _choose(host)


def test_mla_and_capability_rules(host_factory: Callable[..., Host]) -> None:
    host = host_factory(
        FakeGpu(capability=None, priority=["FAKE_MLA", "FLASH_ATTN", "TORCH_SDPA"]),
        pack=BackendPack([MLA]),
    )
    report = inspect_selection(head_size=128, dtype="bfloat16", use_mla=True)
    reasons = {c.name: c.reasons for c in report.candidates}
    assert reasons["FAKE_MLA"] == ()
    assert reasons["FLASH_ATTN"] == (
        "compute capability unknown (the platform reports none)", "MLA not supported"
    )
    assert _choose(host) == SDPA  # FLASH_ATTN needs a capability; FAKE_MLA needs MLA
    assert _choose(host, use_mla=True) == "pack.mla.Backend"


def test_results_are_cached_and_refreshed_after_a_plugin_change(
    host_factory: Callable[..., Host],
) -> None:
    platform = FakeGpu(priority=["EXTRA", "FLASH_ATTN", "TORCH_SDPA"])
    host = host_factory(platform)
    assert _choose(host) == FLASH
    platform.backends = []  # not seen: the registry and the result are cached
    assert _choose(host) == FLASH
    extra = AttentionBackendSpec(name="EXTRA", class_path="engine.extra.Backend")
    host.plugin_manager.register(BackendPack([extra]), name="engine")
    assert _choose(host) == "engine.extra.Backend"


def test_dtype_spellings_select_the_same_backend(host_factory: Callable[..., Host]) -> None:
    host = host_factory(FakeGpu(priority=["FLASH_ATTN", "TORCH_SDPA"]))
    assert {_choose(host, dtype=d) for d in (torch.bfloat16, "bf16", "bfloat16")} == {FLASH}


def test_select_attention_backend_directly(host_factory: Callable[..., Host]) -> None:
    host_factory(FakeGpu())
    chosen = select_attention_backend(["FLASH_ATTN"], **_request(head_size=64))
    assert chosen == FLASH


def test_selection_report_lists_valid_and_invalid_candidates(
    host_factory: Callable[..., Host],
) -> None:
    host_factory(FakeGpu(priority=["FLASH_ATTN", "TORCH_SDPA"]))
    report = inspect_selection(head_size=96, dtype="float16", block_size=16)
    assert report.chosen == SDPA
    assert report.error is None
    assert report.to_dict()["candidates"] == [
        {"name": "FLASH_ATTN", "class_path": FLASH, "provider": "fake-dist 1.0",
         "valid": False, "reasons": ["head_size 96 not supported (supports 64, 128)"]},
        {"name": "TORCH_SDPA", "class_path": SDPA, "provider": "hwcore (core defaults)",
         "valid": True, "reasons": []},
    ]
    assert report.render().splitlines() == [
        "Attention-backend selection on fakegpu (device type fakegpu, compute capability 8.0)",
        "  request: head_size=96, dtype=float16, kv_cache_dtype=auto, block_size=16, "
        "use_mla=False, has_sink=False, use_sparse=False",
        "  selected backend: (auto)",
        "  candidates, in priority order:",
        "    FLASH_ATTN from fake-dist 1.0: invalid",
        "      - head_size 96 not supported (supports 64, 128)",
        "    TORCH_SDPA from hwcore (core defaults): valid",
        f"  chosen: {SDPA}",
    ]


def test_selection_report_carries_the_error(host_factory: Callable[..., Host]) -> None:
    host_factory(FakeGpu(priority=["FLASH_ATTN"]))
    report = inspect_selection(head_size=96, dtype="float16")
    assert report.chosen is None
    assert report.error is not None
    assert report.error.startswith("No valid attention backend for fakegpu")
    assert FLASH_ATTN.name in report.to_dict()["error"]


class FactoryGpu(FakeGpu):
    get_attn_backend_cls = attention_backend_hookimpl(["FLASH_ATTN", "TORCH_SDPA"])


def test_ready_made_hookimpl_selects_like_a_hand_written_one(
    host_factory: Callable[..., Host],
) -> None:
    host = host_factory(FactoryGpu())
    assert _choose(host) == FLASH
    assert _choose(host, head_size=96) == SDPA
    with pytest.raises(InvalidSelectedBackendError):
        _choose(host, selected_backend="FLASH_ATTN", head_size=96)
