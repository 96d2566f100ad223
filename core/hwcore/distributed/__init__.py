"""Beyond one process: torch.distributed process groups, the core communicator, and Ray
placement, for every platform.

- ``stateless_init_device_torch_dist_pg``: a process group from a store, without torch's
  default group (the core default of the hook of the same name).
- ``DeviceCommunicator``: collectives over such groups (the default
  ``PlatformInfo.device_communicator_cls``).
- ``plan_placement`` / ``start_workers``: what Ray must be asked for, and one Ray actor per
  device that resolves hwcore in its own process (``pip install 'hwcore[ray]'``).
- ``worker_view`` / ``worker_device``: inside a worker, the device it was given.

Importing this package imports neither torch nor Ray.
"""

from __future__ import annotations

from hwcore.distributed.communicator import DeviceCommunicator
from hwcore.distributed.errors import (
    BackendUnavailableError,
    CollectiveError,
    DistributedError,
    InvalidProcessGroupError,
    PlacementError,
)
from hwcore.distributed.placement import PlacementPlan, plan_placement
from hwcore.distributed.process_group import (
    check_process_group_arguments,
    runnable_backends,
    stateless_init_device_torch_dist_pg,
)
from hwcore.distributed.ray_workers import (
    HwcoreWorker,
    WorkerContext,
    WorkerGroup,
    WorkerLocation,
    start_workers,
)
from hwcore.distributed.worker import WorkerView, worker_device, worker_view

__all__ = [
    "BackendUnavailableError",
    "CollectiveError",
    "DeviceCommunicator",
    "DistributedError",
    "HwcoreWorker",
    "InvalidProcessGroupError",
    "PlacementError",
    "PlacementPlan",
    "WorkerContext",
    "WorkerGroup",
    "WorkerLocation",
    "WorkerView",
    "check_process_group_arguments",
    "plan_placement",
    "runnable_backends",
    "start_workers",
    "stateless_init_device_torch_dist_pg",
    "worker_device",
    "worker_view",
]
