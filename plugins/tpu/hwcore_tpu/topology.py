"""The slice this host belongs to: its chip topology, its hosts, and this host's place.

libtpu lays out a slice from ``TPU_CHIPS_PER_HOST_BOUNDS`` (this host's chips along x, y,
z) times ``TPU_HOST_BOUNDS`` (the hosts along x, y, z): a v6e-8 host is ``2,4,1`` x
``1,1,1``, a 2x4 slice; a worker of a v5p-16 is ``2,2,1`` x ``1,1,2``, a 2x2x2 slice of
two hosts. Without the bounds, GKE's ``TPU_TOPOLOGY`` or the standard single-host shape of
the accelerator type stands in. Sources that disagree are reported, never silently merged.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from hwcore_tpu.chips import ChipGeneration
from hwcore_tpu.environment import (
    ACCELERATOR_TYPE,
    CHIPS_PER_HOST_BOUNDS,
    HOST_BOUNDS,
    TOPOLOGY,
    WORKER_HOSTNAMES,
    WORKER_ID,
    TpuEnvironment,
)

# The chip grid of a slice that fits on one host, by chip count (Cloud TPU's topologies).
_SINGLE_HOST_2D = {1: (1, 1), 4: (2, 2), 8: (2, 4)}
_SINGLE_HOST_3D = {4: (2, 2, 1)}
DEFAULT_CHIPS_PER_HOST = 4  # every multi-host slice, v5e and v6e included


class SliceLayout(NamedTuple):
    """The slice as far as it is known; ``None`` fields are unknown."""

    topology: tuple[int, ...] | None
    chips: int | None
    workers: int | None
    worker_id: int | None
    source: str | None  # which variables the topology came from

    def topology_text(self, generation: ChipGeneration | None) -> str | None:
        """``"2x4"``: a 2-D generation's grid without its trailing z of 1."""
        if self.topology is None:
            return None
        dims = self.topology
        if generation is not None and generation.topology_dims == 2 and dims[2:] == (1,):
            dims = dims[:2]
        return "x".join(str(d) for d in dims)


class LayoutReading(NamedTuple):
    """The layout, what disagreed while reading it, and a fault that makes it unusable."""

    layout: SliceLayout
    disagreements: tuple[str, ...]
    problem: str | None


def chips_per_host_from_environment(
    env: TpuEnvironment, generation: ChipGeneration | None
) -> int | None:
    """This host's chip count as the environment states it, or ``None`` when it does not."""
    if env.chips_per_host_bounds is not None:
        return math.prod(env.chips_per_host_bounds)
    slice_chips = None if env.accelerator_type is None else env.accelerator_type.chips
    if slice_chips is None or generation is None:
        return None
    # A slice that fits one host is on one host; larger ones have 4 chips per host.
    return slice_chips if slice_chips <= generation.max_chips_per_host else DEFAULT_CHIPS_PER_HOST


def read_layout(
    env: TpuEnvironment, generation: ChipGeneration | None, host_chips: int
) -> LayoutReading:
    """The slice layout of a host with ``host_chips`` chips of ``generation``."""
    notes: list[str] = []
    topology, source = _topology(env, generation, notes)
    chips = math.prod(topology) if topology is not None else None
    accelerator = env.accelerator_type
    typed = None if accelerator is None else accelerator.chips
    # With TPU_VISIBLE_CHIPS the bounds describe the visible chips alone (Ray sets both),
    # so they are checked against those, not against the whole slice's type.
    compare = env.visible_chips is None and chips is not None
    if accelerator is not None and typed is not None and compare and typed != chips:
        notes.append(
            f"{ACCELERATOR_TYPE}={accelerator.value!r} means {typed} chips, but {source} "
            f"make a slice of {chips}; using {source}"
        )
    chips = chips if chips is not None else typed
    workers = _workers(env, chips, host_chips, notes)
    worker_id = env.worker_id if env.worker_id is not None else (0 if workers == 1 else None)
    layout = SliceLayout(topology, chips, workers, worker_id, source)
    return LayoutReading(layout, tuple(notes), _worker_problem(env, workers))


def _topology(
    env: TpuEnvironment, generation: ChipGeneration | None, notes: list[str]
) -> tuple[tuple[int, ...] | None, str | None]:
    from_bounds = None
    if env.chips_per_host_bounds is not None:
        hosts = env.host_bounds or (1, 1, 1)
        from_bounds = tuple(c * h for c, h in zip(env.chips_per_host_bounds, hosts, strict=True))
    given = env.topology
    if from_bounds is not None and given is not None and _padded(given) != from_bounds:
        notes.append(
            f"{TOPOLOGY}={'x'.join(map(str, given))!r} differs from the "
            f"{CHIPS_PER_HOST_BOUNDS} x {HOST_BOUNDS} slice "
            f"{'x'.join(map(str, from_bounds))}; using the bounds, which libtpu reads"
        )
    if from_bounds is not None:
        return from_bounds, f"{CHIPS_PER_HOST_BOUNDS} x {HOST_BOUNDS}"
    if env.topology is not None:
        return _padded(env.topology), TOPOLOGY
    return _standard_shape(env, generation), ACCELERATOR_TYPE


def _standard_shape(
    env: TpuEnvironment, generation: ChipGeneration | None
) -> tuple[int, ...] | None:
    chips = None if env.accelerator_type is None else env.accelerator_type.chips
    if generation is None or chips is None:
        return None
    shapes = _SINGLE_HOST_2D if generation.topology_dims == 2 else _SINGLE_HOST_3D
    shape = shapes.get(chips)
    return None if shape is None else _padded(shape)


def _padded(dims: tuple[int, ...]) -> tuple[int, ...]:
    return dims + (1,) * (3 - len(dims))


def _workers(
    env: TpuEnvironment, chips: int | None, host_chips: int, notes: list[str]
) -> int | None:
    named = None if env.worker_hostnames is None else len(env.worker_hostnames)
    bounded = None if env.host_bounds is None else math.prod(env.host_bounds)
    if named is not None and bounded is not None and named != bounded:
        notes.append(
            f"{WORKER_HOSTNAMES} lists {named} hosts, but {HOST_BOUNDS} makes {bounded}; "
            f"using {WORKER_HOSTNAMES}"
        )
    if named is not None:
        return named
    if bounded is not None:
        return bounded
    if chips is None or host_chips == 0:
        return None
    return max(1, math.ceil(chips / host_chips))


def _worker_problem(env: TpuEnvironment, workers: int | None) -> str | None:
    if env.worker_id is None or workers is None or env.worker_id < workers:
        return None
    return (
        f"{WORKER_ID}={env.worker_id} is not a worker of this slice, which has {workers} "
        f"host{'s' if workers != 1 else ''} (workers 0-{workers - 1}); set {WORKER_ID} to "
        f"this host's position in {WORKER_HOSTNAMES}"
    )
