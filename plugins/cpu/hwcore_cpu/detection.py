"""The ``PlatformInfo`` of the host CPU, built from its ``CpuFacts``."""

from __future__ import annotations

from hwcore.plugin_api import DeviceInfo, PlatformInfo, format_bytes
from hwcore_cpu.facts import CpuFacts, NumaNode

PLATFORM_NAME = "cpu"
DEVICE_CONTROL_ENV_VAR = "CPU_VISIBLE_MEMORY_NODES"



def cpu_platform_info(facts: CpuFacts) -> PlatformInfo:
    """The CPU platform: one device (torch has a single ``cpu`` device, and a tensor cannot
    be placed on a NUMA node by index; NUMA nodes are where workers are pinned, with
    ``CPU_VISIBLE_MEMORY_NODES``, so they are facts, not devices)."""
    return PlatformInfo(
        name=PLATFORM_NAME,
        device_name="cpu",
        device_type="cpu",
        dispatch_key="CPU",
        dist_backend="gloo",
        devices=(cpu_device(facts),),
        device_control_env_var=DEVICE_CONTROL_ENV_VAR,
        is_fallback=True,
        supported_dtypes=facts.dtypes,
        # vLLM's CPU answers: host and "device" memory are the same RAM, so page-locking
        # speeds up no transfer, and inference runs under no_grad.
        pin_memory=False,
        inference_mode="no_grad",
        evidence=_evidence(facts),
        details=_details(facts),
    )


def cpu_device(facts: CpuFacts) -> DeviceInfo:
    """The one CPU device: no UUID, no compute capability; its memory is system memory."""
    nodes = facts.allowed_nodes
    return DeviceInfo(
        index=0,
        physical_index=0,
        name=facts.model_name,
        total_memory=facts.memory.total,
        architecture=f"{facts.architecture.value} ({facts.machine})",
        numa_node=nodes[0].node_id if len(nodes) == 1 else None,
        integrated=True,
        compute_units=len(facts.allowed_cpus),
    )


def _evidence(facts: CpuFacts) -> tuple[str, ...]:
    return (
        f"host CPU {facts.model_name!r} ({facts.machine}) from /proc/cpuinfo",
        f"{len(facts.online_cpus)} online CPUs, {len(facts.allowed_cpus)} usable by this "
        f"process, {len(facts.numa_nodes)} NUMA node(s)",
    )


def _details(facts: CpuFacts) -> tuple[tuple[str, str], ...]:
    return (
        ("model", facts.model_name),
        ("architecture", f"{facts.architecture.value} ({facts.machine})"),
        ("isa", ", ".join(facts.isa) or "none of the tracked features"),
        ("amx", "yes" if facts.has_amx else "no"),
        ("online cpus", f"{len(facts.online_cpus)} ({format_cpu_list(facts.online_cpus)})"),
        ("usable cpus", f"{len(facts.allowed_cpus)} ({format_cpu_list(facts.allowed_cpus)})"),
        ("numa nodes", "; ".join(_describe_node(node) for node in facts.numa_nodes)),
        ("memory total", format_bytes(facts.memory.total)),
        ("memory available", format_bytes(facts.memory.available)),
    )


def _describe_node(node: NumaNode) -> str:
    return f"node{node.node_id}: cpus {format_cpu_list(node.cpus) or 'none'}"


def format_cpu_list(cpus: tuple[int, ...]) -> str:
    """``"0-3,8"`` for ``(0, 1, 2, 3, 8)``: the kernel's list format."""
    ranges: list[str] = []
    start = previous = None
    for cpu in sorted(cpus):
        if start is not None and previous is not None and cpu == previous + 1:
            previous = cpu
            continue
        if start is not None:
            ranges.append(_span(start, previous))
        start = previous = cpu
    if start is not None:
        ranges.append(_span(start, previous))
    return ",".join(ranges)


def _span(start: int, end: int | None) -> str:
    return str(start) if end is None or end == start else f"{start}-{end}"
