"""Fake NVML nodes through a real ``Host``: what an engine sees via ``current_platform()``
and ``pm.hook``, with the host's environment handed to every hook."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

import hwcore
import hwcore_cpu.plugin
from hwcore.errors import UnusablePlatformError
from hwcore.host import Candidate, Host
from hwcore.plugin_api import DeviceCapability
from hwcore_cuda import nvml, plugin

H100 = "NVIDIA H100 80GB HBM3"
H100_MEMORY = 81559 << 20
MIB = 1 << 20
MIXED_WARNING = (
    "this node mixes GPU models (NVIDIA A100-SXM4-80GB, NVIDIA H100 80GB HBM3) and "
    "CUDA_DEVICE_ORDER is not PCI_BUS_ID, so CUDA may number the GPUs differently from "
    "NVML; set CUDA_DEVICE_ORDER=PCI_BUS_ID before starting the engine"
)
CudaPlatform = Callable[..., hwcore.Platform]


def cpu_candidate() -> Candidate:
    return Candidate("cpu", "hwcore.platforms", "hwcore_cpu.plugin", "hwcore-cpu", "0.1.0",
                     load=lambda: hwcore_cpu.plugin)


# --------------------------------------------------------------------------- facts


def test_eight_h100_through_the_host(cuda_platform: CudaPlatform) -> None:
    platform = cuda_platform("8xH100", environ={})
    devices = platform.devices()
    assert [d.index for d in devices] == list(range(8))
    assert [d.physical_index for d in devices] == list(range(8))
    assert {d.name for d in devices} == {H100}
    assert {d.capability for d in devices} == {DeviceCapability(9, 0)}
    assert {d.total_memory for d in devices} == {H100_MEMORY}
    assert len({d.uuid for d in devices}) == 8
    assert platform.get_device_count() == 8
    assert platform.get_device_name(7) == H100
    assert platform.get_device_uuid(3) == devices[3].uuid
    assert platform.get_device_capability(0) == (9, 0)
    assert platform.has_device_capability((9, 0)) and platform.has_device_capability(90)
    assert not platform.has_device_capability((10, 0))
    assert platform.get_device_total_memory(0) == H100_MEMORY
    assert platform.is_integrated_gpu(0) is False
    assert platform.num_compute_units(0) is None  # NVML's SM count is not read
    assert (platform.name, platform.device_type, platform.dispatch_key) == ("cuda", "cuda", "CUDA")
    assert (platform.dist_backend, platform.ray_device_key) == ("nccl", "GPU")
    assert platform.device_control_env_var == "CUDA_VISIBLE_DEVICES"
    assert platform.ray_noset_device_env_vars == ("RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES",)
    assert platform.supported_quantization == ()
    assert platform.provider == "hwcore-cuda 0.1.0"
    assert platform.supported_dtypes == ["bfloat16", "float16", "float32"]
    assert platform.supports_fp8() is True
    assert platform.supports_mx() is False
    assert (platform.is_fp8_fnuz(), platform.fp8_dtype()) == (False, "float8_e4m3fn")
    assert platform.use_custom_allreduce() is True
    assert platform.info.inference_mode == "inference_mode"
    assert platform.info.sync_weight_loader is False


def test_the_device_communicator_is_the_cores(cuda_platform: CudaPlatform) -> None:
    # Contract 1.0 named vLLM's CudaCommunicator; 2.0 leaves CUDA on the core's
    # torch.distributed communicator (no custom all-reduce kernel of its own yet).
    platform = cuda_platform("8xH100", environ={})
    assert platform.get_device_communicator_cls() == "hwcore.distributed.DeviceCommunicator"


def test_visible_devices_map_to_physical_ones(cuda_platform: CudaPlatform) -> None:
    platform = cuda_platform("8xH100", environ={"CUDA_VISIBLE_DEVICES": "3,1"})
    assert platform.get_device_count() == 2
    assert [(d.index, d.physical_index) for d in platform.devices()] == [(0, 3), (1, 1)]
    assert platform.device_id_to_physical_device_id(0) == 3
    message = (
        "cuda device 2 is not visible: this process sees 2 device(s) with "
        "CUDA_VISIBLE_DEVICES='3,1'; use an index from 0 to 1"
    )
    with pytest.raises(IndexError, match=f"^{re.escape(message)}$"):
        platform.get_device_name(2)


def test_the_hosts_environment_is_read_not_the_process_one(
    cuda_platform: CudaPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    platform = cuda_platform("8xH100", environ={"CUDA_VISIBLE_DEVICES": "5"})
    assert platform.environ == {"CUDA_VISIBLE_DEVICES": "5"}
    assert platform.device_id_to_physical_device_id(0) == 5


def test_devices_are_read_once_per_host(cuda_host: Callable[..., Host]) -> None:
    environ = {"CUDA_VISIBLE_DEVICES": "0,1"}
    first = cuda_host("8xH100", environ=environ).platform()
    assert first.get_device_count() == 2
    # Facts are static per host (contract 2.0): a worker that changes its visibility
    # variable after hwcore resolved needs a new host, e.g. after hwcore.reset().
    environ["CUDA_VISIBLE_DEVICES"] = "5"
    assert first.get_device_count() == 2
    second = cuda_host("8xH100", environ=environ).platform()
    assert [d.physical_index for d in second.devices()] == [5]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0,x", "entry 'x' is neither a GPU index, a 'GPU-<uuid>' nor a 'MIG-<uuid>'; set "
                "CUDA_VISIBLE_DEVICES to comma-separated GPU indices such as "
                "CUDA_VISIBLE_DEVICES=0,1, or to UUIDs from `nvidia-smi -L`"),
        ("2,2", "GPU 2 is listed twice (entries '2' and '2'); list each GPU once"),
    ],
)
def test_an_unmappable_visibility_value_stops_resolution(
    cuda_host: Callable[..., Host], value: str, problem: str
) -> None:
    # Never a silent fallback to the CPU, even when hwcore-cpu is installed.
    cuda_host("8xH100", environ={"CUDA_VISIBLE_DEVICES": value}, extra=(cpu_candidate(),))
    message = (
        "platform 'cuda' from hwcore-cuda 0.1.0 was chosen (cuda: the only accelerator "
        "detected (NVML reports 8 GPUs: 8x NVIDIA H100 80GB HBM3 (driver 580.82.07); "
        f"CUDA_VISIBLE_DEVICES cannot be used)), but it cannot be used: "
        f"CUDA_VISIBLE_DEVICES={value!r}: {problem}"
    )
    with pytest.raises(UnusablePlatformError, match=f"^{re.escape(message)}$"):
        hwcore.current_platform()


def test_the_cpu_takes_over_when_visibility_hides_every_gpu(
    cuda_host: Callable[..., Host],
) -> None:
    host = cuda_host("8xH100", environ={"CUDA_VISIBLE_DEVICES": ""}, extra=(cpu_candidate(),))
    assert hwcore.current_platform().name == "cpu"
    [cuda] = [d for d in host.report.detections if d.plugin == "cuda"]
    assert cuda.reason == (
        "NVML reports 8 GPUs: 8x NVIDIA H100 80GB HBM3 (driver 580.82.07), but "
        "CUDA_VISIBLE_DEVICES='' hides every GPU from this process; unset it to use all 8 "
        "GPUs on this node"
    )


# ------------------------------------------------------------------ dtype questions


def test_bfloat16_on_a_t4_is_refused_with_vllms_message(cuda_platform: CudaPlatform) -> None:
    platform = cuda_platform("T4", environ={})
    assert platform.supported_dtypes == ["float16", "float32"]
    platform.check_if_supports_dtype("float16")
    message = (
        "Bfloat16 is only supported on GPUs with compute capability of at least 8.0. "
        "Your Tesla T4 GPU has compute capability 7.5. You can use float16 instead by "
        "explicitly setting the `dtype` flag in CLI, for example: --dtype=half."
    )
    with pytest.raises(hwcore.UnsupportedDtypeError, match=f"^{re.escape(message)}$"):
        platform.check_if_supports_dtype("bf16")
    with pytest.raises(hwcore.UnsupportedDtypeError, match=f"^{re.escape(message)}$"):
        hwcore.get_plugin_manager().hook.check_if_supports_dtype(dtype="bfloat16")


def test_a_mixed_node_refuses_what_its_weakest_gpu_cannot_compute(
    cuda_platform: CudaPlatform,
) -> None:
    platform = cuda_platform("H100+T4", environ={})
    message = (
        "Bfloat16 is only supported on GPUs with compute capability of at least 8.0. "
        "Your Tesla T4 GPU has compute capability 7.5. You can use float16 instead by "
        "explicitly setting the `dtype` flag in CLI, for example: --dtype=half."
    )
    with pytest.raises(hwcore.UnsupportedDtypeError, match=f"^{re.escape(message)}$"):
        platform.check_if_supports_dtype("bfloat16")


def test_a_dtype_no_gpu_computes_in_names_the_gpu_and_what_works(
    cuda_platform: CudaPlatform,
) -> None:
    message = (
        "float8_e4m3fn is not supported on your NVIDIA H100 80GB HBM3 GPU (compute capability "
        "9.0); use one of: bfloat16, float16, float32"
    )
    with pytest.raises(hwcore.UnsupportedDtypeError, match=f"^{re.escape(message)}$"):
        cuda_platform("H100", environ={}).check_if_supports_dtype("float8_e4m3fn")


def test_limits_the_platform_leaves_to_the_core(cuda_platform: CudaPlatform) -> None:
    platform = cuda_platform("H100", environ={})
    assert platform.check_max_model_len(131072) == 131072
    platform.verify_quantization("fp8")  # CUDA restricts no quantization method
    platform.verify_model_arch("DeepseekV3ForCausalLM")


# ------------------------------------------------------------------------ warnings


def test_a_mixed_node_warns_without_pci_bus_order(cuda_platform: CudaPlatform) -> None:
    assert cuda_platform("A100+H100", environ={}).log_warnings() == [MIXED_WARNING]


def test_pci_bus_order_in_the_hosts_environment_silences_the_warning(
    cuda_platform: CudaPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUDA_DEVICE_ORDER", "FASTEST_FIRST")
    platform = cuda_platform("A100+H100", environ={"CUDA_DEVICE_ORDER": "PCI_BUS_ID"})
    assert platform.log_warnings() == []


def test_a_uniform_node_has_no_warning(cuda_platform: CudaPlatform) -> None:
    assert cuda_platform("8xH100", environ={}).log_warnings() == []


def test_a_mixed_node_warns_even_when_visibility_shows_one_gpu(
    cuda_platform: CudaPlatform,
) -> None:
    assert cuda_platform("A100+H100", environ={"CUDA_VISIBLE_DEVICES": "0"}).log_warnings() == [
        MIXED_WARNING
    ]


def test_the_warning_comes_from_the_detected_record_without_asking_nvml_again(
    cuda_platform: CudaPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = cuda_platform("A100+H100", environ={"CUDA_VISIBLE_DEVICES": "0"})
    assert dict(platform.info.details)["mixed GPU models"] == (
        "NVIDIA A100-SXM4-80GB, NVIDIA H100 80GB HBM3"
    )

    def asked_again() -> None:
        raise AssertionError("log_warnings read NVML again")

    monkeypatch.setattr(nvml, "read_device_table", asked_again)
    assert platform.log_warnings() == [MIXED_WARNING]


# ----------------------------------------------------------------- memory and links


def test_memory_in_use_is_torchs_measure_on_the_logical_device(
    cuda_platform: CudaPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    torch = pytest.importorskip("torch")
    calls: list[str] = []
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: calls.append("empty_cache"))
    monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats",
                        lambda device: calls.append(f"reset {device}"))
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device: 1234 + device)
    platform = cuda_platform("2xH100", environ={})
    assert platform.get_current_memory_usage(1) == 1235
    assert calls == ["empty_cache", "reset 1"]
    message = (
        "cuda device 2 is not visible: this process sees 2 device(s); use an index from 0 to 1"
    )
    with pytest.raises(IndexError, match=f"^{re.escape(message)}$"):
        platform.get_current_memory_usage(2)
    assert calls == ["empty_cache", "reset 1"]  # refused before torch was touched


def test_free_memory_comes_from_nvml_for_the_physical_gpu(
    cuda_platform: CudaPlatform, fakes: object
) -> None:
    node = fakes.node("A100+H100")  # type: ignore[attr-defined]
    node.gpus[1].total_memory = 40000 * MIB
    platform = cuda_platform(node, environ={"CUDA_VISIBLE_DEVICES": "1"})
    # The fake node keeps 512 MiB in use on every GPU.
    assert platform.get_device_free_memory(0) == (40000 - 512) * MIB
    assert hwcore.get_plugin_manager().hook.get_device_free_memory(device_id=0) == (
        (40000 - 512) * MIB
    )


def test_free_memory_of_a_mig_slice_is_the_slices(
    cuda_platform: CudaPlatform, fakes: object
) -> None:
    node = fakes.node("2xA100")  # type: ignore[attr-defined]
    node.gpus[1].mig = (("MIG-aaaa-1", 10 << 30), ("MIG-bbbb-2", 20 << 30))
    platform = cuda_platform(node, environ={"CUDA_VISIBLE_DEVICES": "MIG-bbbb-2"})
    assert platform.get_device_free_memory(0) == (20 << 30) - 512 * MIB


def test_free_memory_without_nvml_says_what_to_use(
    cuda_platform: CudaPlatform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "jetson"
    (root / "etc").mkdir(parents=True)
    (root / "etc/nv_tegra_release").write_text("# R36\n")
    monkeypatch.setattr(plugin, "TEGRA_ROOT", root)
    platform = cuda_platform("missing", environ={})
    message = (
        "NVML does not report the free memory of CUDA device 0 (NVIDIA Jetson (unknown "
        "model)); use torch.cuda.mem_get_info() once the engine has created a CUDA context"
    )
    with pytest.raises(NotImplementedError, match=f"^{re.escape(message)}$"):
        platform.get_device_free_memory(0)


def test_nvlink_questions_ask_nvml_now(cuda_platform: CudaPlatform, fakes: object) -> None:
    node = fakes.node("4xH100")  # type: ignore[attr-defined]
    node.nvlink = {frozenset((0, 1)), frozenset((2, 3))}
    platform = cuda_platform(node, environ={})
    assert platform.info.fully_connected is False
    assert platform.use_custom_allreduce() is False
    assert platform.is_fully_connected([0, 1]) is True
    assert platform.is_fully_connected([1, 2]) is False


def test_block_copies_are_the_cores_with_the_cuda_device_type(
    cuda_platform: CudaPlatform,
) -> None:
    torch = pytest.importorskip("torch")
    platform = cuda_platform("2xH100", environ={})
    pm = hwcore.get_plugin_manager()
    for hook in (pm.hook.insert_blocks_to_device, pm.hook.swap_out_blocks_to_host):
        assert [impl.plugin_name for impl in hook.get_hookimpls()] == ["hwcore.defaults"]
    host = torch.zeros(4, 2)
    not_a_gpu_cache = torch.ones(4, 2)
    message = (
        "dst_cache is on device 'cpu', expected a 'cuda' tensor; move it with .to('cuda') "
        "when the cache is allocated"
    )
    with pytest.raises(hwcore.MemoryOpError, match=f"^{re.escape(message)}$"):
        platform.insert_blocks_to_device(
            host, not_a_gpu_cache, torch.tensor([0]), torch.tensor([1])
        )
    assert torch.equal(not_a_gpu_cache, torch.ones(4, 2))
    message = (
        "src_cache is on device 'cpu', expected a 'cuda' tensor; move it with .to('cuda') "
        "when the cache is allocated"
    )
    with pytest.raises(hwcore.MemoryOpError, match=f"^{re.escape(message)}$"):
        platform.swap_out_blocks_to_host(
            not_a_gpu_cache, host, torch.tensor([0]), torch.tensor([1])
        )
    assert not host.any()


# ------------------------------------------------------------ two hosts, one process


def test_two_hosts_see_their_own_environment(fake_nvml: Callable[..., object]) -> None:
    from hwcore.testing import IsolatedHost

    fake_nvml("A100+H100")
    engine = IsolatedHost(environ={})
    other = IsolatedHost(environ={"CUDA_VISIBLE_DEVICES": "1", "CUDA_DEVICE_ORDER": "PCI_BUS_ID"})
    for isolated in (engine, other):
        isolated.add_platform(plugin, "cuda", distribution="hwcore-cuda", version="0.1.0")
    assert engine.platform().log_warnings() == [MIXED_WARNING]
    assert other.platform().log_warnings() == []
    assert [d.name for d in other.platform().devices()] == [H100]
    assert engine.platform().get_device_count() == 2
