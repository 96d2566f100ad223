"""The entry point: one decision per process, logged once, from hwcore's real resolution."""

from __future__ import annotations

import logging

import pytest

from hwcore_vllm import activation, vllm_api
from hwcore_vllm.log import LOGGER_NAME
from hwcore_vllm.policy import VARIABLE

from .conftest import RecordPlatform, platform_info


@pytest.fixture
def fresh_process(monkeypatch):
    """A process that has not decided yet, with no built-in vLLM platform detected."""
    monkeypatch.delenv(VARIABLE, raising=False)
    monkeypatch.setattr(vllm_api, "builtin_platform_detectors", lambda: {"cuda": lambda: None})
    activation.process_decision.cache_clear()
    yield
    activation.process_decision.cache_clear()


def test_vllm_asking_twice_gets_one_answer_and_one_log_line(
    fresh_process, hwcore_host, caplog
):
    hwcore_host.add_platform(RecordPlatform(platform_info("mychip")), "mychip")
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    answers = [activation.platform_plugin(), activation.platform_plugin()]
    assert answers == ["hwcore_vllm.platform.HwcorePlatform"] * 2
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (LOGGER_NAME, logging.INFO, "hwcore-vllm activates: vLLM runs on hwcore's platform "
                                    "'mychip' (hwcore-mychip 0.0.0), which vLLM has no "
                                    "built-in platform for"),
    ]


def test_no_hwcore_platform_is_none_and_a_warning(fresh_process, hwcore_host, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    assert activation.platform_plugin() is None
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith(
        "hwcore-vllm declines: hwcore has no platform to give vLLM: "
    )


def test_the_operators_opt_out_is_read_from_the_process_environment(
    fresh_process, hwcore_host, monkeypatch, caplog
):
    hwcore_host.add_platform(RecordPlatform(platform_info("mychip")), "mychip")
    monkeypatch.setenv(VARIABLE, "off")
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    assert activation.platform_plugin() is None
    assert [r.getMessage() for r in caplog.records] == [
        "hwcore-vllm declines: HWCORE_VLLM_BRIDGE='off' turns the bridge off; vLLM chooses "
        "its platform itself"
    ]
