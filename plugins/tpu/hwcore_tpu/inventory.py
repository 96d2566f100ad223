"""This host's TPU chips and its slice, from every signal, in the reference's order.

1. the TPU environment variables (GKE, TPU-VM images, launchers), including the Pathways
   proxy in ``JAX_PLATFORMS``;
2. PCI sysfs: Google chips by device id, which also gives each chip's generation;
3. the device nodes ``/dev/accel<N>`` and ``/dev/vfio/<N>``;
4. libtpu, only as a weak signal: it installs (and imports) on any machine, so on its own
   it is reported, never taken for a TPU.

Hardware outranks words: this host's chips and their generation come from sysfs when it
lists them, else from the device nodes, else from the environment; the slice layout comes
from the environment. Every signal used is named in the evidence, and every disagreement
between two of them is reported with the one that was used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from hwcore.plugin_api import dev_root, sysfs_root
from hwcore_tpu.chips import GOOGLE_PCI_VENDOR, ChipGeneration
from hwcore_tpu.device_nodes import DeviceNodes, scan_device_nodes
from hwcore_tpu.environment import (
    ACCELERATOR_TYPE,
    CHIPS_PER_HOST_BOUNDS,
    JAX_PLATFORMS,
    PJRT_DEVICE,
    SLICE_VARIABLES,
    TpuEnvironment,
    TpuEnvironmentError,
    read_environment,
    set_slice_variables,
)
from hwcore_tpu.packages import LIBTPU, installed_at
from hwcore_tpu.sysfs import PciChip, PciScan, scan_pci
from hwcore_tpu.topology import SliceLayout, chips_per_host_from_environment, read_layout


class HostChip(NamedTuple):
    """One chip of this host; ``None`` fields are facts no signal gave."""

    physical_index: int
    generation: ChipGeneration | None
    pci_bus_id: str | None = None
    numa_node: int | None = None
    device_node: str | None = None


class Found(NamedTuple):
    """TPUs were found: this host's chips, its slice, and how they were found.

    ``problem`` is set when a signal cannot be used (a malformed variable, a worker id
    outside the slice, an unknown chip count): the platform is present but unusable.
    """

    chips: tuple[HostChip, ...]
    generation: ChipGeneration | None
    environment: TpuEnvironment
    layout: SliceLayout
    sources: tuple[str, ...]
    evidence: tuple[str, ...]
    disagreements: tuple[str, ...]
    problem: str | None
    libtpu: str | None


class NoTpu(NamedTuple):
    """No TPU signal, naming everything that was looked at."""

    reason: str


class _Signals(NamedTuple):
    environ: Mapping[str, str]
    environment: TpuEnvironment
    environment_problem: str | None
    pci: PciScan
    nodes: DeviceNodes
    dev_root: str
    libtpu: str | None

    @property
    def nodes_usable(self) -> bool:
        # With the PCI bus listed and no TPU on it, numbered VFIO groups belong to other
        # passed-through devices; only a host without a readable bus is judged by its nodes.
        return self.nodes.total > 0 and (not self.pci.listed or bool(self.pci.chips))


def find_tpus(environ: Mapping[str, str]) -> Found | NoTpu:
    """Every signal of ``environ``'s host, combined; reads files only."""
    signals = _gather(environ)
    slice_variables = set_slice_variables(environ)
    if not (slice_variables or signals.environment.pathways or signals.pci.chips
            or signals.nodes_usable):
        return NoTpu(_absence(signals))
    return _combine(signals, slice_variables)


def _gather(environ: Mapping[str, str]) -> _Signals:
    try:
        environment, problem = read_environment(environ), None
    except TpuEnvironmentError as error:
        environment = TpuEnvironment(
            pjrt_device=environ.get(PJRT_DEVICE), jax_platforms=environ.get(JAX_PLATFORMS)
        )
        problem = str(error)
    return _Signals(
        environ, environment, problem, scan_pci(sysfs_root(environ)),
        scan_device_nodes(dev_root(environ)), dev_root(environ), installed_at(LIBTPU),
    )


def _combine(signals: _Signals, slice_variables: tuple[str, ...]) -> Found:
    env = signals.environment
    typed = None if env.accelerator_type is None else env.accelerator_type.generation
    notes: list[str] = []
    chips, sources = _host_chips(signals, typed, notes)
    generation = chips[0].generation if chips and chips[0].generation else typed
    reading = read_layout(env, generation, len(chips))
    notes += reading.disagreements
    if env.pjrt_device is not None and env.pjrt_device.upper() != "TPU":
        notes.append(
            f"{PJRT_DEVICE}={env.pjrt_device!r} asks torch_xla for another device than this "
            "host's TPUs"
        )
    problem = signals.environment_problem or reading.problem or _count_problem(chips, env)
    evidence = _evidence(signals, slice_variables, sources)
    return Found(
        chips=chips,
        generation=generation,
        environment=env,
        layout=reading.layout,
        sources=sources,
        evidence=evidence,
        disagreements=tuple(notes),
        problem=problem,
        libtpu=signals.libtpu,
    )


def _host_chips(
    signals: _Signals, typed: ChipGeneration | None, notes: list[str]
) -> tuple[tuple[HostChip, ...], tuple[str, ...]]:
    env = signals.environment
    environment: tuple[str, ...] = ("environment",) if set_slice_variables(signals.environ) else ()
    if env.pathways:
        environment += ("Pathways",)
    if signals.pci.chips:
        chips = tuple(_from_pci(i, c, signals) for i, c in enumerate(signals.pci.chips))
        notes += _pci_notes(signals, typed)
        return chips, (*environment, "sysfs", *(("device nodes",) if signals.nodes.total else ()))
    if signals.nodes_usable:
        kind_numbers = signals.nodes.vfio if signals.nodes.vfio else signals.nodes.accel
        chips = tuple(
            HostChip(i, typed, device_node=_node_path(signals, number, bool(signals.nodes.vfio)))
            for i, number in enumerate(kind_numbers)
        )
        notes += _count_notes(env, typed, len(chips), "the device nodes")
        return chips, (*environment, "device nodes")
    count = _environment_chip_count(env, typed)
    return tuple(HostChip(i, typed) for i in range(count or 0)), environment


def _environment_chip_count(env: TpuEnvironment, typed: ChipGeneration | None) -> int | None:
    if env.pathways and env.accelerator_type is not None and env.chips_per_host_bounds is None:
        # A Pathways client drives the whole slice through the proxy, not chips of its own.
        return env.accelerator_type.chips
    return chips_per_host_from_environment(env, typed)


def _from_pci(index: int, chip: PciChip, signals: _Signals) -> HostChip:
    node = None
    if chip.generation.node_kind == "vfio" and chip.iommu_group is not None:
        if chip.iommu_group.isdigit() and int(chip.iommu_group) in signals.nodes.vfio:
            node = _node_path(signals, int(chip.iommu_group), vfio=True)
    elif chip.generation.node_kind == "accel" and index in signals.nodes.accel:
        node = _node_path(signals, index, vfio=False)
    return HostChip(index, chip.generation, chip.pci_bus_id, chip.numa_node, node)


def _node_path(signals: _Signals, number: int, vfio: bool) -> str:
    if vfio:
        return os.path.join(signals.dev_root, "vfio", str(number))
    return os.path.join(signals.dev_root, f"accel{number}")


def _pci_notes(signals: _Signals, typed: ChipGeneration | None) -> list[str]:
    env, chips = signals.environment, signals.pci.chips
    notes = []
    seen = sorted({chip.generation.key for chip in chips})
    if env.accelerator_type is not None and typed is not None and seen != [typed.key]:
        notes.append(
            f"{ACCELERATOR_TYPE}={env.accelerator_type.value!r} says {typed.name}, but sysfs "
            f"shows {_summary(chips)}; using sysfs"
        )
    notes += _count_notes(env, typed, len(chips), "sysfs")
    if signals.nodes.total and signals.nodes.total != len(chips):
        notes.append(
            f"sysfs shows {len(chips)} TPU chips, but there are {signals.nodes.total} device "
            f"nodes ({signals.nodes.describe(signals.dev_root)}); using sysfs"
        )
    return notes


def _count_notes(
    env: TpuEnvironment, typed: ChipGeneration | None, found: int, where: str
) -> list[str]:
    # Bounds may describe a subset of the chips (with TPU_VISIBLE_CHIPS): those are
    # compared with the visible chips once visibility is applied, not here.
    if env.chips_per_host_bounds is not None or env.accelerator_type is None:
        return []
    stated = chips_per_host_from_environment(env, typed)
    if stated is None or stated == found:
        return []
    return [
        f"{ACCELERATOR_TYPE}={env.accelerator_type.value!r} means {stated} chips on this "
        f"host, but {where} shows {found}; using {where}"
    ]


def _count_problem(chips: tuple[HostChip, ...], env: TpuEnvironment) -> str | None:
    if chips:
        return None
    typed = env.accelerator_type
    said = (
        f"{ACCELERATOR_TYPE}={typed.value!r} names a generation hwcore-tpu does not know"
        if typed is not None and typed.generation is None
        else "the TPU variables set do not say how many chips this host has"
    )
    return (
        f"cannot tell how many TPU chips this host has: {said}, sysfs lists none and there "
        f"is no TPU device node; set {CHIPS_PER_HOST_BOUNDS} (e.g. '2,2,1') or "
        f"{ACCELERATOR_TYPE} (e.g. 'v6e-8')"
    )


def _evidence(
    signals: _Signals, slice_variables: tuple[str, ...], sources: tuple[str, ...]
) -> tuple[str, ...]:
    environ, env = signals.environ, signals.environment
    lines = []
    if slice_variables:
        listed = ", ".join(f"{name}={environ[name]!r}" for name in slice_variables)
        lines.append(f"TPU environment variables: {listed}")
    if env.pathways:
        lines.append(
            f"{JAX_PLATFORMS}={env.jax_platforms!r}: JAX reaches the TPUs through the "
            "Pathways proxy"
        )
    if "sysfs" in sources:
        lines.append(
            f"sysfs: {_summary(signals.pci.chips)} on the PCI bus (vendor {GOOGLE_PCI_VENDOR}) "
            f"under {signals.pci.directory}"
        )
    if "device nodes" in sources:
        lines.append(f"device nodes: {signals.nodes.describe(signals.dev_root)}")
    if env.pjrt_device is not None:
        lines.append(f"{PJRT_DEVICE}={env.pjrt_device!r}")
    if signals.libtpu is not None:
        lines.append(f"libtpu is installed ({signals.libtpu}; a weak signal, not imported)")
    return tuple(lines)


def _absence(signals: _Signals) -> str:
    env = signals.environment
    parts = [
        f"none of {', '.join(SLICE_VARIABLES)} is set and {JAX_PLATFORMS} does not name the "
        "Pathways proxy"
    ]
    if signals.pci.listed:
        parts.append(
            f"no TPU chip (PCI vendor {GOOGLE_PCI_VENDOR}) under {signals.pci.directory}"
        )
    else:
        parts.append(f"{signals.pci.directory} cannot be read")
    if signals.nodes.total:
        parts.append(
            f"{signals.nodes.describe(signals.dev_root)} exist, but sysfs lists no TPU on the "
            "PCI bus, so they belong to other devices"
        )
    else:
        parts.append(
            f"no TPU device node ({os.path.join(signals.dev_root, 'accel')}<N> or "
            f"{os.path.join(signals.dev_root, 'vfio')}/<N>)"
        )
    if env.pjrt_device is not None:
        parts.append(f"{PJRT_DEVICE}={env.pjrt_device!r} asks for a TPU but shows none")
    if signals.libtpu is None:
        parts.append("libtpu is not installed")
    else:
        parts.append(
            f"libtpu is installed ({signals.libtpu}), but it installs on any machine, so it "
            "is not taken for a TPU on its own"
        )
    return "no TPU found: " + "; ".join(parts)


def _summary(chips: tuple[PciChip, ...]) -> str:
    counts: dict[str, int] = {}
    for chip in chips:
        counts[chip.generation.name] = counts.get(chip.generation.name, 0) + 1
    listed = ", ".join(f"{count} {name}" for name, count in counts.items())
    return f"{listed} chip{'s' if len(chips) != 1 else ''}"
