"""``hwcore explain --head-size ...``: the attention-backend selection view."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

import hwcore
from hwcore.cli.main import main
from hwcore.host import Candidate, Host, install_host
from hwcore.records import AttentionBackendSpec, DeviceCapability, DeviceInfo, PlatformInfo

SDPA = "hwcore.attention.torch_sdpa.TorchSDPABackend"
FAST = AttentionBackendSpec(
    name="FAST_ATTN", class_path="acme_attn.FastBackend", head_sizes=(64, 128),
    block_sizes=(16,), min_capability=DeviceCapability(8, 0), device_types=("acme",),
)


SLOW = AttentionBackendSpec(name="SLOW_ATTN", class_path="acme_attn.SlowBackend")


class Acme:
    HWCORE_CONTRACT_VERSION = "2.0"

    @hwcore.hookimpl
    def detect_platform(self) -> PlatformInfo:
        return PlatformInfo(
            name="acme", device_name="ACME One", device_type="acme",
            dispatch_key="PrivateUse1", dist_backend="gloo",
            devices=(DeviceInfo(0, 0, "ACME One", capability=DeviceCapability(9, 0)),),
            evidence=("1 ACME chip on the test bus",),
        )

    @hwcore.hookimpl
    def register_attention_backends(self) -> list[AttentionBackendSpec]:
        return [FAST, SLOW]

    @hwcore.hookimpl
    def get_attn_backend_priority(self, request):
        return ["FAST_ATTN", "TORCH_SDPA"]


@pytest.fixture(autouse=True)
def _acme_host() -> Iterator[None]:
    plugin = Acme()
    candidate = Candidate("acme", "hwcore.platforms", "acme_plugin", "hwcore-acme", "1.0",
                          lambda: plugin)
    install_host(Host(discover=lambda: [candidate], environ={}))
    yield
    hwcore.reset()


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["explain", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_text_view_lists_every_candidate_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--head-size", "96", "--dtype", "float16", "--block-size", "24"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Attention-backend selection on acme (device type acme, compute capability 9.0)",
        "  checked for: device 0 (ACME One, compute capability 9.0), the only visible device",
        "  request: head_size=96, dtype=float16, kv_cache_dtype=auto, block_size=24",
        "  selected backend: (auto)",
        "  candidates, in the platform's priority order:",
        "    FAST_ATTN from hwcore-acme 1.0: invalid",
        "      - head_size 96 not supported (supports 64, 128)",
        "      - block_size 24 not supported (supports multiples of 16)",
        "    TORCH_SDPA from hwcore (core defaults): valid",
        "  other registered backends (not in the platform's order):",
        "    SLOW_ATTN from hwcore-acme 1.0: valid",
        f"  chosen: {SDPA}",
        "  (checked against the backends' records; their classes were not imported: add "
        "--verify to import them)",
    ]


def test_auto_dtype_is_the_platform_preferred_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = _json(capsys, "--head-size", "128")
    assert code == 0
    assert data["ok"] is True
    selection = data["selection"]
    assert selection["request"]["dtype"] == "bfloat16"
    assert selection["chosen"] == "acme_attn.FastBackend"
    assert [c["name"] for c in selection["candidates"]] == ["FAST_ATTN", "TORCH_SDPA"]
    assert [c["name"] for c in selection["others"]] == ["SLOW_ATTN"]
    assert [c["valid"] for c in selection["candidates"]] == [True, True]
    assert selection["device"]["name"] == "ACME One"


def test_json_view_with_an_invalid_explicit_backend(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = _json(capsys, "--head-size", "128", "--dtype", "float32", "--backend",
                       "FAST_ATTN", "--use-mla")
    assert code == 1
    selection = data["selection"]
    assert data["ok"] is False
    assert selection["selected_backend"] == "FAST_ATTN"
    assert selection["chosen"] is None
    assert selection["candidates"][0] == {
        "name": "FAST_ATTN", "class_path": "acme_attn.FastBackend", "provider": "hwcore-acme 1.0",
        "valid": False,
        "reasons": ["dtype float32 not supported (supports float16, bfloat16)",
                    "MLA not supported"],
    }
    assert selection["error"].startswith(
        "Selected attention backend FAST_ATTN cannot run this request on acme"
    )


def test_selection_flags_without_head_size_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain", "--block-size", "16"]) == 2
    assert capsys.readouterr().err == (
        "hwcore: error: the attention-selection flags need --head-size (e.g. --head-size 128)\n"
    )


def test_a_usage_error_found_after_parsing_is_one_json_document_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, data = _json(capsys, "--head-size", "0")
    assert code == 2
    assert data == {
        "schema_version": 2, "ok": False,
        "error": {"type": "UsageError", "message": "AttentionRequest.head_size must be an "
                  "integer >= 1, got 0 (check the selection flags)"},
    }


def test_without_selection_flags_explain_shows_detection(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain"]) == 0
    assert capsys.readouterr().out.startswith("Detection report:\n")


@pytest.mark.parametrize("head_size", ["0", "-5"])
def test_a_head_size_below_one_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], head_size: str
) -> None:
    assert main(["explain", "--head-size", head_size]) == 2
    assert capsys.readouterr().err == (
        f"hwcore: error: AttentionRequest.head_size must be an integer >= 1, got {head_size} "
        "(check the selection flags)\n"
    )


def test_every_request_field_has_a_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = _json(
        capsys, "--head-size", "128", "--num-heads", "16", "--attn-type", "encoder_only",
        "--use-mm-prefix", "--use-non-causal", "--has-sliding-window", "--use-batch-invariant",
        "--use-kv-connector", "--kv-cache-dtype", "fp8",
    )
    request = data["selection"]["request"]
    assert {key: request[key] for key in (
        "num_heads", "attn_type", "use_mm_prefix", "use_non_causal", "has_sliding_window",
        "use_batch_invariant", "use_kv_connector", "kv_cache_dtype",
    )} == {
        "num_heads": 16, "attn_type": "encoder_only", "use_mm_prefix": True,
        "use_non_causal": True, "has_sliding_window": True, "use_batch_invariant": True,
        "use_kv_connector": True, "kv_cache_dtype": "fp8",
    }
    assert code == 1  # nothing here runs all of that


def test_verify_imports_the_classes_and_names_the_plugin_of_one_that_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, data = _json(capsys, "--head-size", "128", "--verify")
    selection = data["selection"]
    assert selection["class_paths_imported"] is True
    assert code == 1
    assert selection["candidates"][0]["reasons"] == [
        "class acme_attn.FastBackend does not import: ModuleNotFoundError: No module named "
        "'acme_attn'"
    ]
    assert selection["candidates"][1]["valid"] is True  # TORCH_SDPA imports
    assert selection["chosen"] is None
    assert selection["error"] == (
        "attention backend FAST_ATTN from plugin 'acme' (hwcore-acme 1.0) names the class "
        "acme_attn.FastBackend, which does not import: ModuleNotFoundError: No module named "
        "'acme_attn'. Reinstall hwcore-acme, install what its module needs, or report this to "
        "its maintainers"
    )


def test_an_engine_loading_a_broken_class_gets_the_plugins_name() -> None:
    from hwcore.errors import PluginContractError
    from hwcore.records import AttentionRequest

    platform = hwcore.current_platform()
    request = AttentionRequest(head_size=128, dtype="bfloat16")
    message = "attention backend FAST_ATTN from plugin 'acme'"
    with pytest.raises(PluginContractError, match=f"^{re.escape(message)}") as raised:
        platform.get_attn_backend(None, request)
    assert (raised.value.plugin, raised.value.distribution) == ("acme", "hwcore-acme 1.0")
    sdpa = platform.get_attn_backend("TORCH_SDPA", request)
    assert sdpa.name == "TORCH_SDPA"
