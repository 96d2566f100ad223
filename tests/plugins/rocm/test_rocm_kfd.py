"""The KFD topology in sysfs: GPU nodes, VRAM, PCI ids, NUMA, XGMI links, /dev/kfd."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hwcore_rocm import kfd
from hwcore_rocm.links import XGMI, Link

MIB = 1 << 20


@pytest.mark.parametrize(
    ("version", "architecture"),
    [(90402, "gfx942"), (90010, "gfx90a"), (90500, "gfx950"), (90008, "gfx908"),
     (110000, "gfx1100"), (110501, "gfx1151"), (120001, "gfx1201"), (120500, "gfx1250")],
)
def test_target_versions_decode_to_gfx_names(version: int, architecture: str) -> None:
    assert kfd.architecture_from_target_version(version) == architecture


def test_eight_mi300x_with_xgmi(kfd_tree: Callable[..., tuple[Path, Path]]) -> None:
    sysfs, dev = kfd_tree(["MI300X"] * 8)
    topology = kfd.read_topology(sysfs, dev)
    assert isinstance(topology, kfd.KfdTopology)
    assert topology.location == str(sysfs / "class/kfd/kfd/topology/nodes")
    assert topology.gpus[0] == kfd.KfdGpu(
        index=0, node=1, architecture="gfx942", device_id="0x74a1",
        uuid="GPU-5a2c3f1e8b7d4c00", total_memory=196592 * MIB, pci_bus_id="0000:0c:00.0",
        numa_node=0, compute_units=304,
    )
    assert [g.node for g in topology.gpus] == list(range(1, 9))  # node 0 is the CPU
    assert [g.numa_node for g in topology.gpus] == [0, 0, 0, 0, 1, 1, 1, 1]
    assert topology.gpus[7].pci_bus_id == "0000:7c:00.0"
    assert set(topology.links) == {Link(a, b, 1, XGMI) for a in range(8) for b in range(a + 1, 8)}


def test_pcie_gpus_have_no_xgmi_links(kfd_tree: Callable[..., tuple[Path, Path]]) -> None:
    sysfs, dev = kfd_tree(["RX7900XTX", "RX7900XTX"])
    topology = kfd.read_topology(sysfs, dev)
    assert isinstance(topology, kfd.KfdTopology)
    assert [(g.architecture, g.compute_units) for g in topology.gpus] == [("gfx1100", 96)] * 2
    assert topology.links == ()


def test_nodes_sort_numerically(tmp_path: Path, kfd_tree: Callable[..., tuple[Path, Path]]) -> None:
    sysfs, dev = kfd_tree(["MI210"] * 11)  # nodes 1..11: "10" must come after "9"
    topology = kfd.read_topology(sysfs, dev)
    assert isinstance(topology, kfd.KfdTopology)
    assert [g.node for g in topology.gpus] == list(range(1, 12))


def test_gpus_without_dev_kfd_are_unusable_here(kfd_tree: Callable[..., tuple[Path, Path]]) -> None:
    sysfs, dev = kfd_tree(["MI300X"] * 2, with_dev=False)
    assert kfd.read_topology(sysfs, dev) == kfd.KfdUnavailable(
        f"the KFD topology at {sysfs / 'class/kfd/kfd/topology/nodes'} lists 2 AMD GPUs, but "
        f"{dev / 'kfd'} does not exist, so no process here can use them; give the container "
        "the devices (docker run --device=/dev/kfd --device=/dev/dri)"
    )


def test_no_topology_means_no_driver(empty_roots: tuple[Path, Path]) -> None:
    sysfs, dev = empty_roots
    assert kfd.read_topology(sysfs, dev) == kfd.KfdUnavailable(
        f"no KFD topology at {sysfs / 'class/kfd/kfd/topology/nodes'} (amdgpu driver not loaded)"
    )


def test_a_topology_with_only_the_cpu_lists_no_gpu(
    kfd_tree: Callable[..., tuple[Path, Path]],
) -> None:
    sysfs, dev = kfd_tree([])
    assert kfd.read_topology(sysfs, dev) == kfd.KfdUnavailable(
        f"the KFD topology at {sysfs / 'class/kfd/kfd/topology/nodes'} lists no AMD GPU"
    )


def test_missing_facts_read_as_unknown(tmp_path: Path) -> None:
    sysfs, dev = tmp_path / "sys", tmp_path / "dev"
    node = sysfs / kfd.TOPOLOGY / "1"
    node.mkdir(parents=True)
    (node / "properties").write_text(
        "vendor_id 4098\ngfx_target_version 90402\nmarketing_name none\n"
    )
    dev.mkdir()
    (dev / "kfd").touch()
    topology = kfd.read_topology(sysfs, dev)
    assert isinstance(topology, kfd.KfdTopology)
    assert topology.gpus == (kfd.KfdGpu(0, 1, "gfx942", None, None, None, None, None, None),)


def test_another_vendors_node_is_skipped(tmp_path: Path) -> None:
    sysfs, dev = tmp_path / "sys", tmp_path / "dev"
    node = sysfs / kfd.TOPOLOGY / "1"
    node.mkdir(parents=True)
    (node / "properties").write_text("vendor_id 4318\ngfx_target_version 90402\n")
    dev.mkdir()
    assert isinstance(kfd.read_topology(sysfs, dev), kfd.KfdUnavailable)
