"""TPU device nodes under a fake /dev: only /dev/accel<N> and /dev/vfio/<N> count."""

from __future__ import annotations

from pathlib import Path

from hwcore_tpu.device_nodes import DeviceNodes, scan_device_nodes


def test_accel_and_vfio_nodes(tmp_path: Path) -> None:
    for name in ("accel0", "accel1", "accel2", "accel3", "null"):
        (tmp_path / name).touch()
    nodes = scan_device_nodes(str(tmp_path))
    assert nodes == DeviceNodes(accel=(0, 1, 2, 3), vfio=())
    assert nodes.total == 4
    assert nodes.describe(str(tmp_path)) == f"{tmp_path}/accel0-3"


def test_vfio_groups_are_numbered_nodes_not_the_container(tmp_path: Path) -> None:
    (tmp_path / "vfio").mkdir()
    for name in ("vfio", "0", "1", "3", "noiommu-2"):
        (tmp_path / "vfio" / name).touch()
    nodes = scan_device_nodes(str(tmp_path))
    assert nodes == DeviceNodes(accel=(), vfio=(0, 1, 3))
    assert nodes.describe(str(tmp_path)) == f"{tmp_path}/vfio/0,1,3"


def test_the_accel_subsystem_directory_of_other_npus_is_not_a_tpu(tmp_path: Path) -> None:
    (tmp_path / "accel").mkdir()
    (tmp_path / "accel" / "accel0").touch()
    assert scan_device_nodes(str(tmp_path)) == DeviceNodes(accel=(), vfio=())


def test_a_missing_dev_root_has_no_nodes(tmp_path: Path) -> None:
    nodes = scan_device_nodes(str(tmp_path / "missing"))
    assert (nodes.total, nodes.describe(str(tmp_path))) == (0, "")
