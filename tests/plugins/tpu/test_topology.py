"""The slice layout: topology, chips, workers and this worker's id, from each source."""

from __future__ import annotations

from hwcore_tpu import chips
from hwcore_tpu.environment import read_environment
from hwcore_tpu.topology import SliceLayout, chips_per_host_from_environment, read_layout

V6E, V5P, V4 = chips.by_key("v6e"), chips.by_key("v5p"), chips.by_key("v4")


def test_bounds_make_the_topology_and_a_2d_generation_drops_its_z() -> None:
    env = read_environment({"TPU_CHIPS_PER_HOST_BOUNDS": "2,4,1", "TPU_HOST_BOUNDS": "1,1,1"})
    reading = read_layout(env, V6E, 8)
    assert reading.layout == SliceLayout(
        (2, 4, 1), 8, 1, 0, "TPU_CHIPS_PER_HOST_BOUNDS x TPU_HOST_BOUNDS"
    )
    assert reading.layout.topology_text(V6E) == "2x4"
    assert reading.layout.topology_text(V4) == "2x4x1"
    assert (reading.disagreements, reading.problem) == ((), None)


def test_a_multi_host_worker() -> None:
    env = read_environment({
        "TPU_ACCELERATOR_TYPE": "v5p-16", "TPU_CHIPS_PER_HOST_BOUNDS": "2,2,1",
        "TPU_HOST_BOUNDS": "1,1,2", "TPU_WORKER_ID": "1",
        "TPU_WORKER_HOSTNAMES": "t1v-n-0,t1v-n-1",
    })
    reading = read_layout(env, V5P, 4)
    assert reading.layout.topology_text(V5P) == "2x2x2"
    assert (reading.layout.chips, reading.layout.workers, reading.layout.worker_id) == (8, 2, 1)
    assert (reading.disagreements, reading.problem) == ((), None)


def test_gke_topology_stands_in_for_the_bounds() -> None:
    env = read_environment({"TPU_ACCELERATOR_TYPE": "v5litepod-16", "TPU_TOPOLOGY": "4x4"})
    reading = read_layout(env, chips.by_key("v5e"), 4)
    assert reading.layout == SliceLayout((4, 4, 1), 16, 4, None, "TPU_TOPOLOGY")


def test_a_single_host_type_has_its_standard_shape() -> None:
    reading = read_layout(read_environment({"TPU_ACCELERATOR_TYPE": "v4-8"}), V4, 4)
    assert reading.layout == SliceLayout((2, 2, 1), 4, 1, 0, "TPU_ACCELERATOR_TYPE")
    multi = read_layout(read_environment({"TPU_ACCELERATOR_TYPE": "v4-32"}), V4, 4)
    assert multi.layout == SliceLayout(None, 16, 4, None, "TPU_ACCELERATOR_TYPE")


def test_sources_that_disagree_are_reported_with_the_one_used() -> None:
    env = read_environment({
        "TPU_ACCELERATOR_TYPE": "v6e-16", "TPU_TOPOLOGY": "2x8",
        "TPU_CHIPS_PER_HOST_BOUNDS": "2,4,1", "TPU_HOST_BOUNDS": "1,1,1",
        "TPU_WORKER_HOSTNAMES": "a,b",
    })
    reading = read_layout(env, V6E, 8)
    assert reading.disagreements == (
        "TPU_TOPOLOGY='2x8' differs from the TPU_CHIPS_PER_HOST_BOUNDS x TPU_HOST_BOUNDS slice "
        "2x4x1; using the bounds, which libtpu reads",
        "TPU_ACCELERATOR_TYPE='v6e-16' means 16 chips, but TPU_CHIPS_PER_HOST_BOUNDS x "
        "TPU_HOST_BOUNDS make a slice of 8; using TPU_CHIPS_PER_HOST_BOUNDS x TPU_HOST_BOUNDS",
        "TPU_WORKER_HOSTNAMES lists 2 hosts, but TPU_HOST_BOUNDS makes 1; using "
        "TPU_WORKER_HOSTNAMES",
    )
    assert reading.layout.workers == 2


def test_a_worker_id_outside_the_slice_is_a_problem() -> None:
    env = read_environment({"TPU_WORKER_ID": "2", "TPU_WORKER_HOSTNAMES": "a,b"})
    assert read_layout(env, V5P, 4).problem == (
        "TPU_WORKER_ID=2 is not a worker of this slice, which has 2 hosts (workers 0-1); set "
        "TPU_WORKER_ID to this host's position in TPU_WORKER_HOSTNAMES"
    )


def test_nothing_known_is_all_none() -> None:
    layout = read_layout(read_environment({}), None, 4).layout
    assert layout == SliceLayout(None, None, None, None, "TPU_ACCELERATOR_TYPE")
    assert layout.topology_text(None) is None


def test_chips_per_host_as_the_environment_states_it() -> None:
    def stated(env: dict[str, str], generation: chips.ChipGeneration | None) -> int | None:
        return chips_per_host_from_environment(read_environment(env), generation)

    assert stated({"TPU_CHIPS_PER_HOST_BOUNDS": "1,2,1"}, V6E) == 2
    assert stated({"TPU_ACCELERATOR_TYPE": "v6e-8"}, V6E) == 8
    assert stated({"TPU_ACCELERATOR_TYPE": "v6e-4"}, V6E) == 4
    assert stated({"TPU_ACCELERATOR_TYPE": "v6e-16"}, V6E) == 4  # multi-host: 4 per host
    assert stated({"TPU_ACCELERATOR_TYPE": "v4-8"}, V4) == 4
    assert stated({"TPU_ACCELERATOR_TYPE": "v9z-8"}, None) is None
    assert stated({}, V6E) is None
