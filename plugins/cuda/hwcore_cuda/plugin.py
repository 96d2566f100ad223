"""The ``cuda`` platform plugin: NVIDIA GPUs, found through NVML without a CUDA context.

Every hook here reads the device table found at detection (``hwcore_cuda.inventory``)
and applies ``CUDA_VISIBLE_DEVICES`` at call time. A node with mixed GPU models runs at its
weakest GPU: dtypes, FP8/MX and attention priorities follow the lowest visible capability.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hwcore
from hwcore_cuda import attention, capabilities, detection, inventory, memory, nvml
from hwcore_cuda.visibility import VARIABLE, VisibleDevice

if TYPE_CHECKING:
    from hwcore.records import (
        AttentionBackendSpec,
        ConfigAdjustment,
        DeviceCapability,
        EngineConfig,
        PlatformAbsent,
        PlatformInfo,
    )

HWCORE_CONTRACT_VERSION = "1.0"
DEVICE_COMMUNICATOR = "vllm.distributed.device_communicators.cuda_communicator.CudaCommunicator"
TEGRA_ROOT = Path("/")  # where the Jetson markers are looked for; tests point it at tmp_path


class _Found:
    """The inventory from the last detection (re-read by every new host's detection)."""

    inventory: inventory.Inventory | None = None


# ----------------------------------------------------------------------------- detection


@hwcore.hookimpl
def detect_platform() -> PlatformInfo | PlatformAbsent:
    found = inventory.probe(TEGRA_ROOT)
    _Found.inventory = found if isinstance(found, inventory.Inventory) else None
    return detection.describe(found, os.environ)


@hwcore.hookimpl
def log_warnings() -> list[str]:
    # NVML lists GPUs in PCI bus order but CUDA defaults to fastest-first, so with mixed
    # models logical index i may not be NVML's GPU i.
    found = _Found.inventory
    if found is None or os.environ.get("CUDA_DEVICE_ORDER") == "PCI_BUS_ID":
        return []
    names = sorted({gpu.name for gpu in found.gpus})
    if len(names) < 2:
        return []
    return [
        f"this node mixes GPU models ({', '.join(names)}) and CUDA_DEVICE_ORDER is not "
        "PCI_BUS_ID, so CUDA may number the GPUs differently from NVML; set "
        "CUDA_DEVICE_ORDER=PCI_BUS_ID before starting the engine"
    ]


# ------------------------------------------------------------------------ device queries


@hwcore.hookimpl
def get_device_count() -> int:
    return len(_visible())


@hwcore.hookimpl
def get_device_name(device_id: int) -> str:
    return _gpu(device_id).name


@hwcore.hookimpl
def get_device_uuid(device_id: int) -> str | None:
    return _gpu(device_id).uuid


@hwcore.hookimpl
def get_device_capability(device_id: int) -> DeviceCapability | None:
    return _gpu(device_id).capability


@hwcore.hookimpl
def get_device_total_memory(device_id: int) -> int:
    gpu = _gpu(device_id)
    if gpu.total_memory is None:
        raise NotImplementedError(
            f"NVML does not report the memory of CUDA device {device_id} ({gpu.name}); "
            "unified-memory parts (Jetson, GB10) share host memory: use "
            "torch.cuda.mem_get_info() once the engine has created a CUDA context"
        )
    return gpu.total_memory


@hwcore.hookimpl
def device_id_to_physical_device_id(device_id: int) -> int:
    return _device(device_id).physical_index


@hwcore.hookimpl
def is_fully_connected(physical_device_ids: list[int]) -> bool:
    if _inventory().source != "nvml":
        return False
    return nvml.nvlink_fully_connected(physical_device_ids)


@hwcore.hookimpl
def get_supported_dtypes() -> list[str]:
    return capabilities.supported_dtypes(_weakest_capability())


@hwcore.hookimpl
def check_if_supports_dtype(dtype: Any) -> None:
    for device in _visible():
        gpu = _inventory().gpu(device)
        capabilities.check_dtype(dtype, gpu.capability, gpu.name)


@hwcore.hookimpl
def supports_fp8() -> bool:
    return capabilities.supports_fp8(_weakest_capability())


@hwcore.hookimpl
def supports_mx() -> bool:
    return capabilities.supports_mx(_weakest_capability())


# --------------------------------------------------------------------- config validation


@hwcore.hookimpl
def check_and_update_config(config: EngineConfig) -> list[ConfigAdjustment]:
    # Imported here: the config records cost start-up time that detection never needs.
    from hwcore_cuda.config import GpuSetup, adjust_config

    devices = _visible()
    name = _inventory().gpu(devices[0]).name if devices else "CUDA"
    setup = GpuSetup(_weakest_capability(), name, len(devices))
    return adjust_config(config, setup, _choose_backend)


def _choose_backend(config: EngineConfig, dtype: str) -> AttentionBackendSpec:
    from hwcore.attention.registry import get_registry

    class_path = get_attn_backend_cls(
        selected_backend=None,
        head_size=config.model.head_size,
        dtype=dtype,
        kv_cache_dtype=config.cache.cache_dtype,
        block_size=config.cache.block_size,
        use_mla=config.model.use_mla,
        has_sink=False,
        use_sparse=False,
    )
    return next(entry.spec for entry in get_registry() if entry.spec.class_path == class_path)


# ----------------------------------------------------------------------------- attention


@hwcore.hookimpl
def get_attn_backend_cls(
    selected_backend: str | None,
    head_size: int,
    dtype: Any,
    kv_cache_dtype: str | None,
    block_size: int | None,
    use_mla: bool,
    has_sink: bool,
    use_sparse: bool,
) -> str:
    from hwcore.attention.selection import select_attention_backend

    return select_attention_backend(
        attention.backend_priority(_weakest_capability(), use_mla),
        selected_backend=selected_backend,
        head_size=head_size,
        dtype=dtype,
        kv_cache_dtype=kv_cache_dtype,
        block_size=block_size,
        use_mla=use_mla,
        has_sink=has_sink,
        use_sparse=use_sparse,
        providers=attention.PROVIDER_HINTS,
    )


# ---------------------------------------------------------------------------- memory ops


@hwcore.hookimpl
def insert_blocks_to_device(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    return memory.insert_blocks_to_device(
        src_cache, dst_cache, src_block_indices, dst_block_indices
    )


@hwcore.hookimpl
def swap_out_blocks_to_host(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    return memory.swap_out_blocks_to_host(
        src_cache, dst_cache, src_block_indices, dst_block_indices
    )


@hwcore.hookimpl
def get_current_memory_usage(device_id: int) -> int:
    return memory.current_memory_usage(device_id)


# --------------------------------------------------------------------------- distributed


@hwcore.hookimpl
def get_device_communicator_cls() -> str:
    return DEVICE_COMMUNICATOR


@hwcore.hookimpl
def use_custom_allreduce() -> bool:
    # vLLM's custom all-reduce needs peer-to-peer NVLink between every pair of ranks.
    devices = _visible()
    if len(devices) < 2:
        return False
    return is_fully_connected([device.physical_index for device in devices])


# ------------------------------------------------------------------------------- helpers


def _inventory() -> inventory.Inventory:
    if _Found.inventory is None:
        found = inventory.probe(TEGRA_ROOT)
        if isinstance(found, inventory.NoGpu):
            raise RuntimeError(f"hwcore-cuda found no NVIDIA GPU: {found.reason}")
        _Found.inventory = found
    return _Found.inventory


def _visible() -> tuple[VisibleDevice, ...]:
    return _inventory().visible().devices


def _device(device_id: int) -> VisibleDevice:
    return _inventory().visible().device(device_id, os.environ.get(VARIABLE))


def _gpu(device_id: int) -> inventory.Gpu:
    return _inventory().gpu(_device(device_id))


def _weakest_capability() -> DeviceCapability | None:
    known = [
        gpu.capability
        for gpu in (_inventory().gpu(device) for device in _visible())
        if gpu.capability is not None
    ]
    return min(known, default=None)
