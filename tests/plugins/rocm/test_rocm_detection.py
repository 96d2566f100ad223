"""detect_platform on fake amdsmi nodes, KFD trees, visibility variables and bad set-ups."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from hwcore.plugin_api import DeviceCapability, DeviceInfo, PlatformAbsent, PlatformInfo
from hwcore_rocm import plugin

MIB = 1 << 20
RAY_NOSET = (
    "RAY_EXPERIMENTAL_NOSET_HIP_VISIBLE_DEVICES",
    "RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES",
    "RAY_EXPERIMENTAL_NOSET_ROCR_VISIBLE_DEVICES",
)


def detect(roots: tuple[Path, Path], **environ: str) -> PlatformInfo | PlatformAbsent:
    sysfs, dev = roots
    env = {"HWCORE_SYSFS_ROOT": str(sysfs), "HWCORE_DEV_ROOT": str(dev), **environ}
    return plugin.detect_platform(environ=env)


def present(roots: tuple[Path, Path], **environ: str) -> PlatformInfo:
    info = detect(roots, **environ)
    assert isinstance(info, PlatformInfo), info
    return info


def test_eight_mi300x(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    node = fake_amdsmi("8xMI300X")
    info = present(empty_roots)
    gpu = node.gpus[0]  # type: ignore[attr-defined]
    assert info.devices[0] == DeviceInfo(
        index=0, physical_index=0, name="AMD Instinct MI300X", uuid=gpu.uuid,
        capability=DeviceCapability(9, 4), total_memory=196592 * MIB, architecture="gfx942",
        pci_bus_id="0000:0c:00.0", numa_node=0, integrated=False, compute_units=304,
        details=(("gfx family", "CDNA3"), ("PCI device id", "0x74a1"),
                 ("ROCm runtime UUID", gpu.hip_uuid)),
    )
    assert [d.physical_index for d in info.devices] == list(range(8))
    facts = (info.name, info.device_name, info.device_type, info.dispatch_key,
             info.dist_backend, info.ray_device_key, info.device_control_env_var,
             info.ray_noset_device_env_vars, info.additional_env_vars)
    assert facts == ("rocm", "rocm", "cuda", "CUDA", "nccl", "GPU", "CUDA_VISIBLE_DEVICES",
                     RAY_NOSET, ("GPU_PINNED_MIN_XFER_SIZE",))
    assert (info.supports_fp8, info.fp8_fnuz, info.fp8_dtype, info.supports_mx) == (
        True, True, "float8_e4m3fnuz", False)
    assert (info.fully_connected, info.custom_allreduce) == (True, True)
    assert info.supported_dtypes == ("bfloat16", "float16", "float32")
    assert len(info.supported_quantization) == 23
    assert info.unusable_reason is None
    assert info.evidence == ("amdsmi 25.5.1 reports 8 AMD GPUs: 8x AMD Instinct MI300X (gfx942)",)
    assert info.details == (
        ("detected with", "amdsmi"), ("physical GPUs", "8"), ("amdsmi library", "25.5.1"),
        ("driver version", "6.12.12"), ("AITER", "not installed"),
        ("engine should set", "GPU_PINNED_MIN_XFER_SIZE=4194304 (vLLM's default; hwcore "
                               "writes no environment)"),
    )
    assert dict(info.backend_hints)["ROCM_AITER_FA"].startswith("a plugin wrapping AITER")
    assert capsys.readouterr().out == ""


# node, FP8, FNUZ, MX, fully connected, custom all-reduce
NODES = [
    ("8xMI300X", True, True, False, True, True),
    ("8xMI325X", True, True, False, True, True),
    ("8xMI355X", True, False, True, True, True),
    ("8xMI250X", True, False, False, False, False),
    ("4xMI210", True, False, False, False, False),
    ("2xRX7900XTX", True, False, False, False, False),
    ("RX9070XT", True, False, False, None, False),
    ("MI210+RX7900XTX", True, False, False, False, False),
]


@pytest.mark.parametrize(("node", "fp8", "fnuz", "mx", "connected", "allreduce"), NODES)
def test_platform_facts_per_node(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path], node: str, fp8: bool,
    fnuz: bool, mx: bool, connected: bool | None, allreduce: bool,
) -> None:
    fake_amdsmi(node)
    info = present(empty_roots)
    assert (info.supports_fp8, info.fp8_fnuz, info.supports_mx, info.fully_connected,
            info.custom_allreduce) == (fp8, fnuz, mx, connected, allreduce)


def test_a_mixed_node_lists_devices_in_hip_order(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    fake_amdsmi("MI210+RX7900XTX")  # the fake numbers HIP in reverse of amdsmi here
    info = present(empty_roots)
    assert [(d.index, d.physical_index, d.name) for d in info.devices] == [
        (0, 1, "AMD Radeon RX7900XTX"), (1, 0, "AMD Instinct MI210")]
    assert [d.capability for d in info.devices] == [DeviceCapability(11, 0),
                                                    DeviceCapability(9, 0)]


def test_mi300x_and_mi355x_disagree_on_fp8(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    fake_amdsmi("MI300X+MI355X")
    info = present(empty_roots)
    assert (info.supports_fp8, info.fp8_fnuz, info.fp8_dtype) == (False, False, "float8_e4m3fn")
    assert (info.fully_connected, info.custom_allreduce) == (True, True)


def test_hip_visible_devices_selects_and_orders(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    fake_amdsmi("8xMI300X")
    info = present(empty_roots, HIP_VISIBLE_DEVICES="3,1")
    assert [(d.index, d.physical_index) for d in info.devices] == [(0, 3), (1, 1)]
    assert info.evidence[1] == "HIP_VISIBLE_DEVICES='3,1' select(s) physical GPU(s) 3, 1"
    assert info.custom_allreduce is True


def test_rocr_filters_before_hip(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    fake_amdsmi("8xMI300X")
    info = present(empty_roots, ROCR_VISIBLE_DEVICES="4,5,6,7", CUDA_VISIBLE_DEVICES="1,3")
    assert [d.physical_index for d in info.devices] == [5, 7]
    assert info.evidence[1] == (
        "ROCR_VISIBLE_DEVICES='4,5,6,7' then CUDA_VISIBLE_DEVICES='1,3' select(s) physical "
        "GPU(s) 5, 7"
    )


def test_runtime_uuids_select_gpus(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    node = fake_amdsmi("4xMI300X")
    wanted = node.gpus[2].hip_uuid  # type: ignore[attr-defined]
    info = present(empty_roots, HIP_VISIBLE_DEVICES=wanted[:12])
    assert [d.physical_index for d in info.devices] == [2]
    assert info.fully_connected is None  # one GPU: no pair
    assert info.custom_allreduce is False


def test_hip_and_cuda_that_disagree_make_the_platform_unusable(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    fake_amdsmi("8xMI300X")
    info = present(empty_roots, HIP_VISIBLE_DEVICES="0,1", CUDA_VISIBLE_DEVICES="2")
    assert info.unusable_reason == (
        "HIP_VISIBLE_DEVICES='0,1' and CUDA_VISIBLE_DEVICES='2' disagree; HIP reads both, so "
        "they must select the same GPUs: set only one of them, or give both the same value"
    )
    assert info.devices == ()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"HIP_VISIBLE_DEVICES": "8"},
         "HIP_VISIBLE_DEVICES='8': entry '8' is not a GPU on this node, which has 8 GPUs "
         "(indices 0-7); set HIP_VISIBLE_DEVICES to comma-separated GPU indices such as "
         "HIP_VISIBLE_DEVICES=0,1, or to UUIDs from `amd-smi list`"),
        ({"ROCR_VISIBLE_DEVICES": "0,1", "HIP_VISIBLE_DEVICES": "2"},
         "HIP_VISIBLE_DEVICES='2': entry '2' is not a GPU on this node, which has 2 GPUs "
         "(indices 0-1); set HIP_VISIBLE_DEVICES to comma-separated GPU indices such as "
         "HIP_VISIBLE_DEVICES=0,1, or to UUIDs from `amd-smi list`"),
        ({"CUDA_VISIBLE_DEVICES": "1,1"},
         "CUDA_VISIBLE_DEVICES='1,1': GPU 1 is listed twice (entries '1' and '1'); list each "
         "GPU once"),
    ],
)
def test_values_that_cannot_be_mapped_make_the_platform_unusable(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path],
    environ: dict[str, str], message: str,
) -> None:
    fake_amdsmi("8xMI300X")
    assert present(empty_roots, **environ).unusable_reason == message


@pytest.mark.parametrize(
    ("variable", "value"),
    [("HIP_VISIBLE_DEVICES", ""), ("CUDA_VISIBLE_DEVICES", "-1"), ("ROCR_VISIBLE_DEVICES", "")],
)
def test_a_variable_that_hides_every_gpu_makes_the_platform_absent(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path], variable: str, value: str
) -> None:
    fake_amdsmi("8xMI300X")
    assert detect(empty_roots, **{variable: value}) == PlatformAbsent(
        "amdsmi 25.5.1 reports 8 AMD GPUs: 8x AMD Instinct MI300X (gfx942), but "
        f"{variable}={value!r} hides every GPU from this process; unset it to use all 8 GPUs "
        "on this node"
    )


def test_a_malformed_aiter_switch_makes_the_platform_unusable(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    fake_amdsmi("8xMI300X")
    info = present(empty_roots, HWCORE_ROCM_USE_AITER="yes please")
    assert info.unusable_reason == (
        "HWCORE_ROCM_USE_AITER='yes please' is not a boolean; set it to 1 or 0 (or "
        "true/false), or unset it for the default (0)"
    )


def test_switches_from_the_environment_are_shown(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    fake_amdsmi("8xMI300X")
    info = present(empty_roots, HWCORE_ROCM_USE_AITER="1", GPU_PINNED_MIN_XFER_SIZE="1024")
    assert info.details[-1:] == (("switch rocm.use_aiter", "HWCORE_ROCM_USE_AITER='1'"),)


def test_an_architecture_without_a_capability_makes_the_platform_unusable(
    fake_amdsmi: Callable[..., object], fakes: ModuleType, empty_roots: tuple[Path, Path]
) -> None:
    node = fakes.node("2xMI300X")
    node.gpus[1].target = "gfx1300"
    fake_amdsmi(node)
    info = present(empty_roots)
    assert info.unusable_reason == (
        "Parsed unknown ROCm architecture from GCN arch 'gfx1300': major=13, minor=0. Major "
        "version > 12 is beyond currently known AMD generations. Please file an hwcore-rocm "
        "issue naming your GPU model. (physical GPU 1, AMD Instinct MI300X); hide it with "
        "HIP_VISIBLE_DEVICES, or set HWCORE_PLATFORM=cpu to run on the CPU"
    )
    assert present(empty_roots, HIP_VISIBLE_DEVICES="0").unusable_reason is None


def test_gpus_before_gfx9_leave_the_platform_absent(
    fake_amdsmi: Callable[..., object], fakes: ModuleType, empty_roots: tuple[Path, Path]
) -> None:
    node = fakes.node("RX7900XTX")
    node.gpus[0].target, node.gpus[0].device_id, node.gpus[0].market_name = (
        "gfx803", "0x67df", "Radeon RX 580")
    fake_amdsmi(node)
    assert detect(empty_roots) == PlatformAbsent(
        "amdsmi 25.5.1 reports 1 AMD GPU: 1x Radeon RX 580 (gfx803), but ROCm inference "
        "engines need gfx9 or later: Parsed unknown ROCm architecture from GCN arch 'gfx803': "
        "major=8, minor=0. Major version < 9 is not expected for any supported AMD GPU. "
        "Please file an hwcore-rocm issue naming your GPU model."
    )


def test_the_kfd_topology_serves_when_amdsmi_is_broken(
    broken_amdsmi: Callable[[str], None], kfd_tree: Callable[..., tuple[Path, Path]],
    capfd: pytest.CaptureFixture[str],
) -> None:
    broken_amdsmi("version-mismatch")
    roots = kfd_tree(["MI300X"] * 8)
    info = present(roots)
    assert info.evidence[0].startswith(
        f"the KFD topology at {roots[0] / 'class/kfd/kfd/topology/nodes'} lists 8 AMD GPUs: "
        "8x AMD Instinct MI300X (gfx942) (amdsmi not used: the amdsmi wrapper does not "
        "match the installed ROCm library"
    )
    assert info.details[:2] == (("detected with", "kfd"), ("physical GPUs", "8"))
    assert (info.fp8_fnuz, info.fully_connected, info.custom_allreduce) == (True, True, True)
    assert info.devices[3].uuid == "GPU-5a2c3f1e8b7d4c03"
    assert capfd.readouterr() == ("", "")


def test_nothing_amd_here(empty_roots: tuple[Path, Path]) -> None:
    sysfs, _ = empty_roots
    assert detect(empty_roots) == PlatformAbsent(
        "amdsmi is not installed (pip install 'hwcore-rocm[amdsmi]', matching your ROCm "
        f"release); no KFD topology at {sysfs / 'class/kfd/kfd/topology/nodes'} (amdgpu "
        "driver not loaded)"
    )


def test_driver_not_loaded_and_no_topology(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    fake_amdsmi("driver-not-loaded")
    absent = detect(empty_roots)
    assert isinstance(absent, PlatformAbsent)
    assert absent.reason.startswith(
        "the amdgpu driver is not loaded (AmdSmiLibraryException: Error code: 34 | "
        "AMDSMI_STATUS_DRIVER_NOT_LOADED - Driver not loaded); no KFD topology at "
    )


def test_detection_writes_no_environment(
    fake_amdsmi: Callable[..., object], empty_roots: tuple[Path, Path]
) -> None:
    import os

    fake_amdsmi("8xMI300X")
    before = dict(os.environ)
    present(empty_roots, HIP_VISIBLE_DEVICES="0,1")
    assert dict(os.environ) == before  # vLLM would have copied HIP into CUDA here


def test_detection_imports_no_torch_and_prints_nothing(
    fake_amdsmi_env: Callable[[str], dict[str, str]],
) -> None:
    script = (
        "import sys, hwcore_rocm.plugin as p\n"
        "info = p.detect_platform(environ={})\n"
        "assert 'torch' not in sys.modules, 'detection imported torch'\n"
        "sys.stderr.write(f'{info.device_count} {info.fp8_dtype}')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False,
        env=fake_amdsmi_env("8xMI300X"), timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "8 float8_e4m3fnuz")


def test_importing_the_plugin_loads_no_vendor_library(
    fake_amdsmi_env: Callable[[str], dict[str, str]],
) -> None:
    script = (
        "import sys, hwcore_rocm.plugin\n"
        "print(sorted(m for m in ('amdsmi', 'torch', 'aiter') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False,
        env=fake_amdsmi_env("8xMI300X"), timeout=120,
    )
    assert (result.returncode, result.stdout) == (0, "[]\n"), result.stderr
