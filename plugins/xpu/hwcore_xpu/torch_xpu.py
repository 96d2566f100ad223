"""The one seam to ``torch.xpu``: read only when the engine has already imported torch.

torch is a peer dependency: hwcore-xpu never imports it to detect (``import torch`` costs
about two seconds), so detection looks at ``sys.modules``. ``torch.xpu.device_count()``
enumerates through Level Zero Sysman without initialising XPU; the device properties need
an initialised XPU runtime, so they are read only once the engine has initialised it. On a
CPU build of torch every query answers "no XPU" (count 0, memory 0) instead of raising, so
availability is checked first, never inferred from an exception.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TorchXpuDevice:
    """What ``torch.xpu.get_device_properties`` says; all ``None`` when it was not read."""

    name: str | None = None
    total_memory: int | None = None
    integrated: bool | None = None
    driver_version: str | None = None
    compute_units: int | None = None


@dataclass(frozen=True)
class TorchXpuTable:
    """The devices torch.xpu sees, already filtered by ``ZE_AFFINITY_MASK``."""

    torch_version: str
    devices: tuple[TorchXpuDevice, ...]
    properties_read: bool


@dataclass(frozen=True)
class TorchXpuUnavailable:
    reason: str


def read_device_table() -> TorchXpuTable | TorchXpuUnavailable:
    """torch.xpu's devices, if torch is already imported and sees any."""
    torch = imported_torch()
    if torch is None:
        return TorchXpuUnavailable("torch is not imported (detection never imports it)")
    try:
        xpu = torch.xpu
        count = int(xpu.device_count())
        version = str(torch.__version__)
        if count == 0:
            return TorchXpuUnavailable(f"torch {version} reports no XPU device")
        initialised = bool(xpu.is_initialized())
        devices = tuple(
            _properties(xpu, index) if initialised else TorchXpuDevice()
            for index in range(count)
        )
    except Exception as error:  # a broken or foreign torch build may raise anything
        return TorchXpuUnavailable(
            f"torch.xpu cannot be queried ({type(error).__name__}: {error})"
        )
    return TorchXpuTable(version, devices, properties_read=initialised)


def free_memory(device_id: int) -> int | None:
    """Free bytes on logical XPU ``device_id`` (``torch.xpu.mem_get_info``), or ``None``
    unless the engine has imported torch and initialised XPU (asking would initialise it)."""
    torch = imported_torch()
    if torch is None or not torch.xpu.is_initialized():
        return None
    free, _total = torch.xpu.mem_get_info(device_id)
    return int(free)


def imported_torch() -> Any:
    """The torch module if the process has imported it, else ``None``."""
    return sys.modules.get("torch")


def installed_torch_version() -> str | None:
    """The installed torch's version: the imported module's, else its package metadata
    (read without importing torch); ``None`` when torch is not installed."""
    torch = imported_torch()
    if torch is not None:
        return str(torch.__version__)
    from importlib import metadata

    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def _properties(xpu: Any, index: int) -> TorchXpuDevice:
    properties = xpu.get_device_properties(index)
    return TorchXpuDevice(
        name=str(properties.name),
        total_memory=int(properties.total_memory),
        integrated=_optional_bool(properties, "is_integrated_gpu"),
        driver_version=str(getattr(properties, "driver_version", "")) or None,
        compute_units=int(properties.max_compute_units),
    )


def _optional_bool(properties: Any, name: str) -> bool | None:
    value = getattr(properties, name, None)
    return None if value is None else bool(value)
