"""The gating policy, case by case (docs/vllm.md, "When the bridge activates")."""

from __future__ import annotations

import re

import pytest

import hwcore
from hwcore import NoPlatformError
from hwcore_vllm.policy import (
    PLATFORM_QUALNAME,
    VARIABLE,
    Decision,
    Setting,
    evaluate,
    read_setting,
)

from .conftest import RecordPlatform, platform_info

OPT_IN = "set HWCORE_VLLM_BRIDGE=on to run vLLM on hwcore's platform instead"


def detectors(**answers):
    """vLLM-style built-in detectors answering ``answers[name]`` (an exception is raised),
    recording which were called."""
    called = []

    def detector(name, answer):
        def detect():
            called.append(name)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return detect

    return {name: detector(name, answer) for name, answer in answers.items()}, called


NOTHING_DETECTED = dict(tpu=None, cuda=None, rocm=None, xpu=None, cpu=None)


def resolver(platform):
    calls = []

    def resolve():
        calls.append(1)
        return platform

    return resolve, calls


# ----------------------------------------------------------------------- the variable


@pytest.mark.parametrize("raw", [None, "", "auto", " AUTO "])
def test_unset_empty_and_auto_mean_auto(raw):
    environ = {} if raw is None else {VARIABLE: raw}
    assert read_setting(environ) is Setting.AUTO


@pytest.mark.parametrize("raw", ["on", "1", "true", "yes", "ON"])
def test_the_opt_in_spellings(raw):
    assert read_setting({VARIABLE: raw}) is Setting.ON


@pytest.mark.parametrize("raw", ["off", "0", "false", "no", "Off"])
def test_the_opt_out_spellings(raw):
    assert read_setting({VARIABLE: raw}) is Setting.OFF


def test_any_other_value_is_an_error_naming_variable_value_and_choices():
    message = ("HWCORE_VLLM_BRIDGE='maybe' is not a setting hwcore-vllm knows; use 'auto' (the "
               "default: run vLLM on hwcore's platform only where vLLM has no built-in "
               "platform), 'on' (always) or 'off' (never)")
    with pytest.raises(ValueError, match=re.escape(message)):
        read_setting({VARIABLE: "maybe"})


# --------------------------------------------------------------------- the decisions


def test_a_platform_vllm_has_nothing_for_activates(platform_with):
    platform = platform_with(RecordPlatform(platform_info("mychip")))
    detect, called = detectors(**NOTHING_DETECTED)
    decision = evaluate({}, resolver(platform)[0], detect)
    assert decision == Decision(True, "hwcore-vllm activates: vLLM runs on hwcore's platform "
                                      "'mychip' (hwcore-mychip 0.0.0), which vLLM has no "
                                      "built-in platform for")
    assert decision.qualname == PLATFORM_QUALNAME == "hwcore_vllm.platform.HwcorePlatform"
    assert called == ["tpu", "cuda", "rocm", "xpu", "cpu"]


def test_a_built_in_detector_that_claims_the_machine_keeps_it_for_vllm(platform_with):
    platform = platform_with(RecordPlatform(platform_info("mychip")))
    detect, _ = detectors(tpu=None, cuda="vllm.platforms.cuda.CudaPlatform", cpu=None)
    decision = evaluate({}, resolver(platform)[0], detect)
    assert decision == Decision(False, "hwcore-vllm declines: vLLM's built-in 'cuda' platform "
                                       "detects this machine too, and hwcore's platform "
                                       "'mychip' (hwcore-mychip 0.0.0) would take it over; "
                                       f"{OPT_IN}")
    assert decision.qualname is None


def test_a_built_in_detector_that_raises_counts_as_absent_as_in_vllm(platform_with):
    platform = platform_with(RecordPlatform(platform_info("mychip")))
    detect, called = detectors(cuda=RuntimeError("NVML is broken"), cpu=None)
    assert evaluate({}, resolver(platform)[0], detect).activate
    assert called == ["cuda", "cpu"]


@pytest.mark.parametrize("name", ["cuda", "rocm", "tpu", "xpu", "cpu"])
def test_a_platform_named_like_a_vllm_built_in_is_left_to_vllm(platform_with, name):
    platform = platform_with(RecordPlatform(platform_info(name)))
    detect, called = detectors(**NOTHING_DETECTED)
    decision = evaluate({}, resolver(platform)[0], detect)
    assert decision == Decision(False, f"hwcore-vllm declines: vLLM has a built-in {name!r} "
                                       f"platform for what hwcore's platform {name!r} "
                                       f"(hwcore-{name} 0.0.0) runs; {OPT_IN}")
    assert called == []


def test_hwcores_host_cpu_fallback_never_takes_a_machine_by_default(platform_with):
    # The pitfall: hwcore-cpu alone on a GPU machine must not beat vLLM's CudaPlatform.
    platform = platform_with(RecordPlatform(platform_info("zencpu", is_fallback=True)))
    detect, called = detectors(**NOTHING_DETECTED)
    decision = evaluate({}, resolver(platform)[0], detect)
    assert decision == Decision(False, "hwcore-vllm declines: hwcore's platform 'zencpu' "
                                       "(hwcore-zencpu 0.0.0) is hwcore's host-CPU fallback, so "
                                       "vLLM's own platform detection keeps this machine; "
                                       f"{OPT_IN}")
    assert called == []


@pytest.mark.parametrize("name", ["cpu", "cuda", "mychip"])
def test_the_opt_in_activates_for_any_platform_without_asking_vllms_detectors(
    platform_with, name
):
    platform = platform_with(RecordPlatform(platform_info(name, is_fallback=name == "cpu")))
    detect, called = detectors(cuda="vllm.platforms.cuda.CudaPlatform")
    decision = evaluate({VARIABLE: "on"}, resolver(platform)[0], detect)
    assert decision == Decision(True, f"hwcore-vllm activates: vLLM runs on hwcore's platform "
                                      f"{name!r} (hwcore-{name} 0.0.0), as "
                                      "HWCORE_VLLM_BRIDGE='on' asks")
    assert called == []


def test_off_declines_without_consulting_hwcore():
    resolve, calls = resolver(None)
    detect, called = detectors(**NOTHING_DETECTED)
    decision = evaluate({VARIABLE: "0"}, resolve, detect)
    assert decision == Decision(False, "hwcore-vllm declines: HWCORE_VLLM_BRIDGE='0' turns "
                                       "the bridge off; vLLM chooses its platform itself")
    assert calls == [] and called == []


@pytest.mark.parametrize("setting", ["auto", "on"])
def test_no_hwcore_platform_declines_with_hwcores_error_as_a_warning(setting):
    error = NoPlatformError("no platform plugin detected its hardware; install hwcore-cpu")

    def resolve():
        raise error

    decision = evaluate({VARIABLE: setting}, resolve, detectors(**NOTHING_DETECTED)[0])
    assert decision == Decision(False, "hwcore-vllm declines: hwcore has no platform to give "
                                       "vLLM: no platform plugin detected its hardware; "
                                       "install hwcore-cpu", warning=True)


def test_a_resolution_that_fails_for_a_reason_other_than_hwcores_errors_is_a_bug():
    def resolve():
        raise KeyError("a plugin's bug")

    with pytest.raises(KeyError, match="a plugin's bug"):
        evaluate({}, resolve, {})


def test_hwcores_real_resolution_errors_decline(hwcore_host):
    # Two accelerators at once: the host's AmbiguousPlatformError, through hwcore's facade.
    hwcore_host.add_platform(RecordPlatform(platform_info("alpha")), "alpha")
    hwcore_host.add_platform(RecordPlatform(platform_info("beta")), "beta")
    with pytest.raises(hwcore.AmbiguousPlatformError) as raised:
        hwcore.current_platform()
    assert "alpha" in str(raised.value) and "beta" in str(raised.value)
    decision = evaluate({}, hwcore.current_platform, {})
    assert decision == Decision(False, "hwcore-vllm declines: hwcore has no platform to give "
                                       f"vLLM: {raised.value}", warning=True)
