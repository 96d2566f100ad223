"""The TPU generations hwcore-tpu knows: PCI ids, names, memory, cores, slice shapes.

Where each figure comes from:

* PCI ids: Google's vendor id ``0x1ae0`` and the device ids (v2 and v3 share ``0x0027`` and
  differ in ``subsystem_device``) are the table of Google's ``tpu-info`` 0.14.2
  (``tpu_info/device.py``, ``TpuChip.from_pci_device_id``).
* HBM per chip: the Cloud TPU documentation's page for each generation (v2 16 GiB, v3
  32 GiB, v4 32 GiB, v5e 16 GiB, v5p 95 GiB, v6e 32 GiB, TPU7x 192 GiB). The same numbers
  are in tpu-info's table (which lists v2 and v3 per TensorCore: 8 and 16 GiB) and in
  tpu-inference 0.32's ``utils.get_device_hbm_limit`` (which lists TPU7x per core: 96 GiB).
* Cores per chip: the devices JAX makes of one chip, 2 on v2, v3 and TPU7x (tpu-info's
  ``devices_per_chip``). v4 and v5p also have two TensorCores, but run them as one
  "megacore" device.
* TensorCores per chip: what the size in an accelerator type counts (``v4-8`` is 4 chips
  of 2 TensorCores, ``v6e-8`` is 8 chips of one), as Ray's TPU accelerator manager reads it.
* Device nodes: ``/dev/accel<N>`` up to v4, ``/dev/vfio/<group>`` from v5e on (tpu-info's
  ``chip_path``).
* Chips per host: 4, or up to 8 on a single-host v5e or v6e (Ray's TPU accelerator manager).
* FP8 KV-cache dtype: ``float8_e5m2`` on v6e, ``float8_e4m3fn`` elsewhere (tpu-inference
  0.32's ``TpuPlatform.fp8_dtype``).
"""

from __future__ import annotations

from typing import NamedTuple

GIB = 1 << 30
GOOGLE_PCI_VENDOR = "0x1ae0"


class ChipGeneration(NamedTuple):
    """One TPU generation's fixed facts; ``key`` is how hwcore names it (``"v6e"``)."""

    key: str
    name: str
    pci_device: str
    pci_subsystem: str | None
    hbm_bytes: int
    cores_per_chip: int
    tensorcores_per_chip: int
    node_kind: str  # "accel" (/dev/accel<N>) or "vfio" (/dev/vfio/<group>)
    topology_dims: int  # 2 for the 2-D tori (v2, v3, v5e, v6e), 3 for the 3-D ones
    max_chips_per_host: int
    accelerator_type_names: tuple[str, ...]  # the generation part of "v6e-8"
    fp8_dtype: str = "float8_e4m3fn"


GENERATIONS = (
    ChipGeneration("v2", "TPU v2", "0x0027", "0x004e", 16 * GIB, 2, 2, "accel", 2, 4, ("v2",)),
    ChipGeneration("v3", "TPU v3", "0x0027", "0x004f", 32 * GIB, 2, 2, "accel", 2, 4, ("v3",)),
    ChipGeneration("v4", "TPU v4", "0x005e", None, 32 * GIB, 1, 2, "accel", 3, 4, ("v4",)),
    ChipGeneration(
        "v5e", "TPU v5e", "0x0063", None, 16 * GIB, 1, 1, "vfio", 2, 8, ("v5litepod", "v5e")
    ),
    ChipGeneration("v5p", "TPU v5p", "0x0062", None, 95 * GIB, 1, 2, "vfio", 3, 4, ("v5p", "v5")),
    ChipGeneration(
        "v6e", "TPU v6e", "0x006f", None, 32 * GIB, 1, 1, "vfio", 2, 8, ("v6e",),
        fp8_dtype="float8_e5m2",
    ),
    ChipGeneration(
        "7x", "TPU7x", "0x0076", None, 192 * GIB, 2, 2, "vfio", 3, 4, ("tpu7x", "v7x", "7x", "v7")
    ),
)


def generation_by_pci(device: str, subsystem: str) -> ChipGeneration | None:
    """The generation of a Google PCI device, or ``None`` when it is not a TPU (gVNIC
    network cards share the vendor id)."""
    for generation in GENERATIONS:
        if generation.pci_device == device and generation.pci_subsystem in (None, subsystem):
            return generation
    return None


def generation_by_type_name(name: str) -> ChipGeneration | None:
    """The generation named by the part of an accelerator type before the size
    (``"v5litepod"`` in ``"v5litepod-8"``), case-insensitively."""
    lowered = name.lower()
    return next((g for g in GENERATIONS if lowered in g.accelerator_type_names), None)


def by_key(key: str) -> ChipGeneration:
    """The generation hwcore calls ``key`` (``"v6e"``); ``KeyError`` for an unknown key."""
    for generation in GENERATIONS:
        if generation.key == key:
            return generation
    raise KeyError(key)
