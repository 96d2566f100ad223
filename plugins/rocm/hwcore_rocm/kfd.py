"""AMD GPUs from the KFD topology in sysfs, for when amdsmi cannot be used.

The amdgpu driver's compute interface (KFD) describes every agent of the node under
``<sysfs>/class/kfd/kfd/topology/nodes/<n>/``: ``properties`` (``key value`` lines),
``mem_banks/*/properties`` and ``io_links/*/properties``. CPU agents are nodes too;
a GPU node has the AMD vendor id and a non-zero ``gfx_target_version``. The node order
is the order in which the ROCm runtime enumerates agents, so it is also HIP's order.

Reading it needs no library and no device access, so the answer is only "present" when
``<dev>/kfd`` exists too: a container sees the host's sysfs, but without that device node
no process in it can use the GPUs. Both roots are parameters, set from
``HWCORE_SYSFS_ROOT`` and ``HWCORE_DEV_ROOT``. Paths are strings and ``os`` calls:
pathlib costs start-up time that every process importing the plugin would pay.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hwcore_rocm.links import XGMI, Link

StrPath = str | os.PathLike[str]

TOPOLOGY = "class/kfd/kfd/topology/nodes"
AMD_VENDOR_ID = 4098  # 0x1002
_IOLINK_XGMI = 11  # CRAT_IOLINK_TYPE_XGMI in the kernel's kfd_crat.h
_VRAM_HEAPS = (1, 2)  # HSA_MEM_HEAP_TYPE_FB_PUBLIC, FB_PRIVATE


@dataclass(frozen=True)
class KfdGpu:
    """One GPU node; ``index`` is its position among the GPU nodes (HIP's order).
    ``None``: the topology does not say."""

    index: int
    node: int
    architecture: str
    device_id: str | None
    uuid: str | None
    total_memory: int | None
    pci_bus_id: str | None
    numa_node: int | None
    compute_units: int | None


@dataclass(frozen=True)
class KfdTopology:
    """The GPU nodes and the direct XGMI links between them."""

    gpus: tuple[KfdGpu, ...]
    links: tuple[Link, ...]
    location: str


@dataclass(frozen=True)
class KfdUnavailable:
    """Why the KFD topology shows no usable GPU."""

    reason: str


def read_topology(sysfs: StrPath, dev: StrPath) -> KfdTopology | KfdUnavailable:
    """Every AMD GPU node under ``sysfs``, or why there is none this process can use."""
    nodes_dir = os.path.join(sysfs, TOPOLOGY)
    try:
        node_names = sorted((n for n in os.listdir(nodes_dir) if n.isdigit()), key=int)
    except OSError:
        return KfdUnavailable(f"no KFD topology at {nodes_dir} (amdgpu driver not loaded)")
    node_dirs = [os.path.join(nodes_dir, name) for name in node_names]
    gpus: list[KfdGpu] = []
    gpu_index_by_node: dict[int, int] = {}
    for node_dir in node_dirs:
        gpu = _read_gpu(sysfs, node_dir, len(gpus))
        if gpu is not None:
            gpu_index_by_node[gpu.node] = gpu.index
            gpus.append(gpu)
    if not gpus:
        return KfdUnavailable(f"the KFD topology at {nodes_dir} lists no AMD GPU")
    device = os.path.join(dev, "kfd")
    if not os.path.exists(device):
        return KfdUnavailable(
            f"the KFD topology at {nodes_dir} lists {_count(len(gpus))}, but {device} "
            "does not exist, so no process here can use them; give the container the "
            "devices (docker run --device=/dev/kfd --device=/dev/dri)"
        )
    links = _xgmi_links(node_dirs, gpu_index_by_node)
    return KfdTopology(tuple(gpus), links, nodes_dir)


def architecture_from_target_version(version: int) -> str:
    """``"gfx942"`` from ``90402``: major * 10000 + minor * 100 + stepping, the minor and
    stepping written as hex digits (``90010`` is ``gfx90a``)."""
    major, minor, stepping = version // 10000, version // 100 % 100, version % 100
    return f"gfx{major}{minor:x}{stepping:x}"


def _read_gpu(sysfs: StrPath, node_dir: str, index: int) -> KfdGpu | None:
    properties = _properties(os.path.join(node_dir, "properties"))
    target = properties.get("gfx_target_version", 0)
    if properties.get("vendor_id") != AMD_VENDOR_ID or target <= 0:
        return None  # a CPU agent, or another vendor's device
    bus_id = _pci_bus_id(properties)
    simds, per_cu = properties.get("simd_count", 0), properties.get("simd_per_cu", 0)
    unique_id = properties.get("unique_id", 0)
    device_id = properties.get("device_id")
    return KfdGpu(
        index=index,
        node=int(os.path.basename(node_dir)),
        architecture=architecture_from_target_version(target),
        device_id=None if device_id is None else f"0x{device_id:04x}",
        # The ROCm runtime's UUID, as ROCR_VISIBLE_DEVICES and rocminfo write it.
        uuid=f"GPU-{unique_id:016x}" if unique_id else None,
        total_memory=_vram(node_dir) or None,
        pci_bus_id=bus_id,
        numa_node=None if bus_id is None else _numa_node(sysfs, bus_id),
        compute_units=simds // per_cu if simds and per_cu else None,
    )


def _pci_bus_id(properties: dict[str, int]) -> str | None:
    location = properties.get("location_id")
    if not location:
        return None
    bus, device, function = location >> 8 & 0xFF, location >> 3 & 0x1F, location & 0x7
    return f"{properties.get('domain', 0):04x}:{bus:02x}:{device:02x}.{function:x}"


def _numa_node(sysfs: StrPath, bus_id: str) -> int | None:
    try:
        with open(os.path.join(sysfs, "bus/pci/devices", bus_id, "numa_node")) as file:
            node = int(file.read())
    except (OSError, ValueError):
        return None
    return node if node >= 0 else None  # -1: the platform has no NUMA information


def _vram(node_dir: str) -> int:
    total = 0
    for bank in _entries(node_dir, "mem_banks"):
        properties = _properties(bank)
        if properties.get("heap_type") in _VRAM_HEAPS:
            total += properties.get("size_in_bytes", 0)
    return total


def _xgmi_links(node_dirs: list[str], gpu_index_by_node: dict[int, int]) -> tuple[Link, ...]:
    # KFD lists only direct links, so an XGMI io_link between two GPUs is one hop.
    pairs: set[tuple[int, int]] = set()
    for node_dir in node_dirs:
        for link_file in _entries(node_dir, "io_links"):
            link = _properties(link_file)
            first = gpu_index_by_node.get(link.get("node_from", -1))
            second = gpu_index_by_node.get(link.get("node_to", -1))
            if link.get("type") == _IOLINK_XGMI and first is not None and second is not None:
                pairs.add((min(first, second), max(first, second)))
    return tuple(Link(first, second, 1, XGMI) for first, second in sorted(pairs))


def _entries(node_dir: str, kind: str) -> list[str]:
    """The ``properties`` files of a node's ``mem_banks`` or ``io_links``."""
    folder = os.path.join(node_dir, kind)
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [os.path.join(folder, name, "properties") for name in names]


def _properties(path: str) -> dict[str, int]:
    """``key value`` lines with integer values; an unreadable file reads as empty."""
    try:
        with open(path) as file:
            text = file.read()
    except OSError:
        return {}
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.strip().partition(" ")
        try:
            values[key] = int(value.strip())
        except ValueError:
            continue  # a property hwcore does not read
    return values


def _count(gpus: int) -> str:
    return "1 AMD GPU" if gpus == 1 else f"{gpus} AMD GPUs"
