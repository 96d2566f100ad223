"""vLLM's class attributes from hwcore's PlatformInfo."""

from __future__ import annotations

from hwcore_vllm.attributes import class_attributes

from .conftest import platform_info


def test_every_static_fact_vllm_keeps_on_the_class_comes_from_the_record():
    info = platform_info(
        "mychip", device_type="privateuseone", dispatch_key="PrivateUse1", dist_backend="mccl",
        ray_device_key="MYCHIP", device_control_env_var="MYCHIP_VISIBLE_DEVICES",
        ray_noset_device_env_vars=("RAY_EXPERIMENTAL_NOSET_MYCHIP_VISIBLE_DEVICES",),
        additional_env_vars=("MYCHIP_LOG",), simple_compile_backend="mychip_compile",
        supported_quantization=("fp8", "awq"),
    )
    assert class_attributes(info) == {
        "device_name": "mychip",
        "device_type": "privateuseone",
        "dispatch_key": "PrivateUse1",
        "dist_backend": "mccl",
        "ray_device_key": "MYCHIP",
        "device_control_env_var": "MYCHIP_VISIBLE_DEVICES",
        "ray_noset_device_env_vars": ["RAY_EXPERIMENTAL_NOSET_MYCHIP_VISIBLE_DEVICES"],
        "additional_env_vars": ["MYCHIP_LOG"],
        "simple_compile_backend": "mychip_compile",
        "supported_quantization": ["fp8", "awq"],
    }


def test_a_platform_without_a_visibility_variable_keeps_vllms_placeholder():
    # vLLM looks the attribute up in os.environ, where None would raise TypeError.
    attributes = class_attributes(platform_info("mychip"))
    assert "device_control_env_var" not in attributes
    assert attributes["device_name"] == "mychip"
    assert attributes["ray_noset_device_env_vars"] == []
