"""AITER switches: options, then HWCORE_ROCM_* variables, then vLLM's defaults."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from hwcore_rocm import switches
from hwcore_rocm.switches import Aiter, AiterSwitches


def test_defaults_are_vllms() -> None:
    assert switches.read_switches({}, {}) == AiterSwitches(
        use_aiter=False, use_aiter_mha=True, use_aiter_mla=True,
        use_aiter_unified_attention=False, use_aiter_linear=True, use_aiter_moe=True,
        use_aiter_fusion_shared_experts=False,
    )


@pytest.mark.parametrize(("text", "value"), [("1", True), ("true", True), ("ON", True),
                                             ("0", False), (" False ", False), ("no", False)])
def test_variables_take_the_usual_spellings(text: str, value: bool) -> None:
    assert switches.read_switches({}, {"HWCORE_ROCM_USE_AITER": text}).use_aiter is value


def test_options_win_over_variables() -> None:
    read = switches.read_switches(
        {"rocm.use_aiter": True, "rocm.use_aiter_mha": False, "cpu.threads": 4},
        {"HWCORE_ROCM_USE_AITER": "0", "HWCORE_ROCM_USE_AITER_MLA": "0"},
    )
    assert (read.use_aiter, read.use_aiter_mha, read.use_aiter_mla) == (True, False, False)


def test_vllms_variables_are_never_read() -> None:
    assert switches.read_switches({}, {"VLLM_ROCM_USE_AITER": "1"}).use_aiter is False


def test_a_variable_that_is_not_a_boolean_is_an_error() -> None:
    message = ("HWCORE_ROCM_USE_AITER_MHA='maybe' is not a boolean; set it to 1 or 0 (or "
               "true/false), or unset it for the default (1)")
    with pytest.raises(switches.SwitchError, match=f"^{re.escape(message)}$"):
        switches.read_switches({}, {"HWCORE_ROCM_USE_AITER_MHA": "maybe"})


def test_an_option_that_is_not_a_boolean_is_an_error() -> None:
    message = ("options['rocm.use_aiter'] must be True or False, got 1; write "
               "options={'rocm.use_aiter': True}")
    with pytest.raises(switches.SwitchError, match=f"^{re.escape(message)}$"):
        switches.read_switches({"rocm.use_aiter": 1}, {})


def test_an_unknown_rocm_option_is_an_error_listing_the_known_ones() -> None:
    message = (
        "unknown hwcore-rocm option 'rocm.use_aitr'; the rocm options are: rocm.use_aiter, "
        "rocm.use_aiter_mha, rocm.use_aiter_mla, rocm.use_aiter_unified_attention, "
        "rocm.use_aiter_linear, rocm.use_aiter_moe, rocm.use_aiter_fusion_shared_experts"
    )
    with pytest.raises(switches.SwitchError, match=f"^{re.escape(message)}$"):
        switches.read_switches({"rocm.use_aitr": True}, {})


def test_sources_name_where_each_changed_switch_came_from() -> None:
    options = {"rocm.use_aiter": True}
    environ = {"HWCORE_ROCM_USE_AITER_UNIFIED_ATTENTION": "1", "HWCORE_ROCM_USE_AITER_MHA": "1"}
    assert switches.switch_sources(options, environ) == {
        "use_aiter": "options['rocm.use_aiter']",
        "use_aiter_unified_attention": "HWCORE_ROCM_USE_AITER_UNIFIED_ATTENTION='1'",
    }


def test_set_vllm_variables_are_named_with_their_hwcore_switch() -> None:
    assert switches.ignored_vllm_variables(
        {"VLLM_ROCM_USE_AITER": "1", "VLLM_ROCM_USE_AITER_MLA": "0", "VLLM_ROCM_FP8_PADDING": "1"}
    ) == [
        "VLLM_ROCM_USE_AITER='1' is set, but hwcore does not read vLLM's variables: set "
        "HWCORE_ROCM_USE_AITER or the engine option 'rocm.use_aiter' instead",
        "VLLM_ROCM_USE_AITER_MLA='0' is set, but hwcore does not read vLLM's variables: set "
        "HWCORE_ROCM_USE_AITER_MLA or the engine option 'rocm.use_aiter_mla' instead",
    ]


ON = AiterSwitches(use_aiter=True)


@pytest.mark.parametrize(
    ("architecture", "installed", "wanted", "supported", "enabled", "rdna"),
    [
        ("gfx942", True, ON, True, True, False),
        ("gfx950", True, ON, True, True, False),
        ("gfx1250", True, ON, True, True, False),
        ("gfx942", False, ON, False, False, False),  # the aiter package is missing
        ("gfx942", True, AiterSwitches(), True, False, False),  # installed, not switched on
        ("gfx90a", True, ON, False, False, False),  # AITER's CK kernels need CDNA3
        ("gfx1201", True, ON, False, False, True),  # RDNA4: Triton kernels only
        ("gfx1201", True, AiterSwitches(), False, False, False),
        ("gfx1100", True, ON, False, False, False),
    ],
)
def test_where_aiter_applies(
    architecture: str, installed: bool, wanted: AiterSwitches, supported: bool, enabled: bool,
    rdna: bool,
) -> None:
    aiter = Aiter(wanted, installed, architecture)
    assert (aiter.supported, aiter.enabled, aiter.rdna) == (supported, enabled, rdna)
    assert aiter.mha is aiter.mla is aiter.fused_moe is aiter.linear_fp8 is enabled


def test_each_kernel_switch_needs_aiter_on() -> None:
    aiter = Aiter(AiterSwitches(use_aiter=True, use_aiter_mha=False, use_aiter_moe=False,
                                use_aiter_unified_attention=True,
                                use_aiter_fusion_shared_experts=True), True, "gfx942")
    assert (aiter.mha, aiter.mla, aiter.fused_moe, aiter.fused_shared_experts) == (
        False, True, False, False)
    shared = Aiter(AiterSwitches(use_aiter=True, use_aiter_fusion_shared_experts=True), True,
                   "gfx950")
    assert (shared.fused_moe, shared.fused_shared_experts) == (True, True)


def test_aiter_is_found_without_being_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "aiter").mkdir()
    (tmp_path / "aiter" / "__init__.py").write_text("raise RuntimeError('loads HIP')\n")
    monkeypatch.delitem(sys.modules, "aiter", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert switches.aiter_installed() is True
    assert "aiter" not in sys.modules


def test_aiter_missing_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiter", None)  # type: ignore[arg-type]
    assert switches.aiter_installed() is False
