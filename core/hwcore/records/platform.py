"""``PlatformInfo`` (what a platform is) and ``DeviceInfo`` (one of its devices)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hwcore.records._checks import require_count, require_text, require_texts
from hwcore.records.capability import DeviceCapability


@dataclass(frozen=True)
class PlatformInfo:
    """The static facts of a detected platform, returned by ``detect_platform``.

    Field names follow vLLM's ``Platform`` class attributes. ``name`` must equal the
    platform's entry-point name, so ``HWCORE_PLATFORM=<name>`` always names it.
    """

    name: str
    device_name: str
    device_type: str
    dispatch_key: str
    dist_backend: str
    device_count: int
    evidence: tuple[str, ...]
    ray_device_key: str = ""
    device_control_env_var: str | None = None
    ray_noset_device_env_vars: tuple[str, ...] = ()
    additional_env_vars: tuple[str, ...] = ()
    simple_compile_backend: str = "inductor"
    supported_quantization: tuple[str, ...] = ()
    is_fallback: bool = False
    details: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        for name in ("name", "device_name", "device_type", "dispatch_key", "dist_backend"):
            require_text("PlatformInfo", name, getattr(self, name))
        require_count("PlatformInfo", "device_count", self.device_count)
        require_texts("PlatformInfo", "evidence", self.evidence)
        if not self.evidence:
            raise ValueError(
                "PlatformInfo.evidence must say what was found (e.g. 'NVML reports 8 devices')"
            )
        if self.device_control_env_var is not None:
            require_text("PlatformInfo", "device_control_env_var", self.device_control_env_var)
        for name in ("ray_noset_device_env_vars", "additional_env_vars", "supported_quantization"):
            require_texts("PlatformInfo", name, getattr(self, name))
        if not isinstance(self.is_fallback, bool):
            raise ValueError(f"PlatformInfo.is_fallback must be a bool, got {self.is_fallback!r}")
        if not isinstance(self.details, tuple) or any(
            not (
                isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
            )
            for pair in self.details
        ):
            raise ValueError(
                f"PlatformInfo.details must be a tuple of (key, value) string pairs, "
                f"got {self.details!r}"
            )

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
            "evidence": list(self.evidence),
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class DeviceInfo:
    """One visible device: its logical index, the physical index behind it, and its facts.

    ``None`` means the platform cannot tell (e.g. a CPU has no UUID).
    """

    index: int
    physical_index: int
    name: str
    uuid: str | None = None
    capability: DeviceCapability | None = None
    total_memory: int | None = None

    def __post_init__(self) -> None:
        require_count("DeviceInfo", "index", self.index)
        require_count("DeviceInfo", "physical_index", self.physical_index)
        require_text("DeviceInfo", "name", self.name)
        if self.total_memory is not None:
            require_count("DeviceInfo", "total_memory", self.total_memory)
        if self.capability is not None and not isinstance(self.capability, DeviceCapability):
            raise ValueError(
                f"DeviceInfo.capability must be a DeviceCapability, got {self.capability!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "physical_index": self.physical_index,
            "name": self.name,
            "uuid": self.uuid,
            "capability": None if self.capability is None else self.capability.as_version_str(),
            "total_memory": self.total_memory,
        }
