"""The TPU environment variables, read from the environ given to detection.

GKE, TPU-VM images and launchers (Ray, torch_xla, tpu-inference) describe the slice in
these variables; nothing here queries the GCE metadata server, which tpu-inference and Ray
fall back to without a timeout. A value that cannot be read raises
``TpuEnvironmentError`` naming the variable, its value and the fix: libtpu would misplace
chips on a half-understood layout, so hwcore refuses it instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import NamedTuple, TypeVar

from hwcore_tpu.chips import ChipGeneration, generation_by_type_name

ACCELERATOR_TYPE = "TPU_ACCELERATOR_TYPE"
WORKER_ID = "TPU_WORKER_ID"
WORKER_HOSTNAMES = "TPU_WORKER_HOSTNAMES"
CHIPS_PER_HOST_BOUNDS = "TPU_CHIPS_PER_HOST_BOUNDS"
HOST_BOUNDS = "TPU_HOST_BOUNDS"
TOPOLOGY = "TPU_TOPOLOGY"
TPU_NAME = "TPU_NAME"
VISIBLE_CHIPS = "TPU_VISIBLE_CHIPS"
PJRT_DEVICE = "PJRT_DEVICE"
JAX_PLATFORMS = "JAX_PLATFORMS"

# Variables only a TPU host or pod has: any of them set is evidence of a TPU.
SLICE_VARIABLES = (
    ACCELERATOR_TYPE, WORKER_ID, WORKER_HOSTNAMES, CHIPS_PER_HOST_BOUNDS, HOST_BOUNDS, TOPOLOGY,
    TPU_NAME,
)

_ACCELERATOR_TYPE = re.compile(r"^(?P<generation>[a-z][a-z0-9]*|[0-9]+[a-z]+)-(?P<size>[0-9]+)$")
_BOUNDS = re.compile(r"^[0-9]+,[0-9]+,[0-9]+$")
_TOPOLOGY = re.compile(r"^[0-9]+(x[0-9]+){1,2}$")


T = TypeVar("T")


class TpuEnvironmentError(ValueError):
    """A TPU environment variable holds a value that cannot be used."""


class AcceleratorType(NamedTuple):
    """``TPU_ACCELERATOR_TYPE``, e.g. ``"v6e-8"``: a generation and a size.

    ``generation`` is ``None`` for a generation hwcore-tpu does not know; ``chips`` (the
    slice's chip count) is then unknown too, since the size counts TensorCores.
    """

    value: str
    generation_name: str
    size: int
    generation: ChipGeneration | None

    @property
    def chips(self) -> int | None:
        if self.generation is None:
            return None
        return self.size // self.generation.tensorcores_per_chip


class TpuEnvironment(NamedTuple):
    """What the TPU variables say; ``None`` means the variable is unset."""

    accelerator_type: AcceleratorType | None = None
    worker_id: int | None = None
    worker_hostnames: tuple[str, ...] | None = None
    chips_per_host_bounds: tuple[int, int, int] | None = None
    host_bounds: tuple[int, int, int] | None = None
    topology: tuple[int, ...] | None = None
    tpu_name: str | None = None
    visible_chips: str | None = None
    pjrt_device: str | None = None
    jax_platforms: str | None = None

    @property
    def pathways(self) -> bool:
        """JAX talks to remote TPUs through the Pathways proxy (vLLM's rule: ``proxy`` in
        ``JAX_PLATFORMS``)."""
        return self.jax_platforms is not None and "proxy" in self.jax_platforms.lower()


def set_slice_variables(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The TPU-only variables that are set, in ``SLICE_VARIABLES`` order."""
    return tuple(name for name in SLICE_VARIABLES if environ.get(name) is not None)


def read_environment(environ: Mapping[str, str]) -> TpuEnvironment:
    """Parse every TPU variable of ``environ``; ``TpuEnvironmentError`` for the first one
    that cannot be used."""
    return TpuEnvironment(
        accelerator_type=_optional(environ, ACCELERATOR_TYPE, parse_accelerator_type),
        worker_id=_optional(environ, WORKER_ID, _parse_worker_id),
        worker_hostnames=_optional(environ, WORKER_HOSTNAMES, _parse_hostnames),
        chips_per_host_bounds=_optional(environ, CHIPS_PER_HOST_BOUNDS, _bounds_parser(
            CHIPS_PER_HOST_BOUNDS, "the chips of this host along x, y and z")),
        host_bounds=_optional(environ, HOST_BOUNDS, _bounds_parser(
            HOST_BOUNDS, "the hosts of the slice along x, y and z")),
        topology=_optional(environ, TOPOLOGY, _parse_topology),
        tpu_name=environ.get(TPU_NAME),
        visible_chips=environ.get(VISIBLE_CHIPS),
        pjrt_device=environ.get(PJRT_DEVICE),
        jax_platforms=environ.get(JAX_PLATFORMS),
    )


def parse_accelerator_type(value: str) -> AcceleratorType:
    """``"v6e-8"`` -> generation v6e, size 8.

    >>> parse_accelerator_type("v5litepod-16").chips
    16
    >>> parse_accelerator_type("v5p-16").chips  # the size counts 2 TensorCores per chip
    8
    """
    match = _ACCELERATOR_TYPE.match(value.strip().lower())
    if match is None or int(match["size"]) == 0:
        raise TpuEnvironmentError(
            f"{ACCELERATOR_TYPE}={value!r} is not an accelerator type such as 'v6e-8' or "
            "'v5litepod-16' (a generation, a dash and the size); set it as "
            "`gcloud compute tpus accelerator-types list` spells it, or unset it"
        )
    generation = generation_by_type_name(match["generation"])
    size = int(match["size"])
    if generation is not None and size % generation.tensorcores_per_chip:
        raise TpuEnvironmentError(
            f"{ACCELERATOR_TYPE}={value!r}: a {generation.name} slice's size counts its "
            f"TensorCores, {generation.tensorcores_per_chip} per chip, so it must be a "
            f"multiple of {generation.tensorcores_per_chip}; set it as "
            "`gcloud compute tpus accelerator-types list` spells it"
        )
    return AcceleratorType(value, match["generation"], size, generation)


def _optional(environ: Mapping[str, str], name: str, parse: Callable[[str], T]) -> T | None:
    value = environ.get(name)
    return None if value is None else parse(value)


def _parse_worker_id(value: str) -> int:
    if not value.strip().isdigit():
        raise TpuEnvironmentError(
            f"{WORKER_ID}={value!r} is not a worker number; set it to this host's index in "
            f"the slice (0 for the first host, the position of this host in {WORKER_HOSTNAMES})"
        )
    return int(value)


def _parse_hostnames(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(","))
    if not all(names):
        raise TpuEnvironmentError(
            f"{WORKER_HOSTNAMES}={value!r} has an empty entry; list every host of the slice "
            "once, comma-separated, in worker order"
        )
    return names


def _bounds_parser(name: str, meaning: str) -> Callable[[str], tuple[int, int, int]]:
    def parse(value: str) -> tuple[int, int, int]:
        compact = value.replace(" ", "")
        if not _BOUNDS.match(compact) or 0 in (int(part) for part in compact.split(",")):
            raise TpuEnvironmentError(
                f"{name}={value!r} is not three positive integers separated by commas, such "
                f"as '2,2,1'; set it to {meaning}, or unset it"
            )
        x, y, z = (int(part) for part in compact.split(","))
        return (x, y, z)

    return parse


def _parse_topology(value: str) -> tuple[int, ...]:
    compact = value.strip().lower()
    if not _TOPOLOGY.match(compact) or 0 in (int(part) for part in compact.split("x")):
        raise TpuEnvironmentError(
            f"{TOPOLOGY}={value!r} is not a slice topology such as '2x4' or '2x2x2' (the "
            "chips along each axis); set it as the node pool's topology says, or unset it"
        )
    return tuple(int(part) for part in compact.split("x"))
