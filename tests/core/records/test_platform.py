from __future__ import annotations

import dataclasses
import os
import re

import pytest

from hwcore.records import DeviceCapability, DeviceInfo, PlatformInfo
from hwcore.records.platform import pin_memory_default

TWO_CHIPS = (DeviceInfo(0, 0, "Acme 0"), DeviceInfo(1, 1, "Acme 1"))


def info(**changes):
    fields = dict(
        name="acme",
        device_name="acme",
        device_type="acme",
        dispatch_key="PrivateUse1",
        dist_backend="gloo",
        devices=TWO_CHIPS,
        evidence=("2 chips",),
    )
    return PlatformInfo(**{**fields, **changes})


def test_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        info().name = "other"  # type: ignore[misc]


def test_device_count_is_the_number_of_visible_devices():
    assert info().device_count == 2
    assert info(devices=()).device_count == 0


def test_defaults_are_vllms_base_platform():
    base = info()
    assert base.supported_dtypes == ("bfloat16", "float16", "float32")
    assert (base.supports_fp8, base.supports_mx, base.fp8_fnuz) == (False, False, False)
    assert base.fp8_dtype == "float8_e4m3fn"
    assert base.inference_mode == "inference_mode"
    assert base.custom_allreduce is False
    assert base.fully_connected is None
    assert base.device_communicator_cls == "hwcore.distributed.DeviceCommunicator"
    assert base.pin_memory is pin_memory_default()


def test_pin_memory_is_refused_only_under_wsl(monkeypatch):
    class Uname:
        def __init__(self, release):
            self.release = release

    monkeypatch.setattr(os, "uname", lambda: Uname("5.15.167.4-microsoft-standard-WSL2"))
    assert pin_memory_default() is False
    monkeypatch.setattr(os, "uname", lambda: Uname("6.1.0-13-amd64"))
    assert pin_memory_default() is True


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "PlatformInfo.name must be a non-empty string, got ''"),
        (
            {"devices": [DeviceInfo(0, 0, "x")]},
            "PlatformInfo.devices must be a tuple of DeviceInfo, got [DeviceInfo(index=0, "
            "physical_index=0, name='x', uuid=None, capability=None, total_memory=None, "
            "architecture=None, pci_bus_id=None, numa_node=None, integrated=None, "
            "compute_units=None, details=())]",
        ),
        (
            {"devices": (DeviceInfo(1, 0, "x"),)},
            "PlatformInfo.devices must hold logical indices 0..0 in order, got [1]",
        ),
        (
            {"evidence": ()},
            "PlatformInfo.evidence must say what was found (e.g. 'NVML reports 8 devices')",
        ),
        ({"evidence": "found"}, "PlatformInfo.evidence must be a tuple of strings, got 'found'"),
        (
            {"supported_quantization": ["fp8"]},
            "PlatformInfo.supported_quantization must be a tuple of strings, got ['fp8']",
        ),
        ({"is_fallback": "yes"}, "PlatformInfo.is_fallback must be a bool, got 'yes'"),
        ({"supported_dtypes": ()}, "PlatformInfo.supported_dtypes must name at least one dtype"),
        (
            {"fp8_dtype": "fp8"},
            "PlatformInfo.fp8_dtype must be one of float8_e4m3fn, float8_e4m3fnuz, float8_e5m2, "
            "float8_e5m2fnuz, got 'fp8'",
        ),
        (
            {"fp8_fnuz": True},
            "PlatformInfo.fp8_fnuz=True contradicts fp8_dtype='float8_e4m3fn': an FNUZ platform "
            "uses a ...fnuz dtype, and only it does",
        ),
        (
            {"fp8_dtype": "float8_e4m3fnuz"},
            "PlatformInfo.fp8_fnuz=False contradicts fp8_dtype='float8_e4m3fnuz': an FNUZ "
            "platform uses a ...fnuz dtype, and only it does",
        ),
        (
            {"inference_mode": "eval"},
            "PlatformInfo.inference_mode must be one of inference_mode, no_grad, got 'eval'",
        ),
        (
            {"fully_connected": 1},
            "PlatformInfo.fully_connected must be a bool or None, got 1",
        ),
        (
            {"device_communicator_cls": "Communicator"},
            "PlatformInfo.device_communicator_cls must be a dotted class path, got 'Communicator'",
        ),
        ({"unusable_reason": ""}, "PlatformInfo.unusable_reason must be a non-empty string, got ''"),
        (
            {"details": (("cores", 2),)},
            "PlatformInfo.details must be a tuple of (key, value) string pairs, got (('cores', 2),)",
        ),
        (
            {"backend_hints": {"FLASH_ATTN": "flash-attn"}},
            "PlatformInfo.backend_hints must be a tuple of (key, value) string pairs, got "
            "{'FLASH_ATTN': 'flash-attn'}",
        ),
    ],
)
def test_validation_names_the_field(changes, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        info(**changes)


def test_fnuz_needs_the_fnuz_dtype():
    mi300 = info(supports_fp8=True, fp8_fnuz=True, fp8_dtype="float8_e4m3fnuz")
    assert (mi300.fp8_fnuz, mi300.fp8_dtype) == (True, "float8_e4m3fnuz")


def test_to_dict_is_json_ready():
    data = info(details=(("cores", "2"),), supported_quantization=("fp8",)).to_dict()
    assert data["details"] == {"cores": "2"}
    assert data["supported_quantization"] == ["fp8"]
    assert data["evidence"] == ["2 chips"]
    assert data["device_count"] == 2
    assert data["supported_dtypes"] == ["bfloat16", "float16", "float32"]
    assert data["unusable_reason"] is None
    assert "devices" not in data  # hwcore info prints devices on their own


def test_device_info():
    device = DeviceInfo(
        index=0,
        physical_index=3,
        name="H100",
        capability=DeviceCapability(9, 0),
        total_memory=80 * 2**30,
        pci_bus_id="0000:0c:00.0",
        details=(("MIG", "off"),),
    )
    assert device.to_dict() == {
        "index": 0,
        "physical_index": 3,
        "name": "H100",
        "uuid": None,
        "capability": "9.0",
        "total_memory": 80 * 2**30,
        "architecture": None,
        "pci_bus_id": "0000:0c:00.0",
        "numa_node": None,
        "integrated": None,
        "compute_units": None,
        "details": {"MIG": "off"},
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"capability": (9, 0)}, "DeviceInfo.capability must be a DeviceCapability or None, got (9, 0)"),
        ({"uuid": ""}, "DeviceInfo.uuid must be a non-empty string, got ''"),
        ({"total_memory": -1}, "DeviceInfo.total_memory must be an integer >= 0, got -1"),
        ({"integrated": "yes"}, "DeviceInfo.integrated must be a bool or None, got 'yes'"),
        ({"numa_node": 1.5}, "DeviceInfo.numa_node must be an integer >= 0, got 1.5"),
        (
            {"details": (("tiles", 2),)},
            "DeviceInfo.details must be a tuple of (key, value) string pairs, got (('tiles', 2),)",
        ),
    ],
)
def test_device_info_validation_names_the_field(changes, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        DeviceInfo(**{"index": 0, "physical_index": 0, "name": "x", **changes})
