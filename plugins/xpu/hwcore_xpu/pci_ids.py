"""Intel GPU models by PCI device id: name, architecture, market segment and tiles.

Sources, both public:

* the device ids are the Linux kernel's, ``include/drm/intel/pciids.h`` (formerly
  ``include/drm/i915_pciids.h`` and ``include/drm/xe_pciids.h``): the ``INTEL_PVC_IDS``,
  ``INTEL_ATS_M_IDS``, ``INTEL_DG2_IDS``, ``INTEL_BMG_IDS``, ``INTEL_MTL_IDS``,
  ``INTEL_ARL_IDS``, ``INTEL_LNL_IDS``, ``INTEL_PTL_IDS`` groups (and the Xe-LP groups
  ``INTEL_TGL/RKL/DG1/ADLS/ADLP/ADLN/RPLS/RPLU/RPLP_IDS``);
* the marketing names and tile counts are the PCI ID Repository's (``pci.ids``, vendor
  8086, e.g. ``0bd5 Ponte Vecchio XT (2 Tile) [Data Center GPU Max 1550]``), written the
  way Level Zero and ``torch.xpu`` print them, so name-based rules (vLLM's "a770" check)
  read the same whichever source found the GPU.

Xe-LP GPUs (Tiger Lake to Raptor Lake integrated graphics, DG1) are listed so they can be
named, but they are not PyTorch XPU targets: Intel's PyTorch XPU builds support the Data
Center GPU Max and Flex series, Arc A- and B-series and the Core Ultra (Xe-LPG and newer)
integrated GPUs. An id missing here is reported by its number, never guessed.
"""

from __future__ import annotations

from typing import NamedTuple

INTEL_VENDOR_ID = 0x8086

DATA_CENTER = "data-center"
CLIENT = "client"
INTEGRATED = "integrated"

XE_HPC = "Xe-HPC"  # Ponte Vecchio: Data Center GPU Max
XE_HPG = "Xe-HPG"  # Alchemist (DG2) and Arctic Sound-M (Flex)
XE2_HPG = "Xe2-HPG"  # Battlemage
XE_LPG = "Xe-LPG"  # Meteor Lake, Arrow Lake
XE2_LPG = "Xe2-LPG"  # Lunar Lake
XE3_LPG = "Xe3-LPG"  # Panther Lake
XE_LP = "Xe-LP"  # Tiger Lake .. Raptor Lake, DG1: not a PyTorch XPU target


class GpuModel(NamedTuple):
    """What a PCI device id says about a GPU, before any driver is asked (a NamedTuple:
    the table holds about 180 of them and is built in every detecting process)."""

    name: str
    architecture: str
    segment: str
    tiles: int = 1

    @property
    def is_xpu_target(self) -> bool:
        """Whether Intel's PyTorch XPU builds run on this generation."""
        return self.architecture != XE_LP


def _models(
    architecture: str, segment: str, names: dict[int, str], tiles: int = 1
) -> dict[int, GpuModel]:
    return {
        device_id: GpuModel(name, architecture, segment, tiles)
        for device_id, name in names.items()
    }


def _generation(
    architecture: str, segment: str, name: str, device_ids: tuple[int, ...]
) -> dict[int, GpuModel]:
    return {device_id: GpuModel(name, architecture, segment) for device_id in device_ids}


_ARC = "Intel(R) Arc(TM) {} Graphics"
_GRAPHICS = "Intel(R) Graphics"

MODELS: dict[int, GpuModel] = {
    # Data Center GPU Max (INTEL_PVC_IDS); two-tile parts expose each tile as a device in
    # Level Zero's FLAT hierarchy.
    **_models(XE_HPC, DATA_CENTER, {
        0x0BD4: "Intel(R) Data Center GPU Max 1550VG",
        0x0BD5: "Intel(R) Data Center GPU Max 1550",
        0x0BD6: "Intel(R) Data Center GPU Max 1550",
        0x0BD7: "Intel(R) Data Center GPU Max 1350",
        0x0BD8: "Intel(R) Data Center GPU Max 1350",
        0x0B69: "Intel(R) Data Center GPU Max 1450",
    }, tiles=2),
    **_models(XE_HPC, DATA_CENTER, {
        0x0BD9: "Intel(R) Data Center GPU Max 1100",
        0x0BDA: "Intel(R) Data Center GPU Max 1100",
        0x0BDB: "Intel(R) Data Center GPU Max 1100",
        0x0B6E: "Intel(R) Data Center GPU Max 1100C",
    }),
    # Data Center GPU Flex (INTEL_ATS_M_IDS); a Flex 140 card carries two 0x56C1 GPUs,
    # each its own PCI device.
    **_models(XE_HPG, DATA_CENTER, {
        0x56C0: "Intel(R) Data Center GPU Flex 170",
        0x56C2: "Intel(R) Data Center GPU Flex 170V",
        0x56C1: "Intel(R) Data Center GPU Flex 140",
    }),
    # Arc A-series (INTEL_DG2_IDS): desktop, mobile (M), embedded (E) and Pro parts.
    **_models(XE_HPG, CLIENT, {
        0x56A0: _ARC.format("A770"),
        0x56A1: _ARC.format("A750"),
        0x56A2: _ARC.format("A580"),
        0x56A5: _ARC.format("A380"),
        0x56A6: _ARC.format("A310"),
        0x56A3: _ARC.format("Xe"),
        0x56A4: _ARC.format("Xe"),
        0x5690: _ARC.format("A770M"),
        0x5691: _ARC.format("A730M"),
        0x5692: _ARC.format("A550M"),
        0x5693: _ARC.format("A370M"),
        0x5694: _ARC.format("A350M"),
        0x5695: "Intel(R) Iris(R) Xe MAX A200M Graphics",
        0x5696: _ARC.format("A570M"),
        0x5697: _ARC.format("A530M"),
        0x56B0: _ARC.format("Pro A30M"),
        0x56B1: _ARC.format("Pro A40/A50"),
        0x56B2: _ARC.format("Pro A60M"),
        0x56B3: _ARC.format("Pro A60"),
        0x56BA: _ARC.format("A380E"),
        0x56BB: _ARC.format("A310E"),
        0x56BC: _ARC.format("A370E"),
        0x56BD: _ARC.format("A350E"),
        0x56BE: _ARC.format("A750E"),
        0x56BF: _ARC.format("A580E"),
    }),
    # Arc B-series (INTEL_BMG_IDS); ids pci.ids does not name yet keep the generic name.
    **_models(XE2_HPG, CLIENT, {
        0xE20B: _ARC.format("B580"),
        0xE20C: _ARC.format("B570"),
        0xE211: _ARC.format("Pro B60"),
        0xE212: _ARC.format("Pro B50"),
        0xE222: _ARC.format("Pro B65"),
        0xE223: _ARC.format("Pro B70"),
        **{device_id: _GRAPHICS for device_id in (
            0xE202, 0xE209, 0xE20D, 0xE210, 0xE216, 0xE220, 0xE221)},
    }),
    # Core Ultra integrated GPUs: Meteor Lake and Arrow Lake (INTEL_MTL_IDS, INTEL_ARL_IDS),
    # Lunar Lake (INTEL_LNL_IDS), Panther Lake (INTEL_PTL_IDS).
    **_models(XE_LPG, INTEGRATED, {
        0x7D55: "Intel(R) Arc(TM) Graphics",
        0x7D51: _ARC.format("Pro 130T/140T"),
        **{device_id: _GRAPHICS for device_id in (
            0x7D40, 0x7D45, 0x7D60, 0x7DD5, 0x7D41, 0x7D67, 0x7DD1, 0xB640)},
    }),
    **_models(XE2_LPG, INTEGRATED, {
        0x64A0: _ARC.format("130V/140V"),
        0x6420: _GRAPHICS,
        0x64B0: _GRAPHICS,
    }),
    **_models(XE3_LPG, INTEGRATED, {
        0xB080: _ARC.format("B390"),
        0xB081: _ARC.format("B370"),
        0xB082: _ARC.format("B390"),
        0xB083: _ARC.format("B370"),
        0xB084: _ARC.format("Pro B390"),
        0xB085: _ARC.format("Pro B370"),
        0xB086: _ARC.format("Pro B390"),
        0xB087: _ARC.format("Pro B370"),
        **{device_id: _GRAPHICS for device_id in (0xB08F, 0xB090, 0xB0A0, 0xB0B0)},
    }),
    # Xe-LP: named so a report can say why they do not count.
    **_generation(XE_LP, INTEGRATED, "Intel(R) UHD/Iris(R) Xe Graphics (Tiger Lake)", (
        0x9A60, 0x9A68, 0x9A70, 0x9A40, 0x9A49, 0x9A59, 0x9A78, 0x9AC0, 0x9AC9, 0x9AD9,
        0x9AF8)),
    **_generation(XE_LP, INTEGRATED, "Intel(R) UHD Graphics (Rocket Lake)", (
        0x4C80, 0x4C8A, 0x4C8B, 0x4C8C, 0x4C90, 0x4C9A)),
    **_generation(XE_LP, CLIENT, "Intel(R) Iris(R) Xe MAX Graphics (DG1)", (
        0x4905, 0x4906, 0x4907, 0x4908, 0x4909)),
    **_generation(XE_LP, INTEGRATED, "Intel(R) UHD/Iris(R) Xe Graphics (Alder Lake)", (
        0x4680, 0x4682, 0x4688, 0x468A, 0x468B, 0x4690, 0x4692, 0x4693,
        0x46A0, 0x46A1, 0x46A2, 0x46A3, 0x46A6, 0x46A8, 0x46AA, 0x462A, 0x4626, 0x4628,
        0x46B0, 0x46B1, 0x46B2, 0x46B3, 0x46C0, 0x46C1, 0x46C2, 0x46C3,
        0x46D0, 0x46D1, 0x46D2, 0x46D3, 0x46D4)),
    **_generation(XE_LP, INTEGRATED, "Intel(R) UHD/Iris(R) Xe Graphics (Raptor Lake)", (
        0xA780, 0xA781, 0xA782, 0xA783, 0xA788, 0xA789, 0xA78A, 0xA78B,
        0xA721, 0xA7A1, 0xA7A9, 0xA7AC, 0xA7AD, 0xA720, 0xA7A0, 0xA7A8, 0xA7AA, 0xA7AB)),
}


def lookup(device_id: int) -> GpuModel | None:
    """The model of PCI device ``device_id`` (vendor 0x8086), or ``None`` if not listed."""
    return MODELS.get(device_id)
