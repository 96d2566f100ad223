"""The plugin through a real host: resolution, device facts and queries, dtypes, config,
warnings; every hook reads the host's environment, never the process's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable

import pytest

import hwcore
import hwcore_cpu.plugin
from hwcore.errors import UnsupportedDtypeError
from hwcore.host import Candidate, Host
from hwcore.plugin_api import DeviceInfo, EngineConfig, PlatformInfo, hookimpl
from hwcore_cpu.facts import read_memory

from .conftest import MachineFactory

InstallHost = Callable[..., Host]
NOT_A_DEVICE = (
    "CPU device {} does not exist: the host CPU is the one device, id 0 (NUMA nodes are "
    "placement, set with CPU_VISIBLE_MEMORY_NODES, not devices)"
)


class FakeAccelerator:
    """An accelerator platform that is always present."""

    HWCORE_CONTRACT_VERSION = "2.0"

    @hookimpl
    def detect_platform(self) -> PlatformInfo:
        return PlatformInfo(
            name="fakeaccel", device_name="fakeaccel", device_type="fakeaccel",
            dispatch_key="PrivateUse1", dist_backend="gloo",
            devices=(DeviceInfo(index=0, physical_index=0, name="Fake Accelerator"),),
            evidence=("fake accelerator always present",),
        )


def accelerator_candidate() -> Candidate:
    plugin = FakeAccelerator()
    return Candidate(
        "fakeaccel", "hwcore.platforms", "tests:FakeAccelerator", "hwcore-fakeaccel", "0.0.1",
        load=lambda: plugin,
    )


def test_declares_the_contract_version() -> None:
    assert hwcore_cpu.plugin.HWCORE_CONTRACT_VERSION == hwcore.CONTRACT_VERSION == "2.0"


def test_cpu_alone_is_the_fallback_platform(install_cpu_host: InstallHost) -> None:
    host = install_cpu_host()
    platform = hwcore.current_platform()
    assert platform.name == "cpu"
    assert platform.info.is_fallback
    assert platform.provider == "hwcore-cpu 0.1.0"
    assert host.report.decision == "cpu: fallback, no accelerator platform detected its hardware"


def test_cpu_steps_aside_for_an_accelerator(install_cpu_host: InstallHost) -> None:
    host = install_cpu_host(accelerator_candidate())
    assert hwcore.current_platform().name == "fakeaccel"
    assert host.report.decision == (
        "fakeaccel: the only accelerator detected (fake accelerator always present)"
    )


def test_forced_cpu_wins_over_an_accelerator(install_cpu_host: InstallHost) -> None:
    host = install_cpu_host(accelerator_candidate(), environ={"HWCORE_PLATFORM": "cpu"})
    assert hwcore.current_platform().name == "cpu"
    assert host.report.decision == "cpu: forced by HWCORE_PLATFORM=cpu"


def test_detection_is_the_machines_facts() -> None:
    facts = hwcore_cpu.plugin.host_facts()
    info = hwcore_cpu.plugin.detect_platform()
    assert info == hwcore_cpu.plugin.detect_platform()  # read once, the same answer
    assert info.supported_dtypes == facts.dtypes
    [device] = info.devices
    assert (device.name, device.total_memory) == (facts.model_name, facts.memory.total)


def test_device_facts_and_queries(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    platform = hwcore.current_platform()
    facts = hwcore_cpu.plugin.host_facts()
    assert platform.get_device_count() == 1
    assert platform.get_device_name(0) == facts.model_name
    assert platform.device_id_to_physical_device_id(0) == 0
    total = platform.get_device_total_memory(0)
    assert total == read_memory(hwcore_cpu.plugin._PROC).total
    assert 0 < platform.get_current_memory_usage(0) < total
    assert 0 < platform.get_device_free_memory(0) <= total
    assert platform.is_pin_memory_available() is False
    assert platform.info.inference_mode == "no_grad"
    assert platform.get_device_uuid(0) is None
    assert platform.get_device_capability(0) is None
    assert platform.has_device_capability((1, 0)) is False
    assert platform.is_integrated_gpu(0) is True
    assert platform.num_compute_units(0) == len(facts.allowed_cpus)
    assert platform.supports_fp8() is False
    assert platform.use_custom_allreduce() is False
    assert platform.is_fully_connected([0]) is False
    assert platform.get_device_communicator_cls() == "hwcore.distributed.DeviceCommunicator"


def test_a_second_cpu_device_does_not_exist(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    platform = hwcore.current_platform()
    for query in (platform.get_current_memory_usage, platform.get_device_free_memory):
        with pytest.raises(IndexError, match=f"^{re.escape(NOT_A_DEVICE.format(1))}$"):
            query(1)
    message = "cpu device 1 is not visible: this process sees 1 device(s); use an index from 0 to 0"
    with pytest.raises(IndexError, match=f"^{re.escape(message)}$"):
        platform.get_device_name(1)


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
    with pytest.raises(UnsupportedDtypeError, match=f"^{re.escape(message)}$"):
        hwcore.get_plugin_manager().hook.check_if_supports_dtype(dtype="float8_e4m3fn")


def test_check_and_update_config_reads_the_hosts_environment(
    install_cpu_host: InstallHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HWCORE_CPU_KVCACHE_SPACE", "2GiB")  # the process's: not read
    install_cpu_host(environ={"HWCORE_CPU_KVCACHE_SPACE": "1GiB"})
    validated = hwcore.current_platform().check_and_update_config(EngineConfig())
    assert validated.config.cache.block_size == 128
    assert validated.config.cache.kv_cache_memory_bytes == 1 << 30
    assert validated.config.compilation.cudagraph_mode == "none"
    assert [a.field for a in validated.adjustments] == [
        "cache.block_size", "compilation.cudagraph_mode", "compilation.cudagraph_capture_sizes",
        "compilation.mode", "parallel.worker_cls", "cache.kv_cache_memory_bytes",
    ]
    assert validated.adjustments[-1].reason == "1.0 GiB, from HWCORE_CPU_KVCACHE_SPACE='1GiB'"
    # pm.hook and the facade are the same call, with the same answer.
    hook = hwcore.get_plugin_manager().hook.check_and_update_config
    assert hook(config=EngineConfig()) == validated


def test_warns_about_visible_memory_nodes_the_machine_lacks(make_machine: MachineFactory) -> None:
    facts = make_machine(online="0-3", nodes={0: "0-1", 1: "2-3"}).facts()
    warn = hwcore_cpu.plugin.visible_memory_node_warnings
    assert warn(facts, {}) == []
    assert warn(facts, {"CPU_VISIBLE_MEMORY_NODES": ""}) == []
    assert warn(facts, {"CPU_VISIBLE_MEMORY_NODES": "0-1"}) == []
    assert warn(facts, {"CPU_VISIBLE_MEMORY_NODES": "1,3"}) == [
        "CPU_VISIBLE_MEMORY_NODES='1,3' names NUMA node(s) 3 that this machine lacks; it has 0, 1"
    ]
    assert warn(facts, {"CPU_VISIBLE_MEMORY_NODES": "all"}) == [
        "CPU_VISIBLE_MEMORY_NODES='all' is not a node list such as '0,1' or '0-1'; this "
        "machine has NUMA node(s) 0, 1"
    ]


def test_log_warnings_reads_the_hosts_environment(
    install_cpu_host: InstallHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CPU_VISIBLE_MEMORY_NODES", "0,98")  # the process's: not read
    install_cpu_host(environ={"CPU_VISIBLE_MEMORY_NODES": "0,99"})
    known = ", ".join(str(n.node_id) for n in hwcore_cpu.plugin.host_facts().numa_nodes)
    assert hwcore.current_platform().log_warnings() == [
        f"CPU_VISIBLE_MEMORY_NODES='0,99' names NUMA node(s) 99 that this machine lacks; it "
        f"has {known}"
    ]


def test_importing_and_detecting_imports_neither_torch_nor_psutil() -> None:
    code = (
        "import os, sys, hwcore_cpu.plugin as p; p.detect_platform(); "
        "import hwcore; platform = hwcore.current_platform(); platform.devices(); "
        "platform.log_warnings(); platform.get_device_free_memory(0); "
        "print(sorted(m for m in ('torch', 'psutil') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "HWCORE_PLATFORM": "cpu"}, timeout=120,
    )
    assert result.stdout.strip() == "[]"
