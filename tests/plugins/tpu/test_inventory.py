"""Every signal combined: real host tables, partial hosts, and signals that disagree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from hwcore_tpu.inventory import Found, NoTpu, find_tpus

HostFactory = Callable[..., dict[str, str]]


def found(env: dict[str, str]) -> Found:
    result = find_tpus(env)
    assert isinstance(result, Found), result
    return result


@pytest.mark.parametrize(
    ("name", "generation", "count", "topology", "workers", "worker_id", "nodes"),
    [
        ("v4-8", "v4", 4, "2x2x1", 1, 0, "accel0-3"),
        ("v5litepod-8", "v5e", 8, "2x4", 1, 0, "vfio/0-7"),
        ("v5p-8", "v5p", 4, "2x2x1", 1, 0, "vfio/0-3"),
        ("v6e-8", "v6e", 8, "2x4", 1, 0, "vfio/0-7"),
        ("7x-8", "7x", 4, "2x2x1", 1, 0, "vfio/0-3"),
        ("v5p-16-worker-1", "v5p", 4, "2x2x2", 2, 1, "vfio/0-3"),
    ],
)
def test_real_host_tables(
    host: HostFactory, fakes: ModuleType, name: str, generation: str, count: int,
    topology: str, workers: int, worker_id: int, nodes: str,
) -> None:
    env = host(name)
    result = found(env)
    assert result.generation is not None and result.generation.key == generation
    assert [chip.physical_index for chip in result.chips] == list(range(count))
    assert {chip.generation for chip in result.chips} == {result.generation}
    assert result.layout.topology_text(result.generation) == topology
    assert (result.layout.workers, result.layout.worker_id) == (workers, worker_id)
    assert result.sources == ("environment", "sysfs", "device nodes")
    chip_name = result.generation.name
    assert result.evidence == (
        f"TPU environment variables: {_in_signal_order(fakes.HOSTS[name].env)}",
        f"sysfs: {count} {chip_name} chips on the PCI bus (vendor 0x1ae0) under "
        f"{env['HWCORE_SYSFS_ROOT']}/bus/pci/devices",
        f"device nodes: {env['HWCORE_DEV_ROOT']}/{nodes}",
    )
    assert (result.disagreements, result.problem, result.libtpu) == ((), None, None)
    first = result.chips[0]
    assert (first.pci_bus_id, first.numa_node) == ("0000:00:04.0", 0)
    node = "accel0" if nodes.startswith("accel") else "vfio/0"
    assert first.device_node == f"{env['HWCORE_DEV_ROOT']}/{node}"


def _in_signal_order(env: dict[str, str]) -> str:
    order = ("TPU_ACCELERATOR_TYPE", "TPU_WORKER_ID", "TPU_WORKER_HOSTNAMES",
             "TPU_CHIPS_PER_HOST_BOUNDS", "TPU_HOST_BOUNDS")
    return ", ".join(f"{k}={env[k]!r}" for k in order if k in env)


def test_a_gke_pod_with_only_the_environment(host: HostFactory) -> None:
    result = found(host(
        None, TPU_ACCELERATOR_TYPE="v5litepod-16", TPU_TOPOLOGY="4x4", TPU_WORKER_ID="2",
        TPU_WORKER_HOSTNAMES="gke-tpu-0,gke-tpu-1,gke-tpu-2,gke-tpu-3",
    ))
    assert result.generation is not None and result.generation.key == "v5e"
    assert len(result.chips) == 4  # a multi-host v5e slice has 4 chips per host
    assert result.chips[2].pci_bus_id is None and result.chips[2].device_node is None
    assert result.layout.topology_text(result.generation) == "4x4"
    assert (result.layout.chips, result.layout.workers, result.layout.worker_id) == (16, 4, 2)
    assert result.sources == ("environment",)
    assert result.evidence == (
        "TPU environment variables: TPU_ACCELERATOR_TYPE='v5litepod-16', TPU_WORKER_ID='2', "
        "TPU_WORKER_HOSTNAMES='gke-tpu-0,gke-tpu-1,gke-tpu-2,gke-tpu-3', TPU_TOPOLOGY='4x4'",
    )
    assert (result.disagreements, result.problem) == ((), None)


def test_a_vm_with_only_device_nodes(host: HostFactory, fakes: ModuleType) -> None:
    env = host(None)
    fakes.write_nodes(Path(env["HWCORE_DEV_ROOT"]).parent, "v4", 4)
    result = found(env)
    assert result.generation is None
    assert [c.device_node for c in result.chips] == [
        f"{env['HWCORE_DEV_ROOT']}/accel{i}" for i in range(4)
    ]
    assert result.sources == ("device nodes",)
    assert result.evidence == (f"device nodes: {env['HWCORE_DEV_ROOT']}/accel0-3",)
    assert result.layout.topology is None and result.layout.workers is None
    assert (result.disagreements, result.problem) == ((), None)


def test_libtpu_alone_is_not_a_tpu(host: HostFactory, fake_libtpu: Path) -> None:
    env = host(None)
    assert find_tpus(env) == NoTpu(
        "no TPU found: none of TPU_ACCELERATOR_TYPE, TPU_WORKER_ID, TPU_WORKER_HOSTNAMES, "
        "TPU_CHIPS_PER_HOST_BOUNDS, TPU_HOST_BOUNDS, TPU_TOPOLOGY, TPU_NAME is set and "
        "JAX_PLATFORMS does not name the Pathways proxy; "
        f"{env['HWCORE_SYSFS_ROOT']}/bus/pci/devices cannot be read; no TPU device node "
        f"({env['HWCORE_DEV_ROOT']}/accel<N> or {env['HWCORE_DEV_ROOT']}/vfio/<N>); "
        f"libtpu is installed ({fake_libtpu}), but it installs on any machine, so it is not "
        "taken for a TPU on its own"
    )


def test_no_signal_names_everything_looked_at(host: HostFactory, fakes: ModuleType) -> None:
    env = host(None, PJRT_DEVICE="TPU")
    root = Path(env["HWCORE_DEV_ROOT"]).parent
    fakes.write_pci_device(root, "0000:00:01.0", "0x1af4", "0x1041", "0x1041")
    fakes.write_nodes(root, "v6e", 2)  # VFIO groups of some other passed-through device
    assert find_tpus(env) == NoTpu(
        "no TPU found: none of TPU_ACCELERATOR_TYPE, TPU_WORKER_ID, TPU_WORKER_HOSTNAMES, "
        "TPU_CHIPS_PER_HOST_BOUNDS, TPU_HOST_BOUNDS, TPU_TOPOLOGY, TPU_NAME is set and "
        "JAX_PLATFORMS does not name the Pathways proxy; no TPU chip (PCI vendor 0x1ae0) "
        f"under {env['HWCORE_SYSFS_ROOT']}/bus/pci/devices; "
        f"{env['HWCORE_DEV_ROOT']}/vfio/0-1 exist, but sysfs lists no TPU on the PCI bus, "
        "so they belong to other devices; PJRT_DEVICE='TPU' asks for a TPU but shows none; "
        "libtpu is not installed"
    )


def test_env_and_sysfs_disagreeing_are_both_named(host: HostFactory, fakes: ModuleType) -> None:
    env = host(None, TPU_ACCELERATOR_TYPE="v6e-8")
    fakes.write_chips(Path(env["HWCORE_SYSFS_ROOT"]).parent, "v5e", 4)
    result = found(env)
    assert result.generation is not None and result.generation.key == "v5e"
    assert len(result.chips) == 4
    assert result.disagreements == (
        "TPU_ACCELERATOR_TYPE='v6e-8' says TPU v6e, but sysfs shows 4 TPU v5e chips; using "
        "sysfs",
        "TPU_ACCELERATOR_TYPE='v6e-8' means 8 chips on this host, but sysfs shows 4; using "
        "sysfs",
    )
    assert result.sources == ("environment", "sysfs")


def test_sysfs_and_device_nodes_disagreeing(host: HostFactory, fakes: ModuleType) -> None:
    env = host(None)
    root = Path(env["HWCORE_SYSFS_ROOT"]).parent
    fakes.write_chips(root, "v6e", 8)
    fakes.write_nodes(root, "v6e", 4)
    result = found(env)
    assert len(result.chips) == 8
    assert result.disagreements == (
        f"sysfs shows 8 TPU chips, but there are 4 device nodes "
        f"({env['HWCORE_DEV_ROOT']}/vfio/0-3); using sysfs",
    )
    assert [c.device_node is not None for c in result.chips] == [True] * 4 + [False] * 4


def test_pathways_drives_the_whole_slice(host: HostFactory) -> None:
    result = found(host(None, JAX_PLATFORMS="proxy", TPU_ACCELERATOR_TYPE="v6e-16"))
    assert len(result.chips) == 16
    assert result.sources == ("environment", "Pathways")
    assert result.evidence == (
        "TPU environment variables: TPU_ACCELERATOR_TYPE='v6e-16'",
        "JAX_PLATFORMS='proxy': JAX reaches the TPUs through the Pathways proxy",
    )


def test_pathways_without_an_accelerator_type_cannot_count_chips(host: HostFactory) -> None:
    result = found(host(None, JAX_PLATFORMS="proxy"))
    assert result.chips == ()
    assert result.problem == (
        "cannot tell how many TPU chips this host has: the TPU variables set do not say how "
        "many chips this host has, sysfs lists none and there is no TPU device node; set "
        "TPU_CHIPS_PER_HOST_BOUNDS (e.g. '2,2,1') or TPU_ACCELERATOR_TYPE (e.g. 'v6e-8')"
    )


def test_an_unknown_generation_without_bounds_is_a_problem(host: HostFactory) -> None:
    result = found(host(None, TPU_ACCELERATOR_TYPE="v9z-8"))
    assert result.problem == (
        "cannot tell how many TPU chips this host has: TPU_ACCELERATOR_TYPE='v9z-8' names a "
        "generation hwcore-tpu does not know, sysfs lists none and there is no TPU device "
        "node; set TPU_CHIPS_PER_HOST_BOUNDS (e.g. '2,2,1') or TPU_ACCELERATOR_TYPE (e.g. "
        "'v6e-8')"
    )


def test_a_malformed_variable_keeps_the_chips_and_is_the_problem(host: HostFactory) -> None:
    result = found(host("v6e-8", TPU_WORKER_ID="first"))
    assert len(result.chips) == 8
    assert result.problem == (
        "TPU_WORKER_ID='first' is not a worker number; set it to this host's index in the "
        "slice (0 for the first host, the position of this host in TPU_WORKER_HOSTNAMES)"
    )


def test_a_worker_outside_its_slice_is_the_problem(host: HostFactory) -> None:
    result = found(host("v5p-16-worker-1", TPU_WORKER_ID="5"))
    assert result.problem == (
        "TPU_WORKER_ID=5 is not a worker of this slice, which has 2 hosts (workers 0-1); set "
        "TPU_WORKER_ID to this host's position in TPU_WORKER_HOSTNAMES"
    )


def test_pjrt_device_asking_for_another_device_is_a_disagreement(host: HostFactory) -> None:
    result = found(host("v6e-8", PJRT_DEVICE="CPU"))
    assert result.disagreements == (
        "PJRT_DEVICE='CPU' asks torch_xla for another device than this host's TPUs",
    )


def test_libtpu_and_pjrt_are_named_beside_real_chips(
    host: HostFactory, fake_libtpu: Path
) -> None:
    result = found(host("v6e-8", PJRT_DEVICE="TPU"))
    assert result.evidence[-2:] == (
        "PJRT_DEVICE='TPU'",
        f"libtpu is installed ({fake_libtpu}; a weak signal, not imported)",
    )
    assert result.libtpu == str(fake_libtpu)
