"""The device communicator vLLM builds, from PlatformInfo.device_communicator_cls."""

from __future__ import annotations

import re

import pytest

from hwcore_vllm.communicator import (
    HWCORE_DEFAULT_COMMUNICATOR,
    VLLM_COMMUNICATOR_BASE,
    vllm_communicator,
)
from hwcore_vllm.errors import NotRunnableByVllmError

from .conftest import platform_info


def never_called(path):
    raise AssertionError(f"the default must not be imported: {path}")


def test_hwcores_default_is_vllms_generic_communicator():
    info = platform_info("mychip")
    assert info.device_communicator_cls == HWCORE_DEFAULT_COMMUNICATOR
    assert vllm_communicator(info, never_called) == VLLM_COMMUNICATOR_BASE


def test_a_vllm_communicator_the_platform_names_is_used():
    info = platform_info("mychip", device_communicator_cls="hwcore_mychip.vllm.MyCommunicator")
    assert vllm_communicator(info, lambda path: True) == "hwcore_mychip.vllm.MyCommunicator"


def test_a_communicator_vllm_cannot_build_is_an_error_naming_both():
    info = platform_info("mychip", device_communicator_cls="hwcore_mychip.comm.Communicator")
    message = ("hwcore's platform 'mychip' names the device communicator "
               "hwcore_mychip.comm.Communicator, which is not a vLLM device communicator "
               "(vllm.distributed.device_communicators.base_device_communicator."
               "DeviceCommunicatorBase); vLLM builds its process groups only with one. The "
               "platform's vendor can name a vLLM communicator in "
               "PlatformInfo.device_communicator_cls (docs/vllm.md)")
    with pytest.raises(NotRunnableByVllmError, match=re.escape(message)):
        vllm_communicator(info, lambda path: False)


def test_a_communicator_that_does_not_import_says_why():
    info = platform_info("mychip", device_communicator_cls="hwcore_mychip.comm.Communicator")

    def broken(path):
        raise ImportError(f"{path} does not import: ModuleNotFoundError: No module named 'x'")

    message = ("hwcore's platform 'mychip' names the device communicator "
               "hwcore_mychip.comm.Communicator, but vLLM cannot load it: "
               "hwcore_mychip.comm.Communicator does not import: ModuleNotFoundError: No "
               "module named 'x'")
    with pytest.raises(NotRunnableByVllmError, match=re.escape(message)):
        vllm_communicator(info, broken)
