from __future__ import annotations

import dataclasses
import re

import pytest

from hwcore.records import DeviceCapability, DeviceInfo, PlatformInfo


def info(**changes):
    fields = dict(
        name="acme",
        device_name="acme",
        device_type="acme",
        dispatch_key="PrivateUse1",
        dist_backend="gloo",
        device_count=2,
        evidence=("2 chips",),
    )
    return PlatformInfo(**{**fields, **changes})


def test_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        info().name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "PlatformInfo.name must be a non-empty string, got ''"),
        ({"device_count": -1}, "PlatformInfo.device_count must be an integer >= 0, got -1"),
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
        (
            {"details": (("cores", 2),)},
            "PlatformInfo.details must be a tuple of (key, value) string pairs, got (('cores', 2),)",
        ),
    ],
)
def test_validation_names_the_field(changes, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        info(**changes)


def test_to_dict_is_json_ready():
    data = info(details=(("cores", "2"),), supported_quantization=("fp8",)).to_dict()
    assert data["details"] == {"cores": "2"}
    assert data["supported_quantization"] == ["fp8"]
    assert data["evidence"] == ["2 chips"]


def test_device_info():
    device = DeviceInfo(
        index=0,
        physical_index=3,
        name="H100",
        capability=DeviceCapability(9, 0),
        total_memory=80 * 2**30,
    )
    assert device.to_dict() == {
        "index": 0,
        "physical_index": 3,
        "name": "H100",
        "uuid": None,
        "capability": "9.0",
        "total_memory": 80 * 2**30,
    }
    with pytest.raises(
        ValueError, match=re.escape("DeviceInfo.capability must be a DeviceCapability, got (9, 0)")
    ):
        DeviceInfo(index=0, physical_index=0, name="x", capability=(9, 0))  # type: ignore[arg-type]
