"""The ``cuda`` platform plugin: NVIDIA GPUs, found through NVML without a CUDA context.

Detection reads the whole device table once and returns it as records; every other hook
answers from the ``platform`` argument (this host's facts) or asks NVML again for what
changes (free memory, links), so the module keeps no state of its own. Block copies are the
core's, with the device type ``cuda``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hwcore.plugin_api import hookimpl
from hwcore_cuda import capabilities, detection, inventory, nvml

if TYPE_CHECKING:
    from hwcore.plugin_api import (
        AttentionBackendSpec,
        AttentionRequest,
        ConfigAdjustment,
        DeviceInfo,
        EngineConfig,
        Platform,
        PlatformAbsent,
        PlatformInfo,
    )

HWCORE_CONTRACT_VERSION = "2.0"
TEGRA_ROOT = Path("/")  # where the Jetson markers are looked for; tests point it at tmp_path


# ----------------------------------------------------------------------------- detection


@hookimpl
def detect_platform(environ: Mapping[str, str]) -> PlatformInfo | PlatformAbsent:
    return detection.describe(inventory.probe(TEGRA_ROOT), environ)


@hookimpl
def log_warnings(platform: Platform) -> list[str]:
    # NVML lists GPUs in PCI bus order but CUDA defaults to fastest-first, so on a node with
    # mixed models CUDA_VISIBLE_DEVICES=0 may name another GPU for CUDA than for NVML: the
    # whole node counts, not only the GPUs this process sees.
    mixed = dict(platform.info.details).get(detection.MIXED_MODELS)
    if mixed is None or platform.environ.get("CUDA_DEVICE_ORDER") == "PCI_BUS_ID":
        return []
    return [
        f"this node mixes GPU models ({mixed}) and CUDA_DEVICE_ORDER is not "
        "PCI_BUS_ID, so CUDA may number the GPUs differently from NVML; set "
        "CUDA_DEVICE_ORDER=PCI_BUS_ID before starting the engine"
    ]


# --------------------------------------------------------------- dynamic device queries


@hookimpl
def is_fully_connected(physical_device_ids: list[int]) -> bool:
    return nvml.nvlink_fully_connected(physical_device_ids)


@hookimpl
def get_current_memory_usage(device_id: int, platform: Platform) -> int:
    from hwcore.plugin_api import torch_memory_in_use

    platform.device(device_id)  # IndexError naming what is visible
    return torch_memory_in_use("cuda", device_id)


@hookimpl
def get_device_free_memory(device_id: int, platform: Platform) -> int:
    device = platform.device(device_id)
    mig = device.uuid if device.uuid is not None and device.uuid.startswith("MIG-") else None
    free = nvml.free_memory(device.physical_index, mig)
    if free is None:
        raise NotImplementedError(
            f"NVML does not report the free memory of CUDA device {device_id} ({device.name}); "
            "use torch.cuda.mem_get_info() once the engine has created a CUDA context"
        )
    return free


# --------------------------------------------------------------------- config validation


@hookimpl
def check_if_supports_dtype(dtype: Any, platform: Platform) -> None:
    for device in platform.devices():
        capabilities.check_dtype(dtype, device.capability, device.name)


@hookimpl
def check_and_update_config(config: EngineConfig, platform: Platform) -> list[ConfigAdjustment]:
    # Imported here: the config records cost start-up time that detection never needs.
    from hwcore.plugin_api import AttentionRequest
    from hwcore_cuda.config import GpuSetup, adjust_config

    devices = tuple(platform.devices())
    weakest = detection.weakest_device(devices)
    setup = GpuSetup(
        None if weakest is None else weakest.capability,
        "CUDA" if weakest is None else weakest.name,
        len(devices),
    )

    def choose_backend(config: EngineConfig, dtype: str) -> AttentionBackendSpec:
        return platform.get_attn_backend_spec(None, AttentionRequest.for_config(config, dtype))

    return adjust_config(config, setup, choose_backend)


# ----------------------------------------------------------------------------- attention


@hookimpl
def get_attn_backend_priority(
    request: AttentionRequest, device: DeviceInfo | None
) -> tuple[str, ...]:
    # Imported here: the priority tables are needed once an engine asks, never to detect.
    from hwcore_cuda.attention import backend_priority

    return backend_priority(None if device is None else device.capability, request)
