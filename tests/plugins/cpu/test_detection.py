"""The host CPU's ``PlatformInfo`` and its one ``DeviceInfo``, from a fake machine."""

from __future__ import annotations

from hwcore.plugin_api import DeviceInfo
from hwcore_cpu.detection import cpu_device, cpu_platform_info, format_cpu_list

from .conftest import MachineFactory


def test_platform_info_of_a_two_node_machine(make_machine: MachineFactory) -> None:
    facts = make_machine(
        online="0-7", nodes={0: "0-3", 1: "4-7"}, affinity=(4, 5),
        memory_kib=(64 * 1024 * 1024, 48 * 1024 * 1024),
    ).facts()
    info = cpu_platform_info(facts)
    assert info.to_dict() == {
        "name": "cpu",
        "device_name": "cpu",
        "device_type": "cpu",
        "dispatch_key": "CPU",
        "dist_backend": "gloo",
        "device_count": 1,
        "ray_device_key": "",
        "device_control_env_var": "CPU_VISIBLE_MEMORY_NODES",
        "ray_noset_device_env_vars": [],
        "additional_env_vars": [],
        "simple_compile_backend": "inductor",
        "supported_quantization": [],
        "is_fallback": True,
        "supported_dtypes": ["bfloat16", "float16", "float32"],
        "supports_fp8": False,
        "supports_mx": False,
        "fp8_fnuz": False,
        "fp8_dtype": "float8_e4m3fn",
        # vLLM's CPU answers: host and "device" memory are the same RAM, so page-locking
        # speeds up nothing, and inference runs under no_grad.
        "pin_memory": False,
        "custom_allreduce": False,
        "fully_connected": None,
        "inference_mode": "no_grad",
        "sync_weight_loader": False,
        "device_communicator_cls": "hwcore.distributed.DeviceCommunicator",
        "unusable_reason": None,
        "evidence": [
            "host CPU 'Intel(R) Xeon(R) Platinum 8480+' (x86_64) from /proc/cpuinfo",
            "8 online CPUs, 2 usable by this process, 2 NUMA node(s)",
        ],
        "details": {
            "model": "Intel(R) Xeon(R) Platinum 8480+",
            "architecture": "x86 (x86_64)",
            "isa": "amx_bf16, amx_int8, amx_tile, avx2, avx512, avx512_bf16, avx512_fp16, "
            "avx512_vnni",
            "amx": "yes",
            "online cpus": "8 (0-7)",
            "usable cpus": "2 (4-5)",
            "numa nodes": "node0: cpus 0-3; node1: cpus 4-7",
            "memory total": "64.0 GiB",
            "memory available": "48.0 GiB",
        },
    }
    # The CPU is one device: NUMA nodes are placement (CPU_VISIBLE_MEMORY_NODES), not devices.
    assert info.devices == (cpu_device(facts),)
    assert info.backend_hints == ()


def test_the_one_device_is_the_cpu_with_no_uuid_or_capability(
    make_machine: MachineFactory,
) -> None:
    facts = make_machine(
        online="0-7", nodes={0: "0-3", 1: "4-7"}, affinity=(4, 5),
        memory_kib=(64 * 1024 * 1024, 48 * 1024 * 1024),
    ).facts()
    assert cpu_device(facts) == DeviceInfo(
        index=0,
        physical_index=0,
        name="Intel(R) Xeon(R) Platinum 8480+",
        uuid=None,
        capability=None,
        total_memory=64 << 30,
        architecture="x86 (x86_64)",
        numa_node=1,  # every usable CPU is on node 1
        integrated=True,
        compute_units=2,  # the CPUs this process may use
    )


def test_a_process_spread_over_numa_nodes_has_no_single_node(
    make_machine: MachineFactory,
) -> None:
    facts = make_machine(online="0-7", nodes={0: "0-3", 1: "4-7"}, affinity=(3, 4)).facts()
    device = cpu_device(facts)
    assert (device.numa_node, device.compute_units) == (None, 2)


def test_the_platform_computes_in_the_cpus_dtypes(make_machine: MachineFactory) -> None:
    facts = make_machine(machine="arm64", system="darwin", sysctl={}).facts()
    # Apple silicon before M2 (no FEAT_BF16): float16 first, which "auto" then means.
    assert cpu_platform_info(facts).supported_dtypes == ("float16", "float32")


def test_formats_cpu_lists_like_the_kernel() -> None:
    assert format_cpu_list((0, 1, 2, 3, 8, 10, 11)) == "0-3,8,10-11"
    assert format_cpu_list((5,)) == "5"
    assert format_cpu_list(()) == ""
