"""The amdsmi seam on fake nodes and on each way a real amdsmi install breaks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

import pytest

from hwcore_rocm import smi
from hwcore_rocm.links import XGMI, Link

MIB = 1 << 20


def test_reads_an_eight_mi300x_node(
    fake_amdsmi: Callable[..., object], capsys: pytest.CaptureFixture[str]
) -> None:
    node = fake_amdsmi("8xMI300X")
    table = smi.read_device_table()
    assert isinstance(table, smi.SmiTable)
    assert table.library_version == "25.5.1"
    assert table.driver_version == "6.12.12"
    first = table.devices[0]
    fake_gpu = node.gpus[0]  # type: ignore[attr-defined]
    assert first == smi.SmiDevice(
        index=0, architecture="gfx942", device_id="0x74a1", market_name="AMD Instinct MI300X",
        uuid=fake_gpu.uuid, total_memory=196592 * MIB, pci_bus_id="0000:0c:00.0", numa_node=0,
        compute_units=304, hip_id=0, hip_uuid=fake_gpu.hip_uuid,
    )
    assert [d.numa_node for d in table.devices] == [0, 0, 0, 0, 1, 1, 1, 1]
    assert len(table.links) == 28  # every pair of eight, read once
    assert set(table.links) == {Link(a, b, 1, XGMI) for a in range(8) for b in range(a + 1, 8)}
    assert node.initialised == 0  # type: ignore[attr-defined]  # shut down after reading
    assert capsys.readouterr().out == ""


def test_amdsmi_6_reports_no_hip_ids(fake_amdsmi: Callable[..., object]) -> None:
    fake_amdsmi("2xMI210@amdsmi6")
    table = smi.read_device_table()
    assert isinstance(table, smi.SmiTable)
    assert [(d.hip_id, d.hip_uuid) for d in table.devices] == [(None, None), (None, None)]
    assert table.library_version == "6.4.3"
    assert {(link.hops, link.link_type) for link in table.links} == {(2, 1)}  # PCIe


def test_an_optional_query_that_fails_reads_as_unknown(
    fake_amdsmi: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_amdsmi("RX7900XTX")
    import amdsmi

    def not_supported(handle: object) -> int:
        raise amdsmi.AmdSmiLibraryException(2)  # AMDSMI_STATUS_NOT_SUPPORTED

    monkeypatch.setattr(amdsmi, "amdsmi_topo_get_numa_node_number", not_supported)
    monkeypatch.setattr(amdsmi, "amdsmi_get_gpu_device_uuid", not_supported)
    monkeypatch.delattr(amdsmi, "amdsmi_get_lib_version")  # older releases lack it
    table = smi.read_device_table()
    assert isinstance(table, smi.SmiTable)
    assert (table.devices[0].numa_node, table.devices[0].uuid) == (None, None)
    assert table.devices[0].architecture == "gfx1100"
    assert table.library_version is None


@pytest.mark.parametrize("unknown", ["N/A", 0xFFFFFFFF, ""])
def test_values_amdsmi_marks_unknown_read_as_none(
    fake_amdsmi: Callable[..., object], monkeypatch: pytest.MonkeyPatch, unknown: object
) -> None:
    fake_amdsmi("MI210")
    import amdsmi

    asic = amdsmi.amdsmi_get_gpu_asic_info
    monkeypatch.setattr(amdsmi, "amdsmi_get_gpu_asic_info",
                        lambda h: {**asic(h), "num_compute_units": unknown, "market_name": unknown})
    monkeypatch.setattr(amdsmi, "amdsmi_get_gpu_enumeration_info",
                        lambda h: {"hip_id": unknown, "hip_uuid": unknown})
    table = smi.read_device_table()
    assert isinstance(table, smi.SmiTable)
    device = table.devices[0]
    assert (device.compute_units, device.market_name, device.hip_id, device.hip_uuid) == (
        None, None, None, None)


def test_amdsmi_not_installed() -> None:
    # The autouse fixture makes `import amdsmi` fail as when it is not installed.
    assert smi.read_device_table() == smi.SmiUnavailable(
        "amdsmi is not installed (pip install 'hwcore-rocm[amdsmi]', matching your ROCm "
        "release)",
        "ModuleNotFoundError",
    )


def test_missing_library_keyerror_and_its_prints_are_captured(
    broken_amdsmi: Callable[[str], None], capfd: pytest.CaptureFixture[str]
) -> None:
    broken_amdsmi("missing")
    assert smi.read_device_table() == smi.SmiUnavailable(
        "amdsmi cannot load libamd_smi.so (KeyError: 'libamd_smi.so'; it printed: Unable to "
        "find libamd_smi.so library try installing amd-smi-lib from your package manager); "
        "install ROCm's amd-smi-lib or point ROCM_PATH at the ROCm install",
        "KeyError",
    )
    assert capfd.readouterr() == ("", "")


def test_a_wrapper_newer_than_rocm_raises_attributeerror_on_import(
    broken_amdsmi: Callable[[str], None], capfd: pytest.CaptureFixture[str]
) -> None:
    broken_amdsmi("version-mismatch")
    assert smi.read_device_table() == smi.SmiUnavailable(
        "the amdsmi wrapper does not match the installed ROCm library (AttributeError: "
        "/opt/rocm/lib/libamd_smi.so: undefined symbol: amdsmi_get_gpu_enumeration_info); "
        "install the amdsmi release of your ROCm (same major.minor) or use the wrapper ROCm "
        "ships in its install folder",
        "AttributeError",
    )
    assert capfd.readouterr() == ("", "")


def test_driver_not_loaded_is_status_34(fake_amdsmi: Callable[..., object]) -> None:
    node = fake_amdsmi("driver-not-loaded")
    assert smi.read_device_table() == smi.SmiUnavailable(
        "the amdgpu driver is not loaded (AmdSmiLibraryException: Error code: 34 | "
        "AMDSMI_STATUS_DRIVER_NOT_LOADED - Driver not loaded)",
        "AmdSmiLibraryException",
    )
    assert node.calls == ["amdsmi_init"]  # type: ignore[attr-defined]  # no shut-down without init


def test_a_failing_required_query_shuts_amdsmi_down(
    fake_amdsmi: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    node = fake_amdsmi("2xMI300X")
    import amdsmi

    def broken(handle: object) -> dict[str, object]:
        raise amdsmi.AmdSmiLibraryException(32)

    monkeypatch.setattr(amdsmi, "amdsmi_get_gpu_asic_info", broken)
    assert smi.read_device_table() == smi.SmiUnavailable(
        "amdsmi failed while reading the GPUs (AmdSmiLibraryException: Error code: 32 | "
        "AMDSMI_STATUS_NOT_INIT - Device not initialized)",
        "AmdSmiLibraryException",
    )
    assert node.initialised == 0  # type: ignore[attr-defined]
    assert node.calls[-1] == "amdsmi_shut_down"  # type: ignore[attr-defined]


def test_an_import_that_raises_something_else_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = ModuleType("amdsmi")
    monkeypatch.setitem(sys.modules, "amdsmi", broken)

    def boom() -> None:
        raise OSError("libdrm.so.2: cannot open shared object file")

    broken.amdsmi_init = boom  # type: ignore[attr-defined]
    assert smi.read_device_table() == smi.SmiUnavailable(
        "amdsmi cannot be initialised (OSError: libdrm.so.2: cannot open shared object file)",
        "OSError",
    )


def test_memory_in_use_is_read_through_amdsmi(fake_amdsmi: Callable[..., object]) -> None:
    node = fake_amdsmi("2xMI300X")
    node.gpus[1].vram_used = 3 << 30  # type: ignore[attr-defined]
    assert smi.memory_used(1) == 3 << 30
    assert smi.memory_used(2) is None  # no such GPU
    assert node.initialised == 0  # type: ignore[attr-defined]


def test_memory_in_use_without_amdsmi_is_unknown() -> None:
    assert smi.memory_used(0) is None
