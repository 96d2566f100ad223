"""Detection on fake NVML nodes, without NVML (the real state of CI), and on a Jetson."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from hwcore.records import DeviceCapability, PlatformAbsent, PlatformInfo
from hwcore_cuda import inventory, nvml, plugin

GIB = 1 << 30


@pytest.mark.parametrize(
    ("model", "name", "capability", "memory"),
    [
        ("A100", "NVIDIA A100-SXM4-80GB", (8, 0), 80.0),
        ("H100", "NVIDIA H100 80GB HBM3", (9, 0), 79.6),
        ("H200", "NVIDIA H200", (9, 0), 140.4),
        ("B200", "NVIDIA B200", (10, 0), 179.1),
        ("L4", "NVIDIA L4", (8, 9), 22.5),
        ("RTX4090", "NVIDIA GeForce RTX 4090", (8, 9), 24.0),
        ("T4", "Tesla T4", (7, 5), 15.0),
    ],
)
def test_each_gpu_model_is_read_from_nvml(
    fake_nvml: Callable[..., object], model: str, name: str,
    capability: tuple[int, int], memory: float,
) -> None:
    node = fake_nvml(f"2x{model}")
    info = plugin.detect_platform()
    assert isinstance(info, PlatformInfo)
    assert info.evidence == (f"NVML reports 2 GPUs: 2x {name} (driver 580.82.07)",)
    assert info.device_count == 2
    assert plugin.get_device_name(device_id=1) == name
    assert plugin.get_device_capability(device_id=0) == DeviceCapability(*capability)
    assert round(plugin.get_device_total_memory(device_id=0) / GIB, 1) == memory
    assert plugin.get_device_uuid(device_id=1) == node.gpus[1].uuid  # type: ignore[attr-defined]
    assert node.initialised == 0  # type: ignore[attr-defined]  # every nvmlInit was shut down


def test_static_facts_and_driver_details(fake_nvml: Callable[..., object]) -> None:
    fake_nvml("8xH100")
    assert plugin.detect_platform() == PlatformInfo(
        name="cuda",
        device_name="cuda",
        device_type="cuda",
        dispatch_key="CUDA",
        dist_backend="nccl",
        device_count=8,
        evidence=("NVML reports 8 GPUs: 8x NVIDIA H100 80GB HBM3 (driver 580.82.07)",),
        ray_device_key="GPU",
        device_control_env_var="CUDA_VISIBLE_DEVICES",
        ray_noset_device_env_vars=("RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES",),
        details=(("detected with", "nvml"), ("physical GPUs", "8"),
                 ("driver version", "580.82.07"), ("CUDA driver", "12.8")),
    )


def test_nvml_missing_is_absent_with_the_reason() -> None:
    # No fake: this machine has nvidia-ml-py but no libnvidia-ml.so.1.
    assert plugin.detect_platform() == PlatformAbsent(
        "NVML library not found (NVML Shared Library Not Found); no Tegra release file "
        "(/etc/nv_tegra_release) or /sys/class/tegra-firmware"
    )


def test_driver_not_loaded_is_absent_with_the_reason(fake_nvml: Callable[..., object]) -> None:
    fake_nvml("driver-not-loaded")
    assert plugin.detect_platform() == PlatformAbsent(
        "NVIDIA driver not loaded (Driver Not Loaded); no Tegra release file "
        "(/etc/nv_tegra_release) or /sys/class/tegra-firmware"
    )


def test_nvml_with_no_gpus_is_absent(fake_nvml: Callable[..., object], fakes: ModuleType) -> None:
    fake_nvml(fakes.FakeNvml([]))
    assert plugin.detect_platform() == PlatformAbsent("NVML reports no GPUs (driver 580.82.07)")


def test_visibility_that_hides_every_gpu_makes_the_platform_absent(
    fake_nvml: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_nvml("8xH100")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert plugin.detect_platform() == PlatformAbsent(
        "NVML reports 8 GPUs: 8x NVIDIA H100 80GB HBM3 (driver 580.82.07), but "
        "CUDA_VISIBLE_DEVICES='' hides every GPU from this process; unset it to use all "
        "8 GPUs on this node"
    )


def test_a_malformed_visibility_value_keeps_the_platform_and_fails_its_queries(
    fake_nvml: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_nvml("8xH100")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,0")
    info = plugin.detect_platform()
    assert isinstance(info, PlatformInfo)
    message = (
        "CUDA_VISIBLE_DEVICES='0,0': GPU 0 is listed twice (entries '0' and '0'); "
        "list each GPU once"
    )
    assert info.evidence[1] == f"CUDA_VISIBLE_DEVICES cannot be used: {message}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        plugin.get_device_count()


def test_jetson_orin_without_nvml_is_found_from_tegra_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "jetson"
    (root / "etc").mkdir(parents=True)
    (root / "etc/nv_tegra_release").write_text("# R36 (release), REVISION: 3.0\n")
    (root / "proc/device-tree").mkdir(parents=True)
    (root / "proc/device-tree/model").write_text("NVIDIA Jetson AGX Orin Developer Kit\x00")
    (root / "proc/meminfo").write_text("MemTotal:       64335836 kB\nMemFree: 1 kB\n")
    monkeypatch.setattr(plugin, "TEGRA_ROOT", root)
    info = plugin.detect_platform()
    assert isinstance(info, PlatformInfo)
    assert info.evidence == (
        "Tegra marker /etc/nv_tegra_release exists: NVIDIA Jetson AGX Orin Developer Kit "
        "(NVML unavailable: NVML library not found (NVML Shared Library Not Found))",
    )
    assert info.details == (("detected with", "tegra"), ("physical GPUs", "1"))
    assert plugin.get_device_name(device_id=0) == "NVIDIA Jetson AGX Orin Developer Kit"
    assert plugin.get_device_capability(device_id=0) == DeviceCapability(8, 7)
    assert plugin.get_device_total_memory(device_id=0) == 64335836 * 1024
    assert plugin.get_device_uuid(device_id=0) is None
    assert plugin.is_fully_connected(physical_device_ids=[0]) is False


def test_tegra_firmware_directory_is_a_marker_too(tmp_path: Path) -> None:
    (tmp_path / "sys/class/tegra-firmware").mkdir(parents=True)
    found = inventory.probe(tmp_path)
    assert isinstance(found, inventory.Inventory)
    assert found.gpus[0].name == "NVIDIA Jetson (unknown model)"
    assert found.gpus[0].capability is None


def test_mixed_node_warns_without_pci_bus_order(
    fake_nvml: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_nvml("A100+H100")
    plugin.detect_platform()
    assert plugin.log_warnings() == [
        "this node mixes GPU models (NVIDIA A100-SXM4-80GB, NVIDIA H100 80GB HBM3) and "
        "CUDA_DEVICE_ORDER is not PCI_BUS_ID, so CUDA may number the GPUs differently from "
        "NVML; set CUDA_DEVICE_ORDER=PCI_BUS_ID before starting the engine"
    ]
    monkeypatch.setenv("CUDA_DEVICE_ORDER", "PCI_BUS_ID")
    assert plugin.log_warnings() == []


def test_mixed_node_runs_at_its_weakest_gpu(fake_nvml: Callable[..., object]) -> None:
    fake_nvml("H100+T4")
    plugin.detect_platform()
    assert plugin.get_supported_dtypes() == ["float16", "float32"]
    assert plugin.supports_fp8() is False


def test_uniform_node_has_no_warning(fake_nvml: Callable[..., object]) -> None:
    fake_nvml("8xH100")
    plugin.detect_platform()
    assert plugin.log_warnings() == []


def test_mig_instance_reports_its_own_uuid_and_memory(
    fake_nvml: Callable[..., object], monkeypatch: pytest.MonkeyPatch, fakes: ModuleType
) -> None:
    node = fakes.node("2xA100")
    node.gpus[1].mig = (("MIG-aaaa-1", 10 << 30), ("MIG-bbbb-2", 20 << 30))
    fake_nvml(node)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "MIG-bbbb-2")
    plugin.detect_platform()
    assert plugin.device_id_to_physical_device_id(device_id=0) == 1
    assert plugin.get_device_uuid(device_id=0) == "MIG-bbbb-2"
    assert plugin.get_device_total_memory(device_id=0) == 20 << 30


def test_nvlink_topology(fake_nvml: Callable[..., object]) -> None:
    node = fake_nvml("4xH100")
    assert nvml.nvlink_fully_connected([0, 1, 2, 3]) is True
    assert "p2p 0 1 2" in node.calls  # type: ignore[attr-defined]  # NVML_P2P_CAPS_INDEX_NVLINK
    node.nvlink = {frozenset((0, 1)), frozenset((2, 3))}  # type: ignore[attr-defined]
    assert nvml.nvlink_fully_connected([0, 1]) is True
    assert nvml.nvlink_fully_connected([0, 1, 2]) is False
    assert nvml.nvlink_fully_connected([0, 9]) is False  # an NVML error means "not connected"


def test_custom_allreduce_needs_two_fully_connected_gpus(
    fake_nvml: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    node = fake_nvml("4xH100")
    plugin.detect_platform()
    assert plugin.use_custom_allreduce() is True
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2")
    assert plugin.use_custom_allreduce() is False
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1,2")
    node.nvlink = {frozenset((0, 1))}  # type: ignore[attr-defined]
    assert plugin.use_custom_allreduce() is False


def test_a_non_nvml_fault_propagates(monkeypatch: pytest.MonkeyPatch) -> None:
    import pynvml

    def broken() -> None:
        raise RuntimeError("segfault avoided")

    monkeypatch.setattr(pynvml, "nvmlInit", broken)
    with pytest.raises(RuntimeError, match=r"^segfault avoided$"):
        plugin.detect_platform()


def test_detection_and_queries_import_no_torch(fake_nvml_env: Callable[[str], dict[str, str]]) -> None:
    script = (
        "import sys, hwcore_cuda.plugin as p\n"
        "p.detect_platform()\n"
        "import pynvml\n"
        "assert 'torch' not in sys.modules, 'detection imported torch'\n"
        "p.get_device_count(); p.get_device_name(device_id=1); p.get_device_capability(device_id=0)\n"
        "p.get_device_total_memory(device_id=0); p.is_fully_connected(physical_device_ids=[0, 1])\n"
        "p.use_custom_allreduce(); p.get_supported_dtypes(); p.log_warnings()\n"
        "assert 'torch' not in sys.modules, 'a device query imported torch'\n"
        "print(p.get_device_count())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False,
        env=fake_nvml_env("8xH100"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "8\n"


def test_detection_leaves_torch_cuda_uninitialised(
    fake_nvml_env: Callable[[str], dict[str, str]],
) -> None:
    torch = pytest.importorskip("torch")
    script = (
        "import torch, hwcore_cuda.plugin as p\n"
        "p.detect_platform(); p.get_device_capability(device_id=0)\n"
        "print(torch.cuda.is_initialized())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False,
        env=fake_nvml_env("8xH100"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "False\n"
    assert torch.cuda.is_initialized() is False
