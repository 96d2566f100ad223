"""The typed facade forwards to the same hooks an engine reaches through ``pm.hook``."""

from __future__ import annotations

import re

import pytest

import hwcore
from hwcore.host import Candidate, Host, install_host
from hwcore.records import ConfigAdjustment, DeviceCapability, EngineConfig, PlatformInfo


class Acme:
    HWCORE_CONTRACT_VERSION = "1.0"

    @hwcore.hookimpl
    def detect_platform(self):
        return PlatformInfo(
            name="acme",
            device_name="acme",
            device_type="acme",
            dispatch_key="PrivateUse1",
            dist_backend="gloo",
            device_count=2,
            evidence=("2 chips",),
            device_control_env_var="ACME_VISIBLE_CHIPS",
            supported_quantization=("fp8",),
        )

    @hwcore.hookimpl
    def get_device_name(self, device_id):
        return f"ACME {device_id}"

    @hwcore.hookimpl
    def get_device_capability(self, device_id):
        return DeviceCapability(2, 1)

    @hwcore.hookimpl
    def get_device_total_memory(self, device_id):
        return 16 * 2**30

    @hwcore.hookimpl
    def check_and_update_config(self, config):
        if config.cache.block_size is None:
            return [ConfigAdjustment("cache.block_size", None, 64, "ACME pages are 64 tokens")]
        return None

    @hwcore.hookimpl
    def log_warnings(self):
        return ["chip 1 runs hot"]


class Tuner:
    HWCORE_CONTRACT_VERSION = "1.0"

    @hwcore.hookimpl
    def check_and_update_config(self, config):
        # Sees the platform's adjustment: the facade passes the adjusted config along.
        return [
            ConfigAdjustment(
                "scheduler.max_num_seqs",
                config.scheduler.max_num_seqs,
                config.cache.block_size,
                "one sequence per token of a block",
            )
        ]


@pytest.fixture
def platform(monkeypatch):
    monkeypatch.delenv("ACME_VISIBLE_CHIPS", raising=False)
    host = Host(
        discover=lambda: [
            Candidate("acme", "hwcore.platforms", "acme", "hwcore-acme", "1.0", lambda: Acme()),
            Candidate("tuner", "hwcore.plugins", "tuner", "acme-tuner", "0.1", lambda: Tuner()),
        ],
        environ={},
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


def test_devices_combine_the_device_hooks(platform):
    devices = platform.devices()
    assert [d.to_dict() for d in devices] == [
        {
            "index": i,
            "physical_index": i,
            "name": f"ACME {i}",
            "uuid": None,
            "capability": "2.1",
            "total_memory": 16 * 2**30,
        }
        for i in range(2)
    ]
    assert platform.has_device_capability((2, 0)) and not platform.has_device_capability(22)


def test_visibility_variable_maps_logical_to_physical(platform, monkeypatch):
    monkeypatch.setenv("ACME_VISIBLE_CHIPS", "3,1")
    assert [platform.device_id_to_physical_device_id(i) for i in (0, 1)] == [3, 1]
    with pytest.raises(
        IndexError,
        match=re.escape(
            "device 2 is not visible: ACME_VISIBLE_CHIPS='3,1' makes 2 device(s) visible"
        ),
    ):
        platform.device_id_to_physical_device_id(2)
    monkeypatch.setenv("ACME_VISIBLE_CHIPS", "3,chip1")
    with pytest.raises(
        ValueError,
        match=re.escape(
            "ACME_VISIBLE_CHIPS='3,chip1': entry 'chip1' is not a device index; platform 'acme' "
            "accepts comma-separated integers"
        ),
    ):
        platform.device_id_to_physical_device_id(1)


def test_check_and_update_config_chains_and_reports_every_change(platform):
    validated = platform.check_and_update_config(EngineConfig())
    assert [str(a) for a in validated.adjustments] == [
        "cache.block_size: None -> 64 (ACME pages are 64 tokens)",
        "scheduler.max_num_seqs: 256 -> 64 (one sequence per token of a block)",
    ]
    assert (validated.config.cache.block_size, validated.config.scheduler.max_num_seqs) == (64, 64)


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


def test_simple_defaults(platform):
    assert platform.log_warnings() == ["chip 1 runs hot"]
    assert (platform.supports_fp8(), platform.supports_mx(), platform.is_fp8_fnuz()) == (
        False,
        False,
        False,
    )
    assert platform.fp8_dtype() == "float8_e4m3fn"
    assert platform.is_fully_connected([0, 1]) is False
    assert platform.use_custom_allreduce() is False
    assert platform.get_device_communicator_cls() is None
    assert platform.get_device_count() == 2
    with pytest.raises(
        NotImplementedError,
        match=re.escape(
            "platform 'acme' (hwcore-acme 1.0) does not implement stateless_init_device_torch_dist_pg"
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


def test_pin_memory_default_and_attention_through_pm_hook(platform):
    pm = hwcore.get_plugin_manager()
    assert pm.hook.is_pin_memory_available() is True  # not WSL
    # The core registers TORCH_SDPA through register_attention_backends; with no priority
    # list of its own, the platform gets the core default walk, which finds it for "acme".
    path = pm.hook.get_attn_backend_cls(
        selected_backend=None,
        head_size=64,
        dtype="float16",
        kv_cache_dtype=None,
        block_size=None,
        use_mla=False,
        has_sink=False,
        use_sparse=False,
    )
    assert path == "hwcore.attention.torch_sdpa.TorchSDPABackend"
