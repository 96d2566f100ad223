"""The plugin's hooks through a real host over fake nodes."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType, SimpleNamespace

import pytest

from hwcore.plugin_api import (
    InvalidConfigError,
    MemoryOpError,
    Platform,
    UnsupportedDtypeError,
)

A770_MESSAGE = (
    "Intel Arc A770 have bfloat16 accuracy known issue. You can use float16 instead by "
    "explicitly setting the `dtype` flag in CLI, for example: --dtype=half."
)
GIB = 1 << 30


def test_plugin_module_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    script = (
        "import sys\nimport hwcore_xpu.plugin\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('hwcore_xpu.') or m in "
        "('torch', 'pyzes', 'ctypes'))\nprint(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['hwcore_xpu.plugin']\n"


def test_platform_facts_through_the_facade(xpu_platform: Callable[..., Platform]) -> None:
    platform = xpu_platform("Max1550")
    assert (platform.name, platform.device_type, platform.dispatch_key, platform.dist_backend,
            platform.ray_device_key, platform.device_control_env_var) == (
        "xpu", "xpu", "XPU", "xccl", "GPU", "ZE_AFFINITY_MASK")
    assert platform.get_device_count() == 2
    assert platform.get_device_capability(0) is None
    assert platform.get_device_total_memory(1) == 64 * GIB
    assert platform.device_id_to_physical_device_id(1) == 1
    assert (platform.supports_fp8(), platform.is_fp8_fnuz(), platform.fp8_dtype()) == (
        True, False, "float8_e4m3fn")
    assert platform.is_pin_memory_available() is True
    assert platform.use_custom_allreduce() is False


def test_bfloat16_on_an_a770_raises_vllms_message(xpu_platform: Callable[..., Platform]) -> None:
    platform = xpu_platform("A770")
    with pytest.raises(UnsupportedDtypeError, match=f"^{re.escape(A770_MESSAGE)}$"):
        platform.check_if_supports_dtype("bfloat16")
    platform.check_if_supports_dtype("float16")
    assert platform.supported_dtypes == ["float16", "float32"]
    assert platform.log_warnings() == [
        "Intel(R) Arc(TM) A770 Graphics: bfloat16 is refused (a known accuracy issue), so "
        "models run in float16 when model.dtype is 'auto'"
    ]


def test_no_warnings_without_an_a770(xpu_platform: Callable[..., Platform]) -> None:
    assert xpu_platform("B580").log_warnings() == []


def test_quantization_is_limited_to_vllms_xpu_list(xpu_platform: Callable[..., Platform]) -> None:
    platform = xpu_platform("B580")
    platform.verify_quantization("gptq")
    with pytest.raises(InvalidConfigError, match=re.escape(
        "bitsandbytes quantization is not supported on xpu; use one of: awq, gptq, moe_wna16, "
        "auto_awq, auto_gptq, inc, fp8, deepseek_v4_fp8, mxfp4, mxfp8, fp8_per_tensor, "
        "fp8_per_block, fp8_per_channel, online, gpt_oss_mxfp4, modelopt, compressed-tensors"
    )):
        platform.verify_quantization("bitsandbytes")


def test_memory_in_use_is_torch_xpus(
    xpu_platform: Callable[..., Platform], monkeypatch: pytest.MonkeyPatch,
) -> None:
    torch = pytest.importorskip("torch")
    calls: list[str] = []
    monkeypatch.setattr(torch.xpu, "empty_cache", lambda: calls.append("empty_cache"))
    monkeypatch.setattr(torch.xpu, "reset_peak_memory_stats",
                        lambda device: calls.append(f"reset {device}"))
    monkeypatch.setattr(torch.xpu, "max_memory_allocated", lambda device: 3 * GIB)
    platform = xpu_platform("Max1550")
    assert platform.get_current_memory_usage(1) == 3 * GIB
    assert calls == ["empty_cache", "reset 1"]
    with pytest.raises(IndexError, match=re.escape(
        "xpu device 2 is not visible: this process sees 2 device(s); use an index from 0 to 1"
    )):
        platform.get_current_memory_usage(2)


def test_free_memory_from_level_zero_per_tile(
    xpu_platform: Callable[..., Platform], pyzes_node: Callable[..., ModuleType],
) -> None:
    pyzes_node("Max1550")
    assert xpu_platform("Max1550").get_device_free_memory(1) == 64 * GIB - (512 << 20)
    whole_card = xpu_platform("Max1550", ZE_FLAT_DEVICE_HIERARCHY="COMPOSITE")
    assert whole_card.get_device_free_memory(0) == 2 * (64 * GIB - (512 << 20))


def test_free_memory_from_an_initialised_torch(
    xpu_platform: Callable[..., Platform], imported_torch: Callable[..., SimpleNamespace],
) -> None:
    platform = xpu_platform("Max1550")
    imported_torch(devices=2, initialised=True)
    assert platform.get_device_free_memory(0) == 60 * GIB


def test_free_memory_unknown_says_how_to_get_it(xpu_platform: Callable[..., Platform]) -> None:
    with pytest.raises(NotImplementedError, match=re.escape(
        "neither Level Zero Sysman nor torch.xpu can report the free memory of XPU device 0 "
        "(Intel(R) Arc(TM) B580 Graphics) now; install hwcore-xpu[levelzero] (pyzes), or ask "
        "after the engine has initialised XPU"
    )):
        xpu_platform("B580").get_device_free_memory(0)


def test_xccl_groups_are_the_cores_and_torch_without_xccl_names_the_fix(
    xpu_platform: Callable[..., Platform],
) -> None:
    torch = pytest.importorskip("torch")
    from datetime import timedelta

    from hwcore.distributed import BackendUnavailableError

    platform = xpu_platform("Max1550")
    with pytest.raises(BackendUnavailableError, match=re.escape(
        f"the installed torch {torch.__version__} has no 'xccl' backend "
        "(torch.distributed.is_xccl_available() is False), which platform 'xpu' needs for its "
        "process groups: install torch 2.8 or newer built for Intel XPU (torch's xpu wheels; "
        "IPEX is not needed)"
    )):
        platform.stateless_init_device_torch_dist_pg("xccl", None, 0, 2, timedelta(seconds=5))


def test_block_copies_are_the_cores_on_xpu_tensors(xpu_platform: Callable[..., Platform]) -> None:
    torch = pytest.importorskip("torch")
    platform = xpu_platform("B580")
    host = torch.ones((4, 64, 2, 8))
    not_on_the_gpu = torch.zeros((4, 64, 2, 8))
    indices = torch.tensor([0, 1])
    with pytest.raises(MemoryOpError, match=re.escape(
        "dst_cache is on device 'cpu', expected a 'xpu' tensor; move it with .to('xpu') when "
        "the cache is allocated"
    )):
        platform.insert_blocks_to_device(host, not_on_the_gpu, indices, indices)
    assert not_on_the_gpu.count_nonzero() == 0  # nothing was written
