"""``PlatformInfo`` (what a platform is and what it can do) and ``DeviceInfo`` (one device).

Both are facts, read once by ``detect_platform``: contract 2.0 asks no hook per fact. A fact
the platform cannot tell is an explicit ``None`` field, so ``None`` never has to mean "not
implemented" and "unknown" at once.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from hwcore.records._checks import (
    require_count,
    require_pairs,
    require_text,
    require_texts,
)
from hwcore.records.capability import DeviceCapability

FP8_DTYPES = ("float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz")
INFERENCE_MODES = ("inference_mode", "no_grad")
DEFAULT_DTYPES = ("bfloat16", "float16", "float32")
DEFAULT_DEVICE_COMMUNICATOR = "hwcore.distributed.DeviceCommunicator"
_CLASS_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


def pin_memory_default() -> bool:
    """vLLM's rule: page-locked host memory works everywhere except under WSL."""
    uname = getattr(os, "uname", None)  # absent on Windows, where WSL is not the host
    return uname is None or "microsoft" not in uname().release.lower()


@dataclass(frozen=True)
class DeviceInfo:
    """One visible device and its facts; every optional field is ``None`` when the platform
    cannot tell.

    * ``index``: the logical index this process uses (``cuda:0`` ...), 0, 1, ... in order.
    * ``physical_index``: the index the vendor library uses for the same device (NVML and
      amdsmi order, the sysfs enumeration); differs from ``index`` when a visibility
      variable such as ``CUDA_VISIBLE_DEVICES`` reorders or hides devices.
    * ``name``: the marketing name, ``"NVIDIA H100 80GB HBM3"``.
    * ``uuid``: the stable identifier the vendor tools print (``nvidia-smi -L``).
    * ``capability``: the compute capability; ``None`` on platforms without that notion
      (CPU, XPU, TPU) and where the driver does not say.
    * ``total_memory``: bytes of device memory.
    * ``architecture``: the vendor's architecture name (``"gfx942"``, ``"v6e"``).
    * ``pci_bus_id``: ``"0000:0c:00.0"``.
    * ``numa_node``: the host NUMA node closest to the device.
    * ``integrated``: ``True`` when the device shares host memory (Jetson, an iGPU).
    * ``compute_units``: SMs, CUs, Xe cores or TensorCores.
    * ``details``: further ``(key, value)`` facts for people, shown by ``hwcore info``.
    """

    index: int
    physical_index: int
    name: str
    uuid: str | None = None
    capability: DeviceCapability | None = None
    total_memory: int | None = None
    architecture: str | None = None
    pci_bus_id: str | None = None
    numa_node: int | None = None
    integrated: bool | None = None
    compute_units: int | None = None
    details: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        require_count("DeviceInfo", "index", self.index)
        require_count("DeviceInfo", "physical_index", self.physical_index)
        require_text("DeviceInfo", "name", self.name)
        for name in ("uuid", "architecture", "pci_bus_id"):
            if getattr(self, name) is not None:
                require_text("DeviceInfo", name, getattr(self, name))
        for name in ("total_memory", "numa_node", "compute_units"):
            if getattr(self, name) is not None:
                require_count("DeviceInfo", name, getattr(self, name))
        if self.capability is not None and not isinstance(self.capability, DeviceCapability):
            raise ValueError(
                f"DeviceInfo.capability must be a DeviceCapability or None, got {self.capability!r}"
            )
        if self.integrated is not None and not isinstance(self.integrated, bool):
            raise ValueError(
                f"DeviceInfo.integrated must be a bool or None, got {self.integrated!r}"
            )
        require_pairs("DeviceInfo", "details", self.details)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "physical_index": self.physical_index,
            "name": self.name,
            "uuid": self.uuid,
            "capability": None if self.capability is None else self.capability.as_version_str(),
            "total_memory": self.total_memory,
            "architecture": self.architecture,
            "pci_bus_id": self.pci_bus_id,
            "numa_node": self.numa_node,
            "integrated": self.integrated,
            "compute_units": self.compute_units,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class PlatformInfo:
    """The facts of a detected platform, returned by ``detect_platform``.

    Field names follow vLLM's ``Platform`` class attributes and the answers of its
    fact methods (``supported_dtypes``, ``supports_fp8()``, ``is_fp8_fnuz()`` ...). ``name``
    must equal the platform's entry-point name, so ``HWCORE_PLATFORM=<name>`` names it.

    * ``devices``: the devices this process sees, in logical order (``device_count`` is
      their number). The platform applies its visibility variable when it detects.
    * ``evidence``: what was found, for people (``"NVML reports 8 GPUs"``).
    * ``supported_dtypes``: the model dtypes the devices compute in, preferred first; the
      first is used when the model dtype is ``"auto"``.
    * ``supports_fp8`` / ``supports_mx``: native FP8 / MX (microscaling) compute.
    * ``fp8_fnuz``: the preferred FP8 format is FNUZ (AMD MI300); ``fp8_dtype`` must then be
      a ``...fnuz`` dtype.
    * ``pin_memory``: page-locked host memory can be used for transfers.
    * ``custom_allreduce``: the engine's custom all-reduce kernel can run here.
    * ``fully_connected``: every pair of visible devices has a direct high-speed link
      (NVLink, XGMI); ``None`` when not applicable or unknown.
    * ``inference_mode``: the torch context an engine runs inference under
      (``"inference_mode"`` or ``"no_grad"``); ``sync_weight_loader``: weights must be
      synchronised after loading (vLLM's ``use_sync_weight_loader``).
    * ``device_communicator_cls``: the dotted path of the device communicator class.
    * ``backend_hints``: ``(backend name, what provides it)`` pairs, shown when a backend in
      the platform's priority list is not registered by any installed plugin.
    * ``unusable_reason``: set when the hardware is present but cannot be used as this
      process is configured (two visibility variables disagree, say). The host then refuses
      to activate the platform with this message, instead of falling back elsewhere.
    * ``details``: further ``(key, value)`` facts for people, shown by ``hwcore info``.
    """

    name: str
    device_name: str
    device_type: str
    dispatch_key: str
    dist_backend: str
    devices: tuple[DeviceInfo, ...]
    evidence: tuple[str, ...]
    ray_device_key: str = ""
    device_control_env_var: str | None = None
    ray_noset_device_env_vars: tuple[str, ...] = ()
    additional_env_vars: tuple[str, ...] = ()
    simple_compile_backend: str = "inductor"
    supported_quantization: tuple[str, ...] = ()
    is_fallback: bool = False
    supported_dtypes: tuple[str, ...] = DEFAULT_DTYPES
    supports_fp8: bool = False
    supports_mx: bool = False
    fp8_fnuz: bool = False
    fp8_dtype: str = "float8_e4m3fn"
    pin_memory: bool = field(default_factory=pin_memory_default)
    custom_allreduce: bool = False
    fully_connected: bool | None = None
    inference_mode: str = "inference_mode"
    sync_weight_loader: bool = False
    device_communicator_cls: str = DEFAULT_DEVICE_COMMUNICATOR
    backend_hints: tuple[tuple[str, str], ...] = ()
    unusable_reason: str | None = None
    details: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for name in ("name", "device_name", "device_type", "dispatch_key", "dist_backend"):
            require_text("PlatformInfo", name, getattr(self, name))
        self._check_devices()
        require_texts("PlatformInfo", "evidence", self.evidence)
        if not self.evidence:
            raise ValueError(
                "PlatformInfo.evidence must say what was found (e.g. 'NVML reports 8 devices')"
            )
        for name in ("device_control_env_var", "unusable_reason"):
            if getattr(self, name) is not None:
                require_text("PlatformInfo", name, getattr(self, name))
        for name in ("ray_noset_device_env_vars", "additional_env_vars", "supported_quantization"):
            require_texts("PlatformInfo", name, getattr(self, name))
        self._check_features()
        require_pairs("PlatformInfo", "backend_hints", self.backend_hints)
        require_pairs("PlatformInfo", "details", self.details)

    def _check_devices(self) -> None:
        if not isinstance(self.devices, tuple) or not all(
            isinstance(device, DeviceInfo) for device in self.devices
        ):
            raise ValueError(
                f"PlatformInfo.devices must be a tuple of DeviceInfo, got {self.devices!r}"
            )
        indices = [device.index for device in self.devices]
        if indices != list(range(len(indices))):
            raise ValueError(
                f"PlatformInfo.devices must hold logical indices 0..{len(indices) - 1} in "
                f"order, got {indices}"
            )

    def _check_features(self) -> None:
        require_texts("PlatformInfo", "supported_dtypes", self.supported_dtypes)
        if not self.supported_dtypes:
            raise ValueError("PlatformInfo.supported_dtypes must name at least one dtype")
        flags = ("is_fallback", "supports_fp8", "supports_mx", "fp8_fnuz", "pin_memory",
                 "custom_allreduce", "sync_weight_loader")
        for name in flags:
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"PlatformInfo.{name} must be a bool, got {getattr(self, name)!r}")
        if self.fully_connected is not None and not isinstance(self.fully_connected, bool):
            raise ValueError(
                f"PlatformInfo.fully_connected must be a bool or None, got {self.fully_connected!r}"
            )
        if self.fp8_dtype not in FP8_DTYPES:
            raise ValueError(
                f"PlatformInfo.fp8_dtype must be one of {', '.join(FP8_DTYPES)}, "
                f"got {self.fp8_dtype!r}"
            )
        if self.fp8_fnuz != self.fp8_dtype.endswith("fnuz"):
            raise ValueError(
                f"PlatformInfo.fp8_fnuz={self.fp8_fnuz} contradicts fp8_dtype="
                f"{self.fp8_dtype!r}: an FNUZ platform uses a ...fnuz dtype, and only it does"
            )
        if self.inference_mode not in INFERENCE_MODES:
            raise ValueError(
                f"PlatformInfo.inference_mode must be one of {', '.join(INFERENCE_MODES)}, "
                f"got {self.inference_mode!r}"
            )
        if not isinstance(self.device_communicator_cls, str) or not _CLASS_PATH.match(
            self.device_communicator_cls
        ):
            raise ValueError(
                "PlatformInfo.device_communicator_cls must be a dotted class path, got "
                f"{self.device_communicator_cls!r}"
            )

    @property
    def device_count(self) -> int:
        """The number of devices this process sees."""
        return len(self.devices)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as ``hwcore info --json`` prints it."""
        return {
            "name": self.name,
            "device_name": self.device_name,
            "device_type": self.device_type,
            "dispatch_key": self.dispatch_key,
            "dist_backend": self.dist_backend,
            "device_count": self.device_count,
            "ray_device_key": self.ray_device_key,
            "device_control_env_var": self.device_control_env_var,
            "ray_noset_device_env_vars": list(self.ray_noset_device_env_vars),
            "additional_env_vars": list(self.additional_env_vars),
            "simple_compile_backend": self.simple_compile_backend,
            "supported_quantization": list(self.supported_quantization),
            "is_fallback": self.is_fallback,
            "supported_dtypes": list(self.supported_dtypes),
            "supports_fp8": self.supports_fp8,
            "supports_mx": self.supports_mx,
            "fp8_fnuz": self.fp8_fnuz,
            "fp8_dtype": self.fp8_dtype,
            "pin_memory": self.pin_memory,
            "custom_allreduce": self.custom_allreduce,
            "fully_connected": self.fully_connected,
            "inference_mode": self.inference_mode,
            "sync_weight_loader": self.sync_weight_loader,
            "device_communicator_cls": self.device_communicator_cls,
            "unusable_reason": self.unusable_reason,
            "evidence": list(self.evidence),
            "details": dict(self.details),
        }
