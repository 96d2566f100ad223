from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import torch
from attention_fakes import FLASH_ATTN, BackendPack, FakeGpu

from hwcore.errors import AttentionBackendError, InvalidSelectedBackendError, NoValidBackendError
from hwcore.host import Host
from hwcore.records import AttentionBackendSpec, AttentionRequest, DeviceCapability

FLASH = "fake_flash.FlashBackend"
SDPA = "hwcore.attention.torch_sdpa.TorchSDPABackend"
ONE_DEVICE = "checked for device 0 (Fake GPU 0, compute capability 8.0), the only visible device"
PLATFORM = f"fakegpu (platform 'fakegpu', fake-dist 1.0; {ONE_DEVICE})"
NEEDS_PACKAGE = AttentionBackendSpec(
    name="NEEDS_PKG",
    class_path="pack.needs.Backend",
    required_packages=("hwcore-test-package-that-is-not-installed",),
)
MLA = AttentionBackendSpec(name="FAKE_MLA", class_path="pack.mla.Backend", mla=True)
SPARSE_MLA = AttentionBackendSpec(
    name="FAKE_MLA_SPARSE", class_path="pack.mla.SparseBackend", mla=True, sparse=True
)


def _request(**fields: Any) -> AttentionRequest:
    return AttentionRequest(**{"head_size": 128, "dtype": "bfloat16", "block_size": 16, **fields})


def _choose(host: Host, selected_backend: str | None = None, **fields: Any) -> str:
    return host.resolve().hook.get_attn_backend_cls(  # type: ignore[no-any-return]
        selected_backend=selected_backend, request=_request(**fields)
    )


def test_first_valid_backend_of_the_priority_list_wins(host_factory: Callable[..., Host]) -> None:
    host = host_factory(FakeGpu(priority=["FLASH_ATTN", "TORCH_SDPA"]))
    assert _choose(host) == FLASH
    assert _choose(host, head_size=96) == SDPA
    assert _choose(host, dtype=torch.float32) == SDPA


def test_core_default_walks_every_backend_for_the_device(host_factory: Callable[..., Host]) -> None:
    host = host_factory(FakeGpu(), pack=BackendPack([NEEDS_PACKAGE]))
    assert host.attention.default_priority() == ["FLASH_ATTN", "NEEDS_PKG", "TORCH_SDPA"]
    assert host.attention.priority(_request()) == ("FLASH_ATTN", "NEEDS_PKG", "TORCH_SDPA")
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
        "head_size=96, dtype=float32, kv_cache_dtype=auto, block_size=24: head_size 96 not "
        "supported (supports 64, 128); dtype float32 not supported (supports float16, "
        "bfloat16); block_size 24 not supported (supports multiples of 16). hwcore does not "
        "fall back from an explicit choice; change the request or select another backend "
        "(valid here: TORCH_SDPA)"
    )
    with pytest.raises(InvalidSelectedBackendError, match=re.escape(message)):
        _choose(host, "FLASH_ATTN", head_size=96, dtype="fp32", block_size=24)


def test_unregistered_explicit_backend_is_an_error(host_factory: Callable[..., Host]) -> None:
    host = host_factory(FakeGpu(priority=["TORCH_SDPA"]))
    message = (
        f"Selected attention backend FLASHINFER cannot run this request on {PLATFORM} with "
        "head_size=128, dtype=bfloat16, kv_cache_dtype=auto, block_size=16: not registered by "
        "any installed plugin; install the plugin that provides it. hwcore does not fall back "
        "from an explicit choice; change the request or select another backend (valid here: "
        "TORCH_SDPA)"
    )
    with pytest.raises(InvalidSelectedBackendError, match=re.escape(message)):
        _choose(host, "FLASHINFER")


def test_no_valid_backend_lists_every_candidate_with_all_reasons(
    host_factory: Callable[..., Host],
) -> None:
    platform = FakeGpu(
        capability=DeviceCapability(7, 5),
        priority=["FLASHINFER", "FLASH_ATTN", "TORCH_SDPA"],
        hints={"FLASHINFER": "hwcore-flashinfer"},
    )
    host = host_factory(platform)
    turing = PLATFORM.replace("compute capability 8.0", "compute capability 7.5")
    message = (
        f"No valid attention backend for {turing} with head_size=128, dtype=float64, "
        "kv_cache_dtype=fp8, block_size=16, has_sink=True. Reasons:\n"
        "  FLASHINFER: not registered by any installed plugin (provided by e.g. "
        "hwcore-flashinfer)\n"
        "  FLASH_ATTN: compute capability 7.5 below 8.0; dtype float64 not supported "
        "(supports float16, bfloat16); kv_cache_dtype fp8 not supported (supports auto, "
        "float16, bfloat16); attention sinks not supported\n"
        "  TORCH_SDPA: dtype float64 not supported (supports float16, bfloat16, float32); "
        "kv_cache_dtype fp8 not supported (supports auto, float16, bfloat16, float32); "
        "attention sinks not supported\n"
        "Supported kv_cache_dtype values: auto, bfloat16, float16, float32.\n"
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


def test_an_install_hint_replaces_the_plain_pip_command(host_factory: Callable[..., Host]) -> None:
    hinted = AttentionBackendSpec(
        name="CHIP_ONLY", class_path="chip.Backend",
        required_packages=("hwcore-test-package-that-is-not-installed",),
        install_hint="pip install hwcore-test-package-that-is-not-installed on the chip's VM",
    )
    host = host_factory(FakeGpu(priority=["CHIP_ONLY"]), pack=BackendPack([hinted]))
    message = (
        "  CHIP_ONLY: required package 'hwcore-test-package-that-is-not-installed' is not "
        "installed (pip install hwcore-test-package-that-is-not-installed on the chip's VM)\n"
    )
    with pytest.raises(NoValidBackendError, match=re.escape(message)):
        _choose(host)


def test_mla_and_capability_rules(host_factory: Callable[..., Host]) -> None:
    host = host_factory(
        FakeGpu(capability=None, priority=["FAKE_MLA", "FLASH_ATTN", "TORCH_SDPA"]),
        pack=BackendPack([MLA]),
    )
    report = host.attention.inspect(_request(use_mla=True))
    reasons = {c.name: c.reasons for c in report.candidates}
    assert reasons["FAKE_MLA"] == ()
    assert reasons["FLASH_ATTN"] == (
        "compute capability unknown (the platform reports none)", "MLA not supported"
    )
    assert _choose(host) == SDPA  # FLASH_ATTN needs a capability; FAKE_MLA needs MLA
    assert _choose(host, use_mla=True) == "pack.mla.Backend"


def test_sparse_requests_run_only_on_sparse_backends(host_factory: Callable[..., Host]) -> None:
    host = host_factory(
        FakeGpu(priority=["FAKE_MLA", "FAKE_MLA_SPARSE"]), pack=BackendPack([MLA, SPARSE_MLA])
    )
    assert _choose(host, use_mla=True) == "pack.mla.Backend"
    assert _choose(host, use_mla=True, use_sparse=True) == "pack.mla.SparseBackend"
    reasons = {c.name: c.reasons for c in host.attention.inspect(_request(use_mla=True)).candidates}
    assert reasons["FAKE_MLA_SPARSE"] == ("non-sparse not supported",)


def test_request_features_are_checked_with_vllms_wording(
    host_factory: Callable[..., Host],
) -> None:
    host = host_factory(FakeGpu(priority=["FLASH_ATTN"]))
    request = _request(
        use_mm_prefix=True, attn_type="encoder", has_sliding_window=True, use_non_causal=True,
        use_batch_invariant=True,
    )
    [flash] = host.attention.inspect(request).candidates
    assert flash.reasons == (
        "partial multimodal token full attention not supported",
        "attention type encoder not supported",
        "sliding window not supported",
        "non-causal attention not supported",
        "batch invariance not supported",
    )
    no_connector = AttentionBackendSpec(name="LOCAL", class_path="local.Backend", kv_connector=False)
    host.plugin_manager.register(BackendPack([no_connector]), name="local")
    local = host.attention.inspect(_request(use_kv_connector=True), "LOCAL").candidates[0]
    assert (local.name, local.reasons) == ("LOCAL", ("KV connector not supported",))


def test_results_are_cached_and_refreshed_after_a_plugin_change(
    host_factory: Callable[..., Host],
) -> None:
    platform = FakeGpu(priority=["EXTRA", "FLASH_ATTN", "TORCH_SDPA"])
    host = host_factory(platform)
    assert _choose(host) == FLASH
    assert _choose(host) == FLASH
    assert len(platform.priority_requests) == 1  # the priority is asked once per request
    platform.backends = []  # not seen: the registry and the result are cached
    assert _choose(host) == FLASH
    extra = AttentionBackendSpec(name="EXTRA", class_path="engine.extra.Backend")
    host.plugin_manager.register(BackendPack([extra]), name="engine")
    assert _choose(host) == "engine.extra.Backend"


def test_dtype_spellings_select_the_same_backend(host_factory: Callable[..., Host]) -> None:
    host = host_factory(FakeGpu(priority=["FLASH_ATTN", "TORCH_SDPA"]))
    assert {_choose(host, dtype=d) for d in (torch.bfloat16, "bf16", "bfloat16")} == {FLASH}
    assert _request(dtype=torch.bfloat16) == _request(dtype="bf16")  # one cache entry


def test_a_request_that_is_not_a_record_is_refused_clearly(
    host_factory: Callable[..., Host],
) -> None:
    host = host_factory(FakeGpu())
    message = (
        "get_attn_backend_cls needs request=AttentionRequest(head_size=..., dtype=...) (from "
        "hwcore.records), got dict: {'head_size': 128}"
    )
    with pytest.raises(TypeError, match=re.escape(message)):
        host.resolve().hook.get_attn_backend_cls(selected_backend=None, request={"head_size": 128})


def test_a_priority_that_is_not_a_list_of_names_is_named(
    host_factory: Callable[..., Host],
) -> None:
    host = host_factory(FakeGpu(priority="FLASH_ATTN"))  # type: ignore[arg-type]
    message = (
        "get_attn_backend_priority returned 'FLASH_ATTN' on platform 'fakegpu' (fake-dist 1.0); "
        "it must return a list of backend names. Report this to the maintainers of that "
        "distribution"
    )
    with pytest.raises(AttentionBackendError, match=re.escape(message)):
        _choose(host)


def test_selection_is_checked_against_the_weakest_visible_device(
    host_factory: Callable[..., Host],
) -> None:
    platform = FakeGpu(
        capabilities=[DeviceCapability(9, 0), DeviceCapability(7, 5), DeviceCapability(8, 0)],
        priority=["FLASH_ATTN", "TORCH_SDPA"],
    )
    host = host_factory(platform)
    assert _choose(host) == SDPA  # device 1 cannot run FLASH_ATTN (needs 8.0)
    assert platform.priority_requests[0][1] == host.platform_info.devices[1]
    report = host.attention.inspect(_request())
    assert report.device_note == (
        "device 1 (Fake GPU 1, compute capability 7.5), the weakest of 3 visible devices"
    )
    assert report.candidates[0].reasons == ("compute capability 7.5 below 8.0",)


def test_selection_report_lists_the_platform_order_then_the_others(
    host_factory: Callable[..., Host],
) -> None:
    host = host_factory(FakeGpu(priority=["TORCH_SDPA", "FLASH_ATTN"]), pack=BackendPack([MLA]))
    report = host.attention.inspect(_request(head_size=96, dtype="float16"))
    assert report.chosen == SDPA
    assert report.error is None
    assert report.to_dict()["candidates"] == [
        {"name": "TORCH_SDPA", "class_path": SDPA, "provider": "hwcore (core defaults)",
         "valid": True, "reasons": []},
        {"name": "FLASH_ATTN", "class_path": FLASH, "provider": "fake-dist 1.0",
         "valid": False, "reasons": ["head_size 96 not supported (supports 64, 128)"]},
    ]
    assert report.render().splitlines() == [
        "Attention-backend selection on fakegpu (device type fakegpu, compute capability 8.0)",
        "  checked for: device 0 (Fake GPU 0, compute capability 8.0), the only visible device",
        "  request: head_size=96, dtype=float16, kv_cache_dtype=auto, block_size=16",
        "  selected backend: (auto)",
        "  candidates, in the platform's priority order:",
        "    TORCH_SDPA from hwcore (core defaults): valid",
        "    FLASH_ATTN from fake-dist 1.0: invalid",
        "      - head_size 96 not supported (supports 64, 128)",
        "  other registered backends (not in the platform's order):",
        "    FAKE_MLA from pack-dist 2.0: invalid",
        "      - non-MLA not supported",
        f"  chosen: {SDPA}",
        "  (checked against the backends' records; their classes were not imported: add "
        "--verify to import them)",
    ]


def test_selection_report_carries_the_error(host_factory: Callable[..., Host]) -> None:
    host = host_factory(FakeGpu(priority=["FLASH_ATTN"]))
    report = host.attention.inspect(_request(head_size=96, dtype="float16"))
    assert report.chosen is None
    assert report.error is not None
    assert report.error.startswith("No valid attention backend for fakegpu")
    assert FLASH_ATTN.name in report.to_dict()["error"]


def test_the_facade_selects_through_the_same_hook(host_factory: Callable[..., Host]) -> None:
    host = host_factory(FakeGpu(priority=["FLASH_ATTN", "TORCH_SDPA"]))
    platform = host.platform()
    assert platform.get_attn_backend_cls(None, _request()) == _choose(host) == FLASH
    assert platform.get_attn_backend_spec(None, _request()) == FLASH_ATTN
    assert platform.get_attn_backend_priority(_request()) == ["FLASH_ATTN", "TORCH_SDPA"]
