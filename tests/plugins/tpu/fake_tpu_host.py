"""Fake TPU hosts for tests: a sysfs tree, a /dev tree and the environment a TPU VM has.

``write_host(root, "v6e-8")`` lays out the PCI devices and device nodes of a real host of
that type under ``root`` and returns the environment that points hwcore-tpu at them
(``HWCORE_SYSFS_ROOT``, ``HWCORE_DEV_ROOT``) plus the TPU variables the host sets. The PCI
ids are the ones the chips report (Google's tpu-info table); nothing here imports
hwcore-tpu, so the dist tests can use it beside an installed wheel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

GOOGLE = "0x1ae0"
# generation -> (PCI device id, subsystem device id, device-node kind)
PCI_IDS = {
    "v2": ("0x0027", "0x004e", "accel"),
    "v3": ("0x0027", "0x004f", "accel"),
    "v4": ("0x005e", "0x005e", "accel"),
    "v5e": ("0x0063", "0x0063", "vfio"),
    "v5p": ("0x0062", "0x0062", "vfio"),
    "v6e": ("0x006f", "0x006f", "vfio"),
    "7x": ("0x0076", "0x0076", "vfio"),
}


@dataclass(frozen=True)
class HostSpec:
    """A host: its chips (generation, count, PCI functions per chip) and its variables."""

    generation: str
    chips: int
    env: dict[str, str] = field(default_factory=dict)
    functions_per_chip: int = 1


def _single_host(accelerator_type: str, bounds: str) -> dict[str, str]:
    return {
        "TPU_ACCELERATOR_TYPE": accelerator_type,
        "TPU_CHIPS_PER_HOST_BOUNDS": bounds,
        "TPU_HOST_BOUNDS": "1,1,1",
        "TPU_WORKER_ID": "0",
        "TPU_WORKER_HOSTNAMES": "localhost",
    }


HOSTS = {
    "v4-8": HostSpec("v4", 4, _single_host("v4-8", "2,2,1")),
    "v5litepod-8": HostSpec("v5e", 8, _single_host("v5litepod-8", "2,4,1")),
    "v5p-8": HostSpec("v5p", 4, _single_host("v5p-8", "2,2,1")),
    "v6e-8": HostSpec("v6e", 8, _single_host("v6e-8", "2,4,1")),
    "7x-8": HostSpec("7x", 4, _single_host("7x-8", "2,2,1"), functions_per_chip=2),
    "v5p-16-worker-1": HostSpec("v5p", 4, {
        "TPU_ACCELERATOR_TYPE": "v5p-16",
        "TPU_CHIPS_PER_HOST_BOUNDS": "2,2,1",
        "TPU_HOST_BOUNDS": "1,1,2",
        "TPU_WORKER_ID": "1",
        "TPU_WORKER_HOSTNAMES": "t1v-n-0,t1v-n-1",
    }),
}


def roots(root: Path) -> dict[str, str]:
    """The variables that point hwcore-tpu at ``root``'s sys/ and dev/ (empty if absent)."""
    (root / "sys").mkdir(parents=True, exist_ok=True)
    (root / "dev").mkdir(parents=True, exist_ok=True)
    return {"HWCORE_SYSFS_ROOT": str(root / "sys"), "HWCORE_DEV_ROOT": str(root / "dev")}


def write_host(root: Path, name: str) -> dict[str, str]:
    """Lay out host ``name`` of ``HOSTS`` under ``root``; return its environment."""
    spec = HOSTS[name]
    write_chips(root, spec.generation, spec.chips, spec.functions_per_chip)
    write_nodes(root, spec.generation, spec.chips)
    return {**roots(root), **spec.env}


def write_chips(
    root: Path, generation: str, count: int, functions_per_chip: int = 1, first_slot: int = 4
) -> None:
    """PCI functions of ``count`` chips of ``generation``; chip i is 0000:00:<4+i>.<f>,
    in IOMMU group i, on NUMA node 0."""
    device, subsystem, _ = PCI_IDS[generation]
    for chip in range(count):
        for function in range(functions_per_chip):
            write_pci_device(
                root, f"0000:00:{first_slot + chip:02x}.{function}", GOOGLE, device, subsystem,
                numa_node="0", iommu_group=str(chip),
            )


def write_pci_device(
    root: Path, address: str, vendor: str, device: str, subsystem: str,
    numa_node: str = "-1", iommu_group: str | None = None,
) -> None:
    """One PCI function as the kernel lists it under sys/bus/pci/devices."""
    directory = root / "sys" / "bus" / "pci" / "devices" / address
    directory.mkdir(parents=True, exist_ok=True)
    for name, value in (("vendor", vendor), ("device", device),
                        ("subsystem_device", subsystem), ("numa_node", numa_node)):
        (directory / name).write_text(f"{value}\n")
    if iommu_group is not None:
        os.symlink(f"../../../kernel/iommu_groups/{iommu_group}", directory / "iommu_group")


def write_nodes(root: Path, generation: str, count: int) -> None:
    """The device nodes of ``count`` chips: /dev/accel<N> up to v4, /dev/vfio/<N> after."""
    kind = PCI_IDS[generation][2]
    dev = root / "dev"
    if kind == "accel":
        dev.mkdir(parents=True, exist_ok=True)
        for index in range(count):
            (dev / f"accel{index}").touch()
        return
    (dev / "vfio").mkdir(parents=True, exist_ok=True)
    (dev / "vfio" / "vfio").touch()  # the container node every VFIO host has
    for index in range(count):
        (dev / "vfio" / str(index)).touch()
