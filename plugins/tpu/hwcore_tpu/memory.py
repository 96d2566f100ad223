"""TPU memory at run time: block copies and queries, through what tpu-inference runs on.

Nothing here runs during detection, and nothing imports JAX: importing it starts the TPU
runtime and claims the chips, which is the engine's decision. So:

* KV-cache block copies need tpu-inference, whose runner holds the device cache as torchax
  tensors (device type ``jax``, views writing through to the JAX array); hwcore's validated
  copy runs on them unchanged. Without tpu-inference there is no TPU tensor to copy into,
  and the error says what to install.
* Memory in use is read from JAX's per-device statistics, and only when the engine has
  imported JAX already; free memory is tpu-inference's own measure (``utils.
  hbm_usage_bytes``, what its worker sizes the KV cache with), so it needs tpu-inference.
* Total memory is a static fact, from the HBM table (``DeviceInfo.total_memory``).

A chip of v2, v3 or TPU7x is two JAX devices, one per core: its memory is theirs summed.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from hwcore.plugin_api import (
    HwcoreError,
    MemoryOpError,
    PlatformInfo,
    insert_blocks_to_device,
    swap_out_blocks_to_host,
)
from hwcore_tpu import chips
from hwcore_tpu.packages import TPU_INFERENCE, TPU_INFERENCE_INSTALL, installed_at

TORCHAX_DEVICE_TYPE = "jax"  # torchax renames torch's PrivateUse1 device to "jax"


class TpuRuntimeError(HwcoreError, RuntimeError):
    """A run-time TPU query was made where the TPU runtime (JAX, tpu-inference) is not
    available; nothing was started or imported."""


def copy_into_device(src_cache: Any, dst_cache: Any, src_blocks: Any, dst_blocks: Any) -> Any:
    """``insert_blocks_to_device`` on tpu-inference's tensors."""
    _require_tpu_inference_for_copies()
    return insert_blocks_to_device(
        src_cache, dst_cache, src_blocks, dst_blocks, device_type=TORCHAX_DEVICE_TYPE
    )


def copy_out_to_host(src_cache: Any, dst_cache: Any, src_blocks: Any, dst_blocks: Any) -> Any:
    """``swap_out_blocks_to_host`` from tpu-inference's tensors."""
    _require_tpu_inference_for_copies()
    return swap_out_blocks_to_host(
        src_cache, dst_cache, src_blocks, dst_blocks, device_type=TORCHAX_DEVICE_TYPE
    )


def memory_in_use(device_id: int, info: PlatformInfo) -> int:
    """Bytes in use on logical chip ``device_id``, from JAX's device statistics."""
    jax = _imported_jax(device_id, "memory in use")
    return sum(int(d.memory_stats()["bytes_in_use"]) for d in _jax_devices(jax, device_id, info))


def free_memory(device_id: int, info: PlatformInfo) -> int:
    """Free bytes on logical chip ``device_id``, as tpu-inference measures them."""
    if installed_at(TPU_INFERENCE) is None:
        raise TpuRuntimeError(
            f"free memory on TPU chip {device_id} is measured by tpu-inference, which is not "
            f"installed: {TPU_INFERENCE_INSTALL}"
        )
    jax = _imported_jax(device_id, "free memory")
    # The engine's runtime is up (JAX is imported), so tpu-inference may load now.
    utils = importlib.import_module("tpu_inference.utils")
    usage = utils.hbm_usage_bytes(_jax_devices(jax, device_id, info))
    return sum(int(limit) - int(used) for used, limit in usage)


def _require_tpu_inference_for_copies() -> None:
    if installed_at(TPU_INFERENCE) is None:
        raise MemoryOpError(
            "KV-cache block copies on TPU run on tpu-inference's device tensors, and "
            f"tpu-inference is not installed: {TPU_INFERENCE_INSTALL}; nothing was copied"
        )


def _imported_jax(device_id: int, what: str) -> Any:
    jax = sys.modules.get("jax")
    if jax is None:
        raise TpuRuntimeError(
            f"{what} on TPU chip {device_id} is read through JAX, which this process has not "
            "imported; hwcore does not import it (that starts the TPU runtime and claims the "
            "chips): ask after the engine has started JAX, as tpu-inference does"
        )
    return jax


def _jax_devices(jax: Any, device_id: int, info: PlatformInfo) -> list[Any]:
    # JAX sees only the visible chips, in logical order, each as cores_per_chip devices.
    if not 0 <= device_id < info.device_count:
        raise IndexError(
            f"TPU chip {device_id} is not visible: this process sees {info.device_count} "
            f"chip(s); use an index below {info.device_count}"
        )
    architecture = info.devices[device_id].architecture
    cores = 1 if architecture is None else chips.by_key(architecture).cores_per_chip
    return list(jax.local_devices()[device_id * cores:(device_id + 1) * cores])
