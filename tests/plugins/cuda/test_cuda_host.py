"""An 8xH100 node through a real ``Host``: what an engine sees via ``current_platform()``."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

import hwcore
from hwcore.records import DeviceCapability

H100 = "NVIDIA H100 80GB HBM3"
H100_MEMORY = 81559 << 20


def test_eight_h100_through_the_host(cuda_platform: Callable[..., hwcore.Platform]) -> None:
    platform = cuda_platform("8xH100")
    devices = platform.devices()
    assert [d.index for d in devices] == list(range(8))
    assert [d.physical_index for d in devices] == list(range(8))
    assert {d.name for d in devices} == {H100}
    assert {d.capability for d in devices} == {DeviceCapability(9, 0)}
    assert {d.total_memory for d in devices} == {H100_MEMORY}
    assert len({d.uuid for d in devices}) == 8
    assert (platform.name, platform.device_type, platform.dispatch_key) == ("cuda", "cuda", "CUDA")
    assert (platform.dist_backend, platform.ray_device_key) == ("nccl", "GPU")
    assert platform.device_control_env_var == "CUDA_VISIBLE_DEVICES"
    assert platform.ray_noset_device_env_vars == ("RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES",)
    assert platform.supported_quantization == ()
    assert platform.provider == "hwcore-cuda 0.1.0"
    assert platform.supports_fp8() is True
    assert platform.supports_mx() is False
    assert platform.use_custom_allreduce() is True
    assert platform.get_device_communicator_cls() == (
        "vllm.distributed.device_communicators.cuda_communicator.CudaCommunicator"
    )


def test_visible_devices_map_to_physical_ones(
    cuda_platform: Callable[..., hwcore.Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,1")
    platform = cuda_platform("8xH100")
    assert platform.info.device_count == 2
    assert [(d.index, d.physical_index) for d in platform.devices()] == [(0, 3), (1, 1)]
    assert platform.device_id_to_physical_device_id(0) == 3
    with pytest.raises(IndexError, match=re.escape(
        "CUDA device 2 is not visible: CUDA_VISIBLE_DEVICES='3,1' makes 2 GPUs visible; "
        "use a device index below 2"
    )):
        platform.get_device_name(2)


def test_visibility_set_after_detection_is_honoured(
    cuda_platform: Callable[..., hwcore.Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = cuda_platform("8xH100")
    assert platform.get_device_count() == 8
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "5")  # what Ray does in each worker
    assert platform.get_device_count() == 1
    assert platform.device_id_to_physical_device_id(0) == 5


def test_bfloat16_on_a_t4_is_refused_with_vllms_message(
    cuda_platform: Callable[..., hwcore.Platform],
) -> None:
    platform = cuda_platform("T4")
    assert platform.supported_dtypes == ["float16", "float32"]
    platform.check_if_supports_dtype("float16")
    message = (
        "Bfloat16 is only supported on GPUs with compute capability of at least 8.0. "
        "Your Tesla T4 GPU has compute capability 7.5. You can use float16 instead by "
        "explicitly setting the `dtype` flag in CLI, for example: --dtype=half."
    )
    with pytest.raises(hwcore.UnsupportedDtypeError, match=f"^{re.escape(message)}$"):
        platform.check_if_supports_dtype("bf16")


def test_mixed_node_warning_reaches_the_facade(
    cuda_platform: Callable[..., hwcore.Platform],
) -> None:
    assert cuda_platform("A100+H100").log_warnings() == [
        "this node mixes GPU models (NVIDIA A100-SXM4-80GB, NVIDIA H100 80GB HBM3) and "
        "CUDA_DEVICE_ORDER is not PCI_BUS_ID, so CUDA may number the GPUs differently from "
        "NVML; set CUDA_DEVICE_ORDER=PCI_BUS_ID before starting the engine"
    ]


def test_memory_usage_uses_torch_cuda(
    cuda_platform: Callable[..., hwcore.Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    torch = pytest.importorskip("torch")
    calls: list[str] = []
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: calls.append("empty_cache"))
    monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats",
                        lambda device: calls.append(f"reset {device}"))
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device: 1234)
    assert cuda_platform("2xH100").get_current_memory_usage(1) == 1234
    assert calls == ["empty_cache", "reset 1"]


def test_block_copies_refuse_a_host_tensor_as_the_device_cache(
    cuda_platform: Callable[..., hwcore.Platform],
) -> None:
    torch = pytest.importorskip("torch")
    platform = cuda_platform("2xH100")
    host = torch.zeros(4, 2)
    not_a_gpu_cache = torch.ones(4, 2)
    with pytest.raises(hwcore.MemoryOpError):
        platform.insert_blocks_to_device(
            host, not_a_gpu_cache, torch.tensor([0]), torch.tensor([1])
        )
    assert torch.equal(not_a_gpu_cache, torch.ones(4, 2))
