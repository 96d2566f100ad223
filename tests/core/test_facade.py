"""The typed facade: facts from the records, questions through the same hooks as ``pm.hook``."""

from __future__ import annotations

import re

import pytest

import hwcore
from hwcore.distributed import InvalidProcessGroupError
from hwcore.host import Candidate, Host, install_host
from hwcore.records import (
    AttentionRequest,
    ConfigAdjustment,
    DeviceCapability,
    DeviceInfo,
    EngineConfig,
    PlatformInfo,
)


class Acme:
    HWCORE_CONTRACT_VERSION = "2.0"

    @hwcore.hookimpl
    def detect_platform(self, environ):
        devices = tuple(
            DeviceInfo(
                index=logical, physical_index=physical, name=f"ACME {physical}",
                capability=DeviceCapability(2, 1), total_memory=16 * 2**30,
                uuid=None if physical == 3 else f"ACME-{physical}",
            )
            for logical, physical in enumerate((3, 1))
        )
        return PlatformInfo(
            name="acme", device_name="acme", device_type="acme", dispatch_key="PrivateUse1",
            dist_backend="gloo", devices=devices, evidence=("2 chips",),
            device_control_env_var="ACME_VISIBLE_CHIPS", supported_quantization=("fp8",),
            supports_fp8=True, fully_connected=True, custom_allreduce=True, pin_memory=False,
        )

    @hwcore.hookimpl
    def check_and_update_config(self, config, platform):
        if config.cache.block_size is None:
            reason = f"ACME pages are 64 tokens on {platform.get_device_count()} chips"
            return [ConfigAdjustment("cache.block_size", None, 64, reason)]
        return None

    @hwcore.hookimpl
    def log_warnings(self, platform):
        return [f"chip {platform.device(1).physical_index} runs hot"]


class Tuner:
    HWCORE_CONTRACT_VERSION = "2.0"

    @hwcore.hookimpl
    def check_and_update_config(self, config):
        # Each plugin answers for the config it is given, not for the platform's result.
        return [ConfigAdjustment("scheduler.max_num_seqs", 256, 64, "fewer, longer sequences")]


@pytest.fixture
def platform():
    host = Host(
        discover=lambda: [
            Candidate("acme", "hwcore.platforms", "acme", "hwcore-acme", "1.0", lambda: Acme()),
            Candidate("tuner", "hwcore.plugins", "tuner", "acme-tuner", "0.1", lambda: Tuner()),
        ],
        environ={"ACME_VISIBLE_CHIPS": "3,1"},
    )
    install_host(host)
    yield hwcore.current_platform()
    hwcore.reset()


def test_facts_come_from_platform_info(platform):
    assert (platform.name, platform.dispatch_key, platform.dist_backend) == (
        "acme",
        "PrivateUse1",
        "gloo",
    )
    assert platform.provider == "hwcore-acme 1.0"
    assert repr(platform) == "<hwcore Platform 'acme' from hwcore-acme 1.0>"
    assert platform.environ == {"ACME_VISIBLE_CHIPS": "3,1"}
    assert (platform.supports_fp8(), platform.supports_mx(), platform.is_fp8_fnuz()) == (
        True, False, False,
    )
    assert platform.fp8_dtype() == "float8_e4m3fn"
    assert platform.is_pin_memory_available() is False
    assert platform.use_custom_allreduce() is True
    assert platform.get_device_communicator_cls() == "hwcore.distributed.DeviceCommunicator"
    assert platform.supported_dtypes == ["bfloat16", "float16", "float32"]


def test_device_questions_read_the_device_records(platform):
    assert platform.get_device_count() == 2
    assert [platform.get_device_name(i) for i in (0, 1)] == ["ACME 3", "ACME 1"]
    assert [platform.device_id_to_physical_device_id(i) for i in (0, 1)] == [3, 1]
    assert platform.get_device_uuid(0) is None  # unknown, not "not implemented"
    assert platform.get_device_uuid(1) == "ACME-1"
    assert platform.get_device_total_memory(1) == 16 * 2**30
    assert platform.get_device_capability(0) == DeviceCapability(2, 1)
    assert platform.has_device_capability((2, 0)) and not platform.has_device_capability(22)
    assert platform.is_integrated_gpu(0) is False
    assert platform.num_compute_units(0) is None
    assert platform.devices() == list(platform.info.devices)


def test_a_device_that_is_not_visible_is_an_index_error_naming_the_variable(platform):
    message = (
        "acme device 2 is not visible: this process sees 2 device(s) with "
        "ACME_VISIBLE_CHIPS='3,1'; use an index from 0 to 1"
    )
    with pytest.raises(IndexError, match=f"^{re.escape(message)}$"):
        platform.get_device_name(2)
    with pytest.raises(IndexError, match=re.escape("acme device -1 is not visible")):
        platform.device(-1)


def test_check_and_update_config_is_the_hook_call_and_reports_every_change(platform):
    validated = platform.check_and_update_config(EngineConfig())
    assert [str(a) for a in validated.adjustments] == [
        "cache.block_size: None -> 64 (ACME pages are 64 tokens on 2 chips)",
        "scheduler.max_num_seqs: 256 -> 64 (fewer, longer sequences)",
    ]
    assert (validated.config.cache.block_size, validated.config.scheduler.max_num_seqs) == (64, 64)
    assert hwcore.get_plugin_manager().hook.check_and_update_config(config=EngineConfig()) == (
        validated
    )


def test_core_default_rules_for_dtypes_and_quantization(platform):
    platform.check_if_supports_dtype("bf16")
    with pytest.raises(
        hwcore.UnsupportedDtypeError,
        match=re.escape("float64 is not supported on acme; use one of: bfloat16, float16, float32"),
    ):
        platform.check_if_supports_dtype("float64")
    platform.verify_quantization("fp8")
    with pytest.raises(
        hwcore.InvalidConfigError,
        match=re.escape("awq quantization is not supported on acme; use one of: fp8"),
    ):
        platform.verify_quantization("awq")
    platform.verify_model_arch("LlamaForCausalLM")
    assert platform.check_max_model_len(8192) == 8192


def test_dynamic_questions_go_through_the_hooks(platform):
    assert platform.log_warnings() == ["chip 1 runs hot"]
    assert platform.is_fully_connected([1, 3]) is True  # every visible device: the record says
    assert platform.is_fully_connected([1, 5]) is False  # device 5 is not visible: unknown
    # A plugin that leaves the process group out gets the core's: it checks its arguments
    # before any connection is made.
    with pytest.raises(
        InvalidProcessGroupError,
        match=re.escape(
            "timeout=None is not a positive datetime.timedelta: pass e.g. "
            "datetime.timedelta(seconds=60); it bounds how long a collective waits for a peer"
        ),
    ):
        platform.stateless_init_device_torch_dist_pg("gloo", None, 0, 1, None)
    with pytest.raises(
        NotImplementedError,
        match=re.escape(
            "platform 'acme' (hwcore-acme 1.0) does not implement get_current_memory_usage"
        ),
    ):
        platform.get_current_memory_usage()


def test_attention_through_pm_hook_and_the_facade_agree(platform):
    request = AttentionRequest(head_size=64, dtype="float16")
    pm = hwcore.get_plugin_manager()
    # The core registers TORCH_SDPA; with no priority of its own, the platform gets the
    # core default walk, which finds it for "acme".
    path = pm.hook.get_attn_backend_cls(selected_backend=None, request=request)
    assert path == "hwcore.attention.torch_sdpa.TorchSDPABackend"
    assert platform.get_attn_backend_cls(None, request) == path
    assert platform.get_attn_backend_spec(None, request).name == "TORCH_SDPA"


def test_the_facade_does_not_resolve_until_used():
    calls = []

    class Counting(Acme):
        @hwcore.hookimpl
        def detect_platform(self, environ):
            calls.append("detect")
            return super().detect_platform(environ)

    host = Host(
        discover=lambda: [
            Candidate("acme", "hwcore.platforms", "acme", "hwcore-acme", "1.0", Counting)
        ],
        environ={},
    )
    facade = host.platform()
    assert repr(facade) == "<hwcore Platform (not resolved yet)>"
    assert calls == []
    assert facade.name == "acme"
    assert calls == ["detect"]
