"""Google TPU chips on a fake PCI bus, read as the kernel lists them."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from hwcore_tpu import chips
from hwcore_tpu.sysfs import PciChip, PciScan, scan_pci


def test_a_v6e_host_lists_eight_chips_in_address_order(tmp_path: Path, fakes: ModuleType) -> None:
    fakes.write_chips(tmp_path, "v6e", 8)
    scan = scan_pci(str(tmp_path / "sys"))
    assert scan.listed is True
    assert scan.directory == f"{tmp_path}/sys/bus/pci/devices"
    assert [chip.pci_bus_id for chip in scan.chips] == [f"0000:00:{4 + i:02x}.0" for i in range(8)]
    assert scan.chips[3] == PciChip("0000:00:07.0", chips.by_key("v6e"), 0, "3")


def test_functions_of_one_chip_are_one_chip(tmp_path: Path, fakes: ModuleType) -> None:
    fakes.write_chips(tmp_path, "7x", 4, functions_per_chip=2)
    assert [chip.pci_bus_id for chip in scan_pci(str(tmp_path / "sys")).chips] == [
        "0000:00:04.0", "0000:00:05.0", "0000:00:06.0", "0000:00:07.0",
    ]


def test_v2_and_v3_are_told_apart_by_subsystem(tmp_path: Path, fakes: ModuleType) -> None:
    fakes.write_chips(tmp_path, "v3", 1)
    fakes.write_chips(tmp_path, "v2", 1, first_slot=9)
    assert [chip.generation.key for chip in scan_pci(str(tmp_path / "sys")).chips] == ["v3", "v2"]


def test_other_devices_and_missing_facts(tmp_path: Path, fakes: ModuleType) -> None:
    fakes.write_pci_device(tmp_path, "0000:00:01.0", "0x1af4", "0x1041", "0x1041")  # virtio
    fakes.write_pci_device(tmp_path, "0000:00:02.0", "0x1ae0", "0x0042", "0x0058")  # gVNIC
    fakes.write_pci_device(tmp_path, "0000:00:03.0", "0x1AE0", "0x005E", "0x005e")  # no group
    scan = scan_pci(str(tmp_path / "sys"))
    assert scan.chips == (PciChip("0000:00:03.0", chips.by_key("v4"), None, None),)


def test_a_missing_bus_is_not_listed(tmp_path: Path) -> None:
    assert scan_pci(str(tmp_path)) == PciScan(f"{tmp_path}/bus/pci/devices", False, ())


def test_an_empty_bus_is_listed_without_chips(tmp_path: Path) -> None:
    (tmp_path / "bus/pci/devices").mkdir(parents=True)
    assert scan_pci(str(tmp_path)) == PciScan(f"{tmp_path}/bus/pci/devices", True, ())
