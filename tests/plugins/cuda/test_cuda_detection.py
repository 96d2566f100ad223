"""``detect_platform(environ)``: the device table as records, on fake NVML nodes, without NVML
(the real state of CI), on a Jetson, and with every form of ``CUDA_VISIBLE_DEVICES``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from hwcore.plugin_api import DeviceCapability, DeviceInfo, PlatformAbsent, PlatformInfo
from hwcore_cuda import inventory, nvml, plugin
from hwcore_cuda.backend_hints import PROVIDER_HINTS

GIB = 1 << 30
MIB = 1 << 20
NO_TEGRA = "no Tegra release file (/etc/nv_tegra_release) or /sys/class/tegra-firmware"
EIGHT_H100 = "NVML reports 8 GPUs: 8x NVIDIA H100 80GB HBM3 (driver 580.82.07)"


def detect(environ: dict[str, str] | None = None) -> PlatformInfo | PlatformAbsent:
    return plugin.detect_platform(environ={} if environ is None else environ)


def detected(environ: dict[str, str] | None = None) -> PlatformInfo:
    info = detect(environ)
    assert isinstance(info, PlatformInfo), info
    return info


def write_jetson(root: Path, model: str | None, meminfo: str | None) -> None:
    (root / "etc").mkdir(parents=True)
    (root / "etc/nv_tegra_release").write_text("# R36 (release), REVISION: 3.0\n")
    if model is not None:
        (root / "proc/device-tree").mkdir(parents=True)
        (root / "proc/device-tree/model").write_text(model)
    if meminfo is not None:
        (root / "proc").mkdir(exist_ok=True)
        (root / "proc/meminfo").write_text(meminfo)


# ------------------------------------------------------------------------- NVML nodes


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
    info = detected()
    assert info.evidence == (f"NVML reports 2 GPUs: 2x {name} (driver 580.82.07)",)
    assert info.device_count == 2
    first, second = info.devices
    assert (first.name, second.name) == (name, name)
    assert first.capability == DeviceCapability(*capability)
    assert round(first.total_memory / GIB, 1) == memory  # type: ignore[operator]
    assert first.uuid == node.gpus[0].uuid  # type: ignore[attr-defined]
    assert second.uuid == node.gpus[1].uuid  # type: ignore[attr-defined]
    assert (first.integrated, first.details) == (False, ())
    assert node.initialised == 0  # type: ignore[attr-defined]  # every nvmlInit was shut down


def test_static_facts_devices_and_driver_details(fake_nvml: Callable[..., object]) -> None:
    node = fake_nvml("8xH100")
    devices = tuple(
        DeviceInfo(
            index=i, physical_index=i, name="NVIDIA H100 80GB HBM3", uuid=gpu.uuid,
            capability=DeviceCapability(9, 0), total_memory=81559 * MIB, integrated=False,
        )
        for i, gpu in enumerate(node.gpus)  # type: ignore[attr-defined]
    )
    assert detect() == PlatformInfo(
        name="cuda",
        device_name="cuda",
        device_type="cuda",
        dispatch_key="CUDA",
        dist_backend="nccl",
        devices=devices,
        evidence=(EIGHT_H100,),
        ray_device_key="GPU",
        device_control_env_var="CUDA_VISIBLE_DEVICES",
        ray_noset_device_env_vars=("RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES",),
        supported_dtypes=("bfloat16", "float16", "float32"),
        supports_fp8=True,
        supports_mx=False,
        fully_connected=True,
        custom_allreduce=True,
        backend_hints=tuple(PROVIDER_HINTS.items()),
        details=(("detected with", "nvml"), ("physical GPUs", "8"),
                 ("driver version", "580.82.07"), ("CUDA driver", "12.8")),
    )


@pytest.mark.parametrize(
    ("model", "dtypes", "fp8", "mx"),
    [
        ("T4", ("float16", "float32"), False, False),
        ("A100", ("bfloat16", "float16", "float32"), False, False),
        ("L4", ("bfloat16", "float16", "float32"), True, False),
        ("H100", ("bfloat16", "float16", "float32"), True, False),
        ("B200", ("bfloat16", "float16", "float32"), True, True),
        ("RTX5090", ("bfloat16", "float16", "float32"), True, False),
    ],
)
def test_platform_facts_follow_the_compute_capability(
    fake_nvml: Callable[..., object], model: str, dtypes: tuple[str, ...], fp8: bool, mx: bool
) -> None:
    fake_nvml(model)
    info = detected()
    assert (info.supported_dtypes, info.supports_fp8, info.supports_mx) == (dtypes, fp8, mx)
    assert (info.fp8_fnuz, info.fp8_dtype) == (False, "float8_e4m3fn")


def test_a_mixed_node_runs_at_its_weakest_gpu(fake_nvml: Callable[..., object]) -> None:
    fake_nvml("H100+T4")
    info = detected()
    assert info.supported_dtypes == ("float16", "float32")
    assert info.supports_fp8 is False
    assert [device.capability for device in info.devices] == [(9, 0), (7, 5)]
    # Hiding the weak GPU lifts the platform to the strong one.
    assert detected({"CUDA_VISIBLE_DEVICES": "0"}).supports_fp8 is True


# ------------------------------------------------------------------------- absent

def test_nvml_missing_is_absent_with_the_reason(fake_nvml: Callable[..., object]) -> None:
    fake_nvml("missing")
    assert detect() == PlatformAbsent(
        f"NVML library not found (NVML Shared Library Not Found); {NO_TEGRA}"
    )


def test_the_real_nvml_of_a_machine_without_a_driver_is_absent() -> None:
    # No fake: the real nvidia-ml-py, whose libnvidia-ml.so.1 is missing on CI machines.
    info = detect()
    if isinstance(info, PlatformInfo):
        pytest.skip(f"this machine has NVIDIA GPUs: {info.evidence[0]}")
    assert info == PlatformAbsent(
        f"NVML library not found (NVML Shared Library Not Found); {NO_TEGRA}"
    )


def test_driver_not_loaded_is_absent_with_the_reason(fake_nvml: Callable[..., object]) -> None:
    fake_nvml("driver-not-loaded")
    assert detect() == PlatformAbsent(f"NVIDIA driver not loaded (Driver Not Loaded); {NO_TEGRA}")


def test_nvml_with_no_gpus_is_absent(fake_nvml: Callable[..., object], fakes: ModuleType) -> None:
    fake_nvml(fakes.FakeNvml([]))
    assert detect() == PlatformAbsent("NVML reports no GPUs (driver 580.82.07)")


@pytest.mark.parametrize("value", ["", "-1"])
def test_visibility_that_hides_every_gpu_makes_the_platform_absent(
    fake_nvml: Callable[..., object], value: str
) -> None:
    fake_nvml("8xH100")
    assert detect({"CUDA_VISIBLE_DEVICES": value}) == PlatformAbsent(
        f"{EIGHT_H100}, but CUDA_VISIBLE_DEVICES={value!r} hides every GPU from this process; "
        "unset it to use all 8 GPUs on this node"
    )


def test_a_non_nvml_fault_propagates(monkeypatch: pytest.MonkeyPatch) -> None:
    import pynvml

    def broken() -> None:
        raise RuntimeError("segfault avoided")

    monkeypatch.setattr(pynvml, "nvmlInit", broken)
    with pytest.raises(RuntimeError, match=r"^segfault avoided$"):
        detect()


# --------------------------------------------------------------------- visibility


def test_visible_devices_are_the_logical_order(
    fake_nvml: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    node = fake_nvml("8xH100")
    # Detection reads the environment it is given (the host's), never the process's.
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    info = detected({"CUDA_VISIBLE_DEVICES": "3,1"})
    assert [(d.index, d.physical_index) for d in info.devices] == [(0, 3), (1, 1)]
    assert [d.uuid for d in info.devices] == [
        node.gpus[3].uuid, node.gpus[1].uuid  # type: ignore[attr-defined]
    ]
    assert info.evidence == (
        EIGHT_H100, "CUDA_VISIBLE_DEVICES='3,1' selects physical GPU(s) 3, 1"
    )
    assert detected().device_count == 8


def test_an_unmappable_value_keeps_the_platform_but_marks_it_unusable(
    fake_nvml: Callable[..., object],
) -> None:
    fake_nvml("8xH100")
    info = detected({"CUDA_VISIBLE_DEVICES": "0,0"})
    assert info.devices == ()
    assert info.evidence == (EIGHT_H100, "CUDA_VISIBLE_DEVICES cannot be used")
    assert info.unusable_reason == (
        "CUDA_VISIBLE_DEVICES='0,0': GPU 0 is listed twice (entries '0' and '0'); "
        "list each GPU once"
    )


def test_mig_instance_reports_its_own_uuid_and_memory(
    fake_nvml: Callable[..., object], fakes: ModuleType
) -> None:
    node = fakes.node("2xA100")
    node.gpus[1].mig = (("MIG-aaaa-1", 10 << 30), ("MIG-bbbb-2", 20 << 30))
    fake_nvml(node)
    info = detected({"CUDA_VISIBLE_DEVICES": "MIG-bbbb-2,0"})
    assert info.devices == (
        DeviceInfo(
            index=0, physical_index=1, name="NVIDIA A100-SXM4-80GB", uuid="MIG-bbbb-2",
            capability=DeviceCapability(8, 0), total_memory=20 << 30, integrated=False,
            details=(("MIG instance of GPU", "1"),),
        ),
        DeviceInfo(
            index=1, physical_index=0, name="NVIDIA A100-SXM4-80GB", uuid=node.gpus[0].uuid,
            capability=DeviceCapability(8, 0), total_memory=81920 * MIB, integrated=False,
        ),
    )


def test_unified_memory_parts_report_unknown_memory(
    fake_nvml: Callable[..., object], fakes: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pynvml

    fake_nvml("B200")

    def not_supported(handle: object, version: object = None) -> None:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)

    # GB10 (DGX Spark) answers NotSupported for its memory: unknown, not integrated either.
    monkeypatch.setattr(pynvml, "nvmlDeviceGetMemoryInfo", not_supported)
    [device] = detected().devices
    assert (device.total_memory, device.integrated) == (None, None)


# ----------------------------------------------------------------------- NVLink


def test_nvlink_topology(fake_nvml: Callable[..., object]) -> None:
    node = fake_nvml("4xH100")
    assert nvml.nvlink_fully_connected([0, 1, 2, 3]) is True
    assert "p2p 0 1 2" in node.calls  # type: ignore[attr-defined]  # NVML_P2P_CAPS_INDEX_NVLINK
    node.nvlink = {frozenset((0, 1)), frozenset((2, 3))}  # type: ignore[attr-defined]
    assert nvml.nvlink_fully_connected([0, 1]) is True
    assert nvml.nvlink_fully_connected([0, 1, 2]) is False
    assert nvml.nvlink_fully_connected([0, 9]) is False  # an NVML error means "not connected"


def test_custom_allreduce_needs_two_fully_connected_visible_gpus(
    fake_nvml: Callable[..., object],
) -> None:
    node = fake_nvml("4xH100")
    info = detected()
    assert (info.fully_connected, info.custom_allreduce) == (True, True)
    one = detected({"CUDA_VISIBLE_DEVICES": "2"})
    assert (one.fully_connected, one.custom_allreduce) == (None, False)
    node.nvlink = {frozenset((0, 1))}  # type: ignore[attr-defined]
    apart = detected({"CUDA_VISIBLE_DEVICES": "1,2"})
    assert (apart.fully_connected, apart.custom_allreduce) == (False, False)
    linked = detected({"CUDA_VISIBLE_DEVICES": "1,0"})
    assert (linked.fully_connected, linked.custom_allreduce) == (True, True)


# ------------------------------------------------------------------------- Jetson


def test_jetson_orin_without_nvml_is_found_from_tegra_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_nvml: Callable[..., object]
) -> None:
    fake_nvml("missing")
    root = tmp_path / "jetson"
    write_jetson(root, "NVIDIA Jetson AGX Orin Developer Kit\x00",
                 "MemTotal:       64335836 kB\nMemFree: 1 kB\n")
    monkeypatch.setattr(plugin, "TEGRA_ROOT", root)
    info = detected()
    assert info.evidence == (
        "Tegra marker /etc/nv_tegra_release exists: NVIDIA Jetson AGX Orin Developer Kit "
        "(NVML unavailable: NVML library not found (NVML Shared Library Not Found))",
    )
    assert info.details == (("detected with", "tegra"), ("physical GPUs", "1"))
    # The UUID is unknown (None), not a missing implementation; the iGPU shares host memory.
    assert info.devices == (
        DeviceInfo(
            index=0, physical_index=0, name="NVIDIA Jetson AGX Orin Developer Kit", uuid=None,
            capability=DeviceCapability(8, 7), total_memory=64335836 * 1024, integrated=True,
        ),
    )
    assert (info.fully_connected, info.custom_allreduce) == (None, False)
    assert info.supported_dtypes == ("bfloat16", "float16", "float32")
    assert plugin.is_fully_connected(physical_device_ids=[0]) is False


def test_a_jetson_that_says_little_has_unknown_facts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_nvml: Callable[..., object]
) -> None:
    fake_nvml("missing")
    write_jetson(tmp_path, None, None)
    monkeypatch.setattr(plugin, "TEGRA_ROOT", tmp_path)
    [device] = detected().devices
    assert device == DeviceInfo(
        index=0, physical_index=0, name="NVIDIA Jetson (unknown model)", integrated=True,
    )


def test_tegra_firmware_directory_is_a_marker_too(
    tmp_path: Path, fake_nvml: Callable[..., object]
) -> None:
    fake_nvml("missing")
    (tmp_path / "sys/class/tegra-firmware").mkdir(parents=True)
    found = inventory.probe(tmp_path)
    assert isinstance(found, inventory.Inventory)
    assert found.gpus[0].name == "NVIDIA Jetson (unknown model)"
    assert found.gpus[0].capability is None
    assert found.evidence.startswith("Tegra marker /sys/class/tegra-firmware exists: ")


# ----------------------------------------------------------------- no side effects


def test_detection_and_fact_queries_import_no_torch(
    fake_nvml_env: Callable[[str], dict[str, str]],
) -> None:
    script = (
        "import os, sys, hwcore\n"
        "import hwcore_cuda.plugin as p\n"
        "info = p.detect_platform(environ=os.environ)\n"
        "assert 'torch' not in sys.modules, 'detection imported torch'\n"
        "platform = hwcore.current_platform()\n"
        "platform.get_device_count(); platform.get_device_name(1)\n"
        "platform.get_device_capability(0); platform.get_device_total_memory(0)\n"
        "platform.get_device_uuid(0); platform.is_fully_connected([0, 1])\n"
        "platform.use_custom_allreduce(); platform.supported_dtypes; platform.log_warnings()\n"
        "platform.get_device_free_memory(0); platform.check_if_supports_dtype('bfloat16')\n"
        "assert 'torch' not in sys.modules, 'a device query imported torch'\n"
        "print(platform.name, info.device_count)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False,
        env=fake_nvml_env("8xH100"), timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "cuda 8\n"


def test_detection_leaves_torch_cuda_uninitialised(
    fake_nvml_env: Callable[[str], dict[str, str]],
) -> None:
    torch = pytest.importorskip("torch")
    script = (
        "import os, torch, hwcore, hwcore_cuda.plugin as p\n"
        "p.detect_platform(environ=os.environ)\n"
        "platform = hwcore.current_platform()\n"
        "platform.get_device_capability(0); platform.get_device_free_memory(0)\n"
        "print(torch.cuda.is_initialized())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False,
        env=fake_nvml_env("8xH100"), timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "False\n"
    assert torch.cuda.is_initialized() is False
