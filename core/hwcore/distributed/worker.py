"""A worker's view: which device this process got, seen through hwcore.

Ray (or a launcher such as torchrun with a visibility variable per process) gives each worker
its device by setting the platform's visibility variable (``CUDA_VISIBLE_DEVICES=3``) before
the worker starts. The platform's detection, which runs in the worker's own process, maps
that value onto the node's devices with the visibility functions the backends share
(``hwcore.plugin_api.map_visible_devices``), so logical device 0's ``DeviceInfo`` carries the
physical index of the device the worker was given. Nothing here re-reads the variable to
decide: the platform's records are the answer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hwcore.distributed.errors import PlacementError

if TYPE_CHECKING:
    import torch

    from hwcore.facade import Platform
    from hwcore.records import DeviceInfo

__all__ = ["LOCAL_RANK_VARIABLE", "WorkerView", "worker_device", "worker_view"]

LOCAL_RANK_VARIABLE = "LOCAL_RANK"
"""Set per process by torchrun (and by engines imitating it) when every process sees every
device of its node and picks one by its rank on the node."""


@dataclass(frozen=True)
class WorkerView:
    """The active platform as one worker process sees it: its visible devices in logical
    order, each with the physical index behind it, and the visibility variable's value."""

    platform: str
    device_type: str
    visibility_variable: str | None
    visibility_value: str | None
    devices: tuple[DeviceInfo, ...]
    pid: int

    @property
    def device_count(self) -> int:
        return len(self.devices)

    def physical_index(self, logical_index: int = 0) -> int:
        """The physical index (NVML, amdsmi or sysfs order) of logical device
        ``logical_index``."""
        if not 0 <= logical_index < len(self.devices):
            raise IndexError(
                f"logical device {logical_index} is not visible to worker {self.pid}: "
                f"{self.describe()}; use an index below {len(self.devices)}"
            )
        return self.devices[logical_index].physical_index

    def describe(self) -> str:
        """``"cuda sees 1 device: logical 0 = physical 3 (CUDA_VISIBLE_DEVICES='3')"``"""
        mapping = ", ".join(
            f"logical {device.index} = physical {device.physical_index}" for device in self.devices
        )
        variable = (
            f" ({self.visibility_variable}={self.visibility_value!r})"
            if self.visibility_variable and self.visibility_value is not None
            else f" ({self.visibility_variable} unset)"
            if self.visibility_variable
            else ""
        )
        plural = "" if self.device_count == 1 else "s"
        return (
            f"{self.platform} sees {self.device_count} device{plural}"
            f"{': ' + mapping if mapping else ''}{variable}"
        )


def worker_view(platform: Platform | None = None) -> WorkerView:
    """This process's view of ``platform`` (default: the active platform)."""
    platform = _active(platform)
    variable = platform.info.device_control_env_var
    return WorkerView(
        platform=platform.name,
        device_type=platform.device_type,
        visibility_variable=variable,
        visibility_value=platform.environ.get(variable) if variable else None,
        devices=tuple(platform.devices()),
        pid=os.getpid(),
    )


def worker_device(platform: Platform | None = None, local_rank: int | None = None) -> torch.device:
    """The torch device this worker computes on: ``cpu`` on a CPU platform, otherwise
    logical device ``local_rank``, which defaults to ``LOCAL_RANK`` when a launcher set it
    and to 0 (the one device Ray or a per-process visibility variable left visible)."""
    import torch

    platform = _active(platform)
    if platform.device_type == "cpu":
        return torch.device("cpu")
    index = _local_rank(platform.environ) if local_rank is None else local_rank
    count = platform.info.device_count
    if not 0 <= index < count:
        source = (
            f"local_rank={local_rank}"
            if local_rank is not None
            else f"{LOCAL_RANK_VARIABLE}={platform.environ.get(LOCAL_RANK_VARIABLE)!r}"
        )
        raise PlacementError(
            f"{source} names no device of this worker: {worker_view(platform).describe()}; "
            f"give each worker its own device through "
            f"{platform.info.device_control_env_var or 'the visibility variable'} and use "
            f"logical device 0, or pass a local rank below {count}"
        )
    return torch.device(platform.device_type, index)


def _local_rank(environ: Mapping[str, str]) -> int:
    value = environ.get(LOCAL_RANK_VARIABLE)
    if value is None:
        return 0
    if not value.strip().isdigit():
        raise PlacementError(
            f"{LOCAL_RANK_VARIABLE}={value!r} is not a rank on this node: set it to a "
            f"non-negative integer (torchrun does) or unset it"
        )
    return int(value)


def _active(platform: Platform | None) -> Platform:
    if platform is not None:
        return platform
    from hwcore.facade import current_platform

    return current_platform()
