"""The node's AMD GPUs, from amdsmi or else the KFD topology, in one shape.

``probe`` reads the hardware once per detection. Two orders matter: the *physical* one
(amdsmi's handles, or the KFD GPU nodes), which every vendor query uses, and *HIP's*,
which ``HIP_VISIBLE_DEVICES`` indices and torch's device numbers follow. amdsmi 7 reports
each GPU's HIP ordinal (``hip_id``); older amdsmi does not, and its order is then taken as
HIP's, which holds on every single-model node. The KFD node order is HIP's by
construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hwcore.plugin_api import DeviceCapability
from hwcore_rocm import arch, kfd, names, smi
from hwcore_rocm.links import Link, xgmi_fully_connected


@dataclass(frozen=True)
class Gpu:
    """One physical GPU's facts, whichever source found them; ``None``: unknown.

    ``capability_error`` says why a gfx architecture has no capability (vLLM's message);
    ``predates_gfx9`` marks the parts before gfx9, which no ROCm inference engine runs on.
    ``runtime_uuid`` is the ROCm runtime's ``GPU-<hex>`` id that visibility variables take.
    """

    physical_index: int
    name: str
    architecture: str
    capability: DeviceCapability | None
    capability_error: str | None = None
    device_id: str | None = None
    uuid: str | None = None
    runtime_uuid: str | None = None
    total_memory: int | None = None
    pci_bus_id: str | None = None
    numa_node: int | None = None
    compute_units: int | None = None
    predates_gfx9: bool = False


@dataclass(frozen=True)
class Inventory:
    """Every AMD GPU of the node and how it was found (``source``: "amdsmi" or "kfd")."""

    source: str
    gpus: tuple[Gpu, ...]
    hip_order: tuple[int, ...]
    links: tuple[Link, ...]
    evidence: str
    notes: tuple[str, ...] = ()
    library_version: str | None = None
    driver_version: str | None = None

    def gpu(self, physical_index: int) -> Gpu:
        return self.gpus[physical_index]

    def fully_connected(self, physical_ids: Sequence[int]) -> bool:
        """Every pair of ``physical_ids`` one XGMI hop apart."""
        return xgmi_fully_connected(self.links, physical_ids)


@dataclass(frozen=True)
class NoGpu:
    """Why no AMD GPU was found, naming every path that was tried."""

    reason: str


def probe(sysfs: kfd.StrPath, dev: kfd.StrPath) -> Inventory | NoGpu:
    """Find the node's AMD GPUs: amdsmi first, then the KFD topology under ``sysfs``."""
    table = smi.read_device_table()
    if isinstance(table, smi.SmiTable) and table.devices:
        return _from_amdsmi(table)
    why_not_amdsmi = table.reason if isinstance(table, smi.SmiUnavailable) else (
        "amdsmi reports no AMD GPU"
    )
    topology = kfd.read_topology(sysfs, dev)
    if isinstance(topology, kfd.KfdUnavailable):
        return NoGpu(f"{why_not_amdsmi}; {topology.reason}")
    return _from_kfd(topology, why_not_amdsmi)


def make_gpu(
    physical_index: int,
    architecture: str,
    device_id: str | None,
    market_name: str | None,
    *,
    uuid: str | None = None,
    runtime_uuid: str | None = None,
    total_memory: int | None = None,
    pci_bus_id: str | None = None,
    numa_node: int | None = None,
    compute_units: int | None = None,
) -> Gpu:
    """A ``Gpu`` whose name and capability are derived from its architecture and id."""
    target = arch.base_architecture(architecture)
    capability: DeviceCapability | None = None
    error: str | None = None
    too_old = False
    try:
        capability = arch.capability_from_architecture(target)
    except arch.ArchitectureError as problem:
        error, too_old = str(problem), isinstance(problem, arch.ArchitectureTooOldError)
    return Gpu(
        physical_index=physical_index,
        name=names.device_name(device_id, market_name, target),
        architecture=target,
        capability=capability,
        capability_error=error,
        device_id=device_id,
        uuid=uuid,
        runtime_uuid=runtime_uuid,
        total_memory=total_memory,
        pci_bus_id=pci_bus_id,
        numa_node=numa_node,
        compute_units=compute_units,
        predates_gfx9=too_old,
    )


def _from_amdsmi(table: smi.SmiTable) -> Inventory:
    gpus = tuple(
        make_gpu(
            d.index, d.architecture, names.device_id_text(d.device_id), d.market_name,
            uuid=d.uuid, runtime_uuid=d.hip_uuid, total_memory=d.total_memory,
            pci_bus_id=d.pci_bus_id, numa_node=d.numa_node, compute_units=d.compute_units,
        )
        for d in table.devices
    )
    hip_ids = [d.hip_id for d in table.devices if d.hip_id is not None]
    notes: tuple[str, ...] = ()
    if sorted(hip_ids) == list(range(len(gpus))):
        hip_order = tuple(sorted(range(len(gpus)), key=lambda physical: hip_ids[physical]))
    else:
        hip_order = tuple(range(len(gpus)))
        notes = ("amdsmi does not report HIP device ids (amdsmi 7 does), so HIP is assumed "
                 "to number the GPUs in amdsmi's order",)
    version = f"amdsmi {table.library_version}" if table.library_version else "amdsmi"
    return Inventory(
        source="amdsmi",
        gpus=gpus,
        hip_order=hip_order,
        links=table.links,
        evidence=f"{version} reports {_summary(gpus)}",
        notes=notes,
        library_version=table.library_version,
        driver_version=table.driver_version,
    )


def _from_kfd(topology: kfd.KfdTopology, why_not_amdsmi: str) -> Inventory:
    gpus = tuple(
        make_gpu(
            g.index, g.architecture, g.device_id, None, uuid=g.uuid, runtime_uuid=g.uuid,
            total_memory=g.total_memory, pci_bus_id=g.pci_bus_id, numa_node=g.numa_node,
            compute_units=g.compute_units,
        )
        for g in topology.gpus
    )
    return Inventory(
        source="kfd",
        gpus=gpus,
        hip_order=tuple(range(len(gpus))),
        links=topology.links,
        evidence=(f"the KFD topology at {topology.location} lists {_summary(gpus)} "
                  f"(amdsmi not used: {why_not_amdsmi})"),
    )


def _summary(gpus: tuple[Gpu, ...]) -> str:
    counts: dict[str, int] = {}
    for gpu in gpus:
        label = f"{gpu.name} ({gpu.architecture})"
        counts[label] = counts.get(label, 0) + 1
    noun = "AMD GPU" if len(gpus) == 1 else "AMD GPUs"
    return f"{len(gpus)} {noun}: " + ", ".join(f"{n}x {label}" for label, n in counts.items())
