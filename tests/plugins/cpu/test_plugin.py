"""The plugin through a real host: resolution, device queries, dtypes, config, warnings."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable

import pytest

import hwcore
import hwcore_cpu.plugin
from hwcore.errors import UnsupportedDtypeError
from hwcore.host import Candidate, Host
from hwcore.records import EngineConfig, PlatformInfo
from hwcore_cpu.facts import read_memory

from .conftest import MachineFactory

InstallHost = Callable[..., Host]


class FakeAccelerator:
    """An accelerator platform that is always present."""

    HWCORE_CONTRACT_VERSION = "1.0"

    @hwcore.hookimpl
    def detect_platform(self) -> PlatformInfo:
        return PlatformInfo(
            name="fakeaccel", device_name="fakeaccel", device_type="fakeaccel",
            dispatch_key="PrivateUse1", dist_backend="gloo", device_count=1,
            evidence=("fake accelerator always present",),
        )


def accelerator_candidate() -> Candidate:
    plugin = FakeAccelerator()
    return Candidate(
        "fakeaccel", "hwcore.platforms", "tests:FakeAccelerator", "hwcore-fakeaccel", "0.0.1",
        load=lambda: plugin,
    )


def test_declares_the_contract_version() -> None:
    assert hwcore_cpu.plugin.HWCORE_CONTRACT_VERSION == hwcore.CONTRACT_VERSION


def test_cpu_alone_is_the_fallback_platform(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    platform = hwcore.current_platform()
    assert platform.name == "cpu"
    assert platform.info.is_fallback
    assert platform.provider == "hwcore-cpu 0.1.0"


def test_cpu_steps_aside_for_an_accelerator(install_cpu_host: InstallHost) -> None:
    host = install_cpu_host(accelerator_candidate())
    assert hwcore.current_platform().name == "fakeaccel"
    assert host.report.decision.startswith("fakeaccel")


def test_forced_cpu_wins_over_an_accelerator(install_cpu_host: InstallHost) -> None:
    install_cpu_host(accelerator_candidate(), environ={"HWCORE_PLATFORM": "cpu"})
    assert hwcore.current_platform().name == "cpu"


def test_device_queries(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    platform = hwcore.current_platform()
    facts = hwcore_cpu.plugin.host_facts()
    assert platform.get_device_count() == 1
    assert platform.get_device_name(0) == facts.model_name
    assert platform.device_id_to_physical_device_id(0) == 0
    total = platform.get_device_total_memory(0)
    assert total == read_memory(hwcore_cpu.plugin._PROC).total
    assert 0 < platform.get_current_memory_usage(0) < total
    assert not platform.is_pin_memory_available()
    [device] = platform.devices()
    assert device.uuid is None
    assert device.capability is None


def test_a_second_cpu_device_does_not_exist(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    message = (
        "CPU device 1 does not exist: the host CPU is the one device, id 0 (NUMA nodes are "
        "placement, set with CPU_VISIBLE_MEMORY_NODES, not devices)"
    )
    with pytest.raises(IndexError, match=f"^{re.escape(message)}$"):
        hwcore.current_platform().get_device_name(1)


def test_dtypes(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    platform = hwcore.current_platform()
    facts = hwcore_cpu.plugin.host_facts()
    assert platform.supported_dtypes == list(facts.dtypes)
    platform.check_if_supports_dtype("bf16")
    message = (
        f"float8_e4m3fn is not supported on this {facts.architecture.value} CPU "
        f"({facts.model_name}); use {facts.dtypes[0]} (supported: {', '.join(facts.dtypes)})"
    )
    with pytest.raises(UnsupportedDtypeError, match=f"^{re.escape(message)}$"):
        platform.check_if_supports_dtype("float8_e4m3fn")


def test_check_and_update_config_through_the_facade(
    install_cpu_host: InstallHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HWCORE_CPU_KVCACHE_SPACE", "1GiB")
    install_cpu_host()
    validated = hwcore.current_platform().check_and_update_config(EngineConfig())
    assert validated.config.cache.block_size == 128
    assert validated.config.cache.kv_cache_memory_bytes == 1 << 30
    assert validated.config.compilation.cudagraph_mode == "none"
    assert {a.field for a in validated.adjustments} >= {"cache.block_size", "parallel.worker_cls"}


def test_warns_about_visible_memory_nodes_the_machine_lacks(make_machine: MachineFactory) -> None:
    facts = make_machine(online="0-3", nodes={0: "0-1", 1: "2-3"}).facts()
    warn = hwcore_cpu.plugin.visible_memory_node_warnings
    assert warn(facts, "") == []
    assert warn(facts, "0-1") == []
    assert warn(facts, "1,3") == [
        "CPU_VISIBLE_MEMORY_NODES='1,3' names NUMA node(s) 3 that this machine lacks; it has 0, 1"
    ]
    assert warn(facts, "all") == [
        "CPU_VISIBLE_MEMORY_NODES='all' is not a node list such as '0,1' or '0-1'; this "
        "machine has NUMA node(s) 0, 1"
    ]


def test_log_warnings_reads_the_process_environment(
    install_cpu_host: InstallHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CPU_VISIBLE_MEMORY_NODES", "0,99")
    install_cpu_host()
    [warning] = hwcore.current_platform().log_warnings()
    assert warning.startswith("CPU_VISIBLE_MEMORY_NODES='0,99' names NUMA node(s) 99")


def test_importing_the_plugin_imports_neither_torch_nor_psutil() -> None:
    code = (
        "import sys, hwcore_cpu.plugin as p; p.detect_platform(); "
        "print(sorted(m for m in ('torch', 'psutil') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
