"""detect_platform on fake nodes: the platform's facts, its devices, absence and refusal."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from types import ModuleType

import pytest

from hwcore.plugin_api import DeviceInfo, PlatformAbsent, PlatformInfo
from hwcore_xpu import plugin

GIB = 1 << 30
MAX1550 = "Intel(R) Data Center GPU Max 1550"
NO_PYZES = (
    "Level Zero not used: pyzes is not installed (pip install 'hwcore-xpu[levelzero]' for "
    "Level Zero)"
)


def detect(root: str, **environ: str) -> PlatformInfo | PlatformAbsent:
    return plugin.detect_platform(environ={"HWCORE_SYSFS_ROOT": root, **environ})


def present(root: str, **environ: str) -> PlatformInfo:
    info = detect(root, **environ)
    assert isinstance(info, PlatformInfo), info
    return info


def test_a_max_1550_node_from_sysfs(sysfs_node: Callable[..., str]) -> None:
    info = present(sysfs_node("Max1550"))
    tile = {"name": MAX1550, "total_memory": 64 * GIB, "architecture": "Xe-HPC",
            "pci_bus_id": "0000:3a:00.0", "numa_node": 0, "integrated": False}
    assert info.devices == (
        DeviceInfo(index=0, physical_index=0, **tile, details=(  # type: ignore[arg-type]
            ("class", "data-center"), ("tiles", "1 of 2 (card.tile 0.0)"),
            ("kernel driver", "xe"))),
        DeviceInfo(index=1, physical_index=1, **tile, details=(  # type: ignore[arg-type]
            ("class", "data-center"), ("tiles", "1 of 2 (card.tile 0.1)"),
            ("kernel driver", "xe"))),
    )
    assert info == PlatformInfo(
        name="xpu", device_name="xpu", device_type="xpu", dispatch_key="XPU",
        dist_backend="xccl", devices=info.devices,
        evidence=(f"PCI sysfs lists 1 GPU: 1x {MAX1550}",),
        ray_device_key="GPU", device_control_env_var="ZE_AFFINITY_MASK",
        ray_noset_device_env_vars=("RAY_EXPERIMENTAL_NOSET_ONEAPI_DEVICE_SELECTOR",),
        supported_quantization=info.supported_quantization,
        supported_dtypes=("bfloat16", "float16", "float32"),
        supports_fp8=True, supports_mx=False, fp8_fnuz=False, fp8_dtype="float8_e4m3fn",
        pin_memory=True, custom_allreduce=False, fully_connected=None,
        inference_mode="no_grad", backend_hints=info.backend_hints,
        details=(("detected with", "sysfs"), ("physical GPUs", "1"),
                 ("device hierarchy", "FLAT"), ("sources skipped", NO_PYZES)),
    )
    assert len(info.supported_quantization) == 17
    assert dict(info.backend_hints)["FLASH_ATTN"] == (
        "a plugin wrapping vllm-xpu-kernels' SYCL FlashAttention")


def test_composite_hierarchy_reports_the_card(sysfs_node: Callable[..., str]) -> None:
    (device,) = present(sysfs_node("Max1550"), ZE_FLAT_DEVICE_HIERARCHY="COMPOSITE").devices
    assert (device.total_memory, device.details[1]) == (128 * GIB, ("tiles", "2"))


def test_one_tile_in_each_hierarchy(sysfs_node: Callable[..., str]) -> None:
    root = sysfs_node("Max1550")
    flat = present(root, ZE_AFFINITY_MASK="1")
    composite = present(root, ZE_AFFINITY_MASK="0.1", ZE_FLAT_DEVICE_HIERARCHY="COMPOSITE")
    for info, physical in ((flat, 1), (composite, 0)):
        (device,) = info.devices
        assert (device.physical_index, device.total_memory) == (physical, 64 * GIB)
        assert dict(device.details)["tiles"] == "1 of 2 (card.tile 0.1)"
    assert flat.evidence[1] == "ZE_AFFINITY_MASK='1' (FLAT hierarchy) selects card 0 tile 1"


@pytest.mark.parametrize(
    ("node", "name", "segment", "memory", "dtypes"),
    [
        ("Max1100", "Intel(R) Data Center GPU Max 1100", "data-center", 48 * GIB,
         ("bfloat16", "float16", "float32")),
        ("Flex170", "Intel(R) Data Center GPU Flex 170", "data-center", 16 * GIB,
         ("bfloat16", "float16", "float32")),
        ("A770", "Intel(R) Arc(TM) A770 Graphics", "client", 16 * GIB, ("float16", "float32")),
        ("B580", "Intel(R) Arc(TM) B580 Graphics", "client", 12 * GIB,
         ("bfloat16", "float16", "float32")),
    ],
)
def test_one_tile_parts(
    sysfs_node: Callable[..., str], pyzes_node: Callable[..., ModuleType],
    node: str, name: str, segment: str, memory: int, dtypes: tuple[str, ...],
) -> None:
    root = sysfs_node(node)
    for source in ("sysfs", "levelzero"):
        if source == "levelzero":
            pyzes_node(node)
        info = present(root)
        (device,) = info.devices
        assert (device.name, device.total_memory, device.integrated) == (name, memory, False)
        assert dict(device.details)["class"] == segment
        assert dict(info.details)["detected with"] == source
        # The runtime defaults to FLAT on every Xe-HPC part, to COMPOSITE elsewhere.
        hierarchy = "FLAT" if node == "Max1100" else "COMPOSITE"
        assert dict(info.details)["device hierarchy"] == hierarchy
        assert info.supported_dtypes == dtypes


def test_level_zero_adds_uuid_and_driver_version(
    sysfs_node: Callable[..., str], pyzes_node: Callable[..., ModuleType],
) -> None:
    pyzes_node("B580")
    info = present(sysfs_node("B580"))
    (device,) = info.devices
    assert device.uuid == "e20b0000-0000-0000-0000-000000000001"
    assert device.details == (("class", "client"), ("tiles", "1"), ("kernel driver", "xe"),
                              ("driver version", "1.6.32224.5"))
    assert info.evidence == (
        "Level Zero Sysman reports 1 GPU: 1x Intel(R) Arc(TM) B580 Graphics (driver 1.6.32224.5)",)
    assert ("driver version", "1.6.32224.5") in info.details


def test_an_integrated_only_laptop_is_present_with_the_integrated_flag(
    sysfs_node: Callable[..., str],
) -> None:
    info = present(sysfs_node("laptop"))
    (device,) = info.devices
    assert (device.name, device.integrated, device.total_memory, device.architecture) == (
        "Intel(R) Arc(TM) Graphics", True, None, "Xe-LPG")
    assert dict(device.details)["class"] == "integrated"
    assert dict(info.details)["not counted"] == (
        "0000:00:0b.0 (8086:7d1d): Intel accelerator device not in hwcore-xpu's table of "
        "XPU GPUs")


def test_level_zero_flags_the_laptops_igpu_as_integrated(
    sysfs_node: Callable[..., str], pyzes_node: Callable[..., ModuleType],
) -> None:
    pyzes_node("laptop")
    info = present(sysfs_node("laptop"))
    (device,) = info.devices
    assert (device.name, device.integrated, device.total_memory) == (
        "Intel(R) Arc(TM) Graphics", True, None)
    assert dict(info.details)["detected with"] == "levelzero"


def test_a_mixed_node_leaves_the_igpu_out_and_refuses_bfloat16(
    sysfs_node: Callable[..., str],
) -> None:
    info = present(sysfs_node("mixed"))
    assert [(d.name, d.physical_index) for d in info.devices] == [
        ("Intel(R) Arc(TM) A770 Graphics", 0), ("Intel(R) Arc(TM) B580 Graphics", 1)]
    assert info.evidence[1] == (
        "integrated GPU (card 2) left out: torch.xpu counts integrated GPUs only when no "
        "discrete GPU is visible")
    assert info.supported_dtypes == ("float16", "float32")  # the A770 decides
    b580 = present(sysfs_node("mixed"), ZE_AFFINITY_MASK="1")
    assert b580.supported_dtypes == ("bfloat16", "float16", "float32")


def test_a_node_without_intel_gpus_is_absent_and_says_why(sysfs_node: Callable[..., str]) -> None:
    root = sysfs_node("empty")  # a virtio NIC and an Intel host bridge, like a cloud VM
    assert detect(root) == PlatformAbsent(
        f"no Intel GPU that torch.xpu runs on: {NO_PYZES}; {root}/bus/pci/devices lists no "
        "Intel display or accelerator device; torch is not imported (detection never "
        "imports it)"
    )


def test_an_old_desktop_says_its_igpu_is_not_an_xpu(sysfs_node: Callable[..., str]) -> None:
    root = sysfs_node("old-desktop")
    answer = detect(root)
    assert isinstance(answer, PlatformAbsent)
    assert "Intel(R) UHD/Iris(R) Xe Graphics (Alder Lake) (Xe-LP): not a PyTorch XPU target" \
        in answer.reason


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ZE_AFFINITY_MASK": "0.1"}, "ZE_AFFINITY_MASK='0.1': entry '0.1' names tile 1 of card "
         "0, but in the FLAT hierarchy every tile is a device of its own and Level Zero "
         "ignores card.tile entries (hiding the device); write 1 for that tile, or set "
         "ZE_FLAT_DEVICE_HIERARCHY=COMPOSITE to address tiles as card.tile"),
        ({"ZE_AFFINITY_MASK": "0,0"}, "ZE_AFFINITY_MASK='0,0': device 0 is listed twice "
         "(entries '0' and '0'); list each device once"),
        ({"ZE_AFFINITY_MASK": "5"}, "ZE_AFFINITY_MASK='5': entry '5' is not a device; in the "
         "FLAT hierarchy this node has 2 devices (indices 0-1), one per tile; use those "
         "indices"),
        ({"ZE_FLAT_DEVICE_HIERARCHY": "TILES"}, "ZE_FLAT_DEVICE_HIERARCHY='TILES' is not a "
         "Level Zero device hierarchy, and the driver would silently use its default "
         "instead; set it to FLAT (each tile a device), COMPOSITE (each card a device) or "
         "COMBINED, in capitals, or unset it"),
        ({"ONEAPI_DEVICE_SELECTOR": "level_zero"}, "ONEAPI_DEVICE_SELECTOR='level_zero': term "
         "'level_zero' is not backend:devices; write terms such as "
         "ONEAPI_DEVICE_SELECTOR=level_zero:0,1 or level_zero:gpu, separated by ';' "
         "(backends: level_zero, opencl, cuda, hip, native_cpu, *)"),
    ],
)
def test_unusable_visibility_keeps_the_platform_and_says_why(
    sysfs_node: Callable[..., str], environ: dict[str, str], message: str,
) -> None:
    info = present(sysfs_node("Max1550"), **environ)
    assert info.devices == ()
    assert info.unusable_reason == message
    assert info.evidence == (f"PCI sysfs lists 1 GPU: 1x {MAX1550}",
                             "the Level Zero visibility variables cannot be used")


def test_a_selector_that_picks_no_level_zero_gpu_makes_the_platform_absent(
    sysfs_node: Callable[..., str],
) -> None:
    assert detect(sysfs_node("2xA770"), ONEAPI_DEVICE_SELECTOR="opencl:gpu") == PlatformAbsent(
        "PCI sysfs lists 2 GPUs: 2x Intel(R) Arc(TM) A770 Graphics, but "
        "ONEAPI_DEVICE_SELECTOR='opencl:gpu' selects no Level Zero GPU, and torch.xpu uses "
        "only Level Zero; unset it, or select GPUs with ONEAPI_DEVICE_SELECTOR=level_zero:*"
    )


def test_ray_worker_selector_is_applied_and_reported(sysfs_node: Callable[..., str]) -> None:
    info = present(sysfs_node("2xA770"), ONEAPI_DEVICE_SELECTOR="level_zero:1")
    assert [d.physical_index for d in info.devices] == [1]
    assert info.evidence[1] == "ONEAPI_DEVICE_SELECTOR='level_zero:1' selects card 1"


def test_detection_is_the_same_each_time(sysfs_node: Callable[..., str]) -> None:
    root = sysfs_node("mixed")
    assert detect(root) == detect(root)


def test_detection_imports_no_torch_and_writes_no_environment(
    sysfs_node: Callable[..., str],
) -> None:
    script = (
        "import os, sys\n"
        "before = dict(os.environ)\n"
        "from hwcore_xpu import plugin\n"
        f"info = plugin.detect_platform(environ={{'HWCORE_SYSFS_ROOT': {sysfs_node('Max1550')!r}}})\n"
        "assert 'torch' not in sys.modules, 'detection imported torch'\n"
        "assert dict(os.environ) == before, 'detection changed the environment'\n"
        "print(len(info.devices))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2\n"
