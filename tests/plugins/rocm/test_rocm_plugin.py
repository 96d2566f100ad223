"""The rocm hooks through a real host: warnings, links, memory, dtypes, quantization."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from hwcore import plugin_api
from hwcore.plugin_api import (
    DeviceCapability,
    InvalidConfigError,
    MemoryOpError,
    Platform,
    UnsupportedDtypeError,
)

GIB = 1 << 30


def test_the_facade_reads_the_records(rocm_platform: Callable[..., Platform]) -> None:
    platform = rocm_platform("8xMI300X")
    assert (platform.name, platform.device_type, platform.dist_backend) == ("rocm", "cuda", "nccl")
    assert platform.get_device_count() == 8
    assert platform.get_device_name(7) == "AMD Instinct MI300X"
    assert platform.get_device_capability(0) == DeviceCapability(9, 4)
    assert platform.has_device_capability(90) is True
    assert (platform.is_fp8_fnuz(), platform.fp8_dtype(), platform.supports_mx()) == (
        True, "float8_e4m3fnuz", False)
    assert platform.use_custom_allreduce() is True
    assert platform.num_compute_units(3) == 304
    assert platform.log_warnings() == []


def test_warnings_say_what_the_engine_must_set(rocm_platform: Callable[..., Platform]) -> None:
    platform = rocm_platform("8xMI300X", environ={
        "HIP_VISIBLE_DEVICES": "0,1", "VLLM_ROCM_USE_AITER": "1",
    })
    assert platform.log_warnings() == [
        "HIP_VISIBLE_DEVICES='0,1' is set and CUDA_VISIBLE_DEVICES is not; vLLM copies the "
        "first into the second when it starts, hwcore writes no environment: set "
        "CUDA_VISIBLE_DEVICES='0,1' as well (and in every worker an engine starts), or the "
        "engine's own device selection may ignore it",
        "VLLM_ROCM_USE_AITER='1' is set, but hwcore does not read vLLM's variables: set "
        "HWCORE_ROCM_USE_AITER or the engine option 'rocm.use_aiter' instead",
    ]


def test_mixed_fp8_formats_are_warned_about(rocm_platform: Callable[..., Platform]) -> None:
    platform = rocm_platform("MI300X+MI355X")
    assert platform.log_warnings() == [
        "these GPUs use different FP8 formats (gfx942 (float8_e4m3fnuz), gfx950 "
        "(float8_e4m3fn)), so FP8 is reported unsupported; make GPUs of one FP8 format "
        "visible (HIP_VISIBLE_DEVICES) to use FP8"
    ]


def test_mixed_models_without_hip_ids_are_warned_about(
    rocm_platform: Callable[..., Platform],
) -> None:
    platform = rocm_platform("MI210+RX7900XTX@amdsmi6")
    assert platform.log_warnings() == [
        "this node mixes GPU models (AMD Instinct MI210, AMD Radeon RX7900XTX) and amdsmi "
        "does not report HIP device ids (amdsmi 7 does), so HIP may number the GPUs "
        "differently from amdsmi; install the amdsmi of ROCm 7 or later to map them"
    ]
    assert rocm_platform("MI210+RX7900XTX").log_warnings() == []


def test_links_are_read_again_from_amdsmi(rocm_platform: Callable[..., Platform]) -> None:
    platform = rocm_platform("8xMI250X")
    node = sys.modules["amdsmi"].fake_node  # type: ignore[attr-defined]
    calls = len(node.calls)
    assert platform.is_fully_connected([2, 3]) is True  # two dies of one card
    assert platform.is_fully_connected([1, 2]) is False  # two cards: two hops
    assert platform.is_fully_connected([4]) is True
    assert "link 2 3" in node.calls[calls:]
    assert node.initialised == 0


def test_links_without_amdsmi_afterwards_are_not_trusted(
    rocm_platform: Callable[..., Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = rocm_platform("8xMI300X")
    monkeypatch.setitem(sys.modules, "amdsmi", None)  # type: ignore[arg-type]
    assert platform.is_fully_connected([0, 1]) is False


def test_links_from_the_kfd_topology(
    rocm_platform: Callable[..., Platform], kfd_tree: Callable[..., tuple[Path, Path]]
) -> None:
    platform = rocm_platform(None, roots=kfd_tree(["MI300X"] * 4))
    assert platform.is_fully_connected([0, 1, 2, 3]) is True
    pcie = rocm_platform(None, roots=kfd_tree(["MI210"] * 2))
    assert pcie.is_fully_connected([0, 1]) is False


def test_memory_in_use_is_zero_before_torch_is_imported(
    rocm_platform: Callable[..., Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = rocm_platform("2xMI300X")
    monkeypatch.setattr(plugin_api, "imported_torch", lambda: None)
    assert platform.get_current_memory_usage(1) == 0
    message = ("rocm device 2 is not visible: this process sees 2 device(s); use an index from "
               "0 to 1")
    with pytest.raises(IndexError, match=f"^{re.escape(message)}$"):
        platform.get_current_memory_usage(2)


def test_memory_in_use_asks_torch_once_it_is_imported(
    rocm_platform: Callable[..., Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = rocm_platform("2xMI300X")
    calls: list[str] = []
    cuda = types.SimpleNamespace(
        empty_cache=lambda: calls.append("empty_cache"),
        reset_peak_memory_stats=lambda device: calls.append(f"reset {device}"),
        max_memory_allocated=lambda device: 3 * GIB,
    )
    fake_torch = types.SimpleNamespace(cuda=cuda)
    monkeypatch.setitem(sys.modules, "torch", fake_torch)  # type: ignore[arg-type]
    monkeypatch.setattr(plugin_api, "imported_torch", lambda: fake_torch)
    assert platform.get_current_memory_usage(1) == 3 * GIB
    assert calls == ["empty_cache", "reset 1"]


def test_free_memory_from_amdsmi(rocm_platform: Callable[..., Platform]) -> None:
    platform = rocm_platform("2xMI300X", environ={"HIP_VISIBLE_DEVICES": "1"})
    node = sys.modules["amdsmi"].fake_node  # type: ignore[attr-defined]
    node.gpus[1].vram_used = 10 * GIB
    assert platform.get_device_free_memory(0) == platform.get_device_total_memory(0) - 10 * GIB


def test_free_memory_from_amdgpus_sysfs_without_amdsmi(
    rocm_platform: Callable[..., Platform], kfd_tree: Callable[..., tuple[Path, Path]],
) -> None:
    sysfs, dev = kfd_tree(["MI210"] * 2)
    (sysfs / "bus/pci/devices/0000:1c:00.0/mem_info_vram_used").write_text(f"{GIB}\n")
    platform = rocm_platform(None, roots=(sysfs, dev))
    assert platform.get_device_free_memory(1) == 65520 * (1 << 20) - GIB
    message = (
        "neither amdsmi nor amdgpu's sysfs reports the memory in use on ROCm device 0 (AMD "
        "GPU gfx90a (device 0x740f)); use torch.cuda.mem_get_info() once the engine has "
        "created a HIP context"
    )
    with pytest.raises(NotImplementedError, match=f"^{re.escape(message)}$"):
        platform.get_device_free_memory(0)


def test_every_rocm_gpu_computes_in_bfloat16(rocm_platform: Callable[..., Platform]) -> None:
    platform = rocm_platform("MI210+RX7900XTX")
    for dtype in ("bfloat16", "float16", "float32"):
        platform.check_if_supports_dtype(dtype)


def test_bfloat16_without_a_capability_is_vllms_error(
    rocm_platform: Callable[..., Platform], fakes: types.ModuleType
) -> None:
    node = fakes.node("MI210")
    node.gpus[0].target = "navi-unknown"  # not a gfx name: no capability at all
    platform = rocm_platform(node)
    assert platform.supported_dtypes == ["float16", "float32"]
    message = (
        "Bfloat16 is only supported on GPUs with compute capability of at least 8.0. Your AMD "
        "Instinct MI210 GPU does not have a compute capability. You can use float16 instead by "
        "explicitly setting the `dtype` flag in CLI, for example: --dtype=half."
    )
    with pytest.raises(UnsupportedDtypeError, match=f"^{re.escape(message)}$"):
        platform.check_if_supports_dtype("bfloat16")


def test_quantization_is_vllms_list(rocm_platform: Callable[..., Platform]) -> None:
    platform = rocm_platform("8xMI300X")
    for method in ("quark", "fp8", "gptq", "mxfp4", "gpt_oss_mxfp4"):
        platform.verify_quantization(method)
    with pytest.raises(InvalidConfigError, match=r"^bitsandbytes quantization is not supported on rocm; use one of: awq, "):
        platform.verify_quantization("bitsandbytes")


def test_block_copies_go_to_torchs_cuda_device(rocm_platform: Callable[..., Platform]) -> None:
    torch = pytest.importorskip("torch")
    platform = rocm_platform("2xMI300X")
    host, other = torch.zeros(4, 2), torch.zeros(4, 2)
    blocks = torch.tensor([0])
    message = ("dst_cache is on device 'cpu', expected a 'cuda' tensor; move it with "
               ".to('cuda') when the cache is allocated")
    with pytest.raises(MemoryOpError, match=f"^{re.escape(message)}$"):
        platform.insert_blocks_to_device(host, other, blocks, blocks)
    with pytest.raises(MemoryOpError, match=r"^src_cache is on device 'cpu', expected a 'cuda'"):
        platform.swap_out_blocks_to_host(host, other, blocks, blocks)
    assert torch.equal(other, torch.zeros(4, 2))  # nothing was written
