from __future__ import annotations

from hwcore_cpu.detection import cpu_platform_info, format_cpu_list

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


def test_formats_cpu_lists_like_the_kernel() -> None:
    assert format_cpu_list((0, 1, 2, 3, 8, 10, 11)) == "0-3,8,10-11"
    assert format_cpu_list((5,)) == "5"
    assert format_cpu_list(()) == ""
