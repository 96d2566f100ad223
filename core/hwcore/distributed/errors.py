"""The errors of running across processes and machines.

```
HwcoreError
└── DistributedError                 torch.distributed or Ray work set up through hwcore failed
    ├── InvalidProcessGroupError     bad arguments for a process group (also a ValueError);
    │                                raised before any connection is made
    ├── BackendUnavailableError      the installed torch lacks the backend (also a RuntimeError)
    ├── CollectiveError              a collective or send/recv failed: a peer died, hung past
    │                                the group's timeout, or called something else
    └── PlacementError               Ray could not start the workers, or a worker does not see
                                     exactly the device it was given
```
"""

from __future__ import annotations

from hwcore.errors import HwcoreError

__all__ = [
    "BackendUnavailableError",
    "CollectiveError",
    "DistributedError",
    "InvalidProcessGroupError",
    "PlacementError",
]


class DistributedError(HwcoreError):
    """Base of the errors raised by ``hwcore.distributed``."""


class InvalidProcessGroupError(DistributedError, ValueError):
    """A process group was asked for with arguments that cannot work (a rank outside the
    group, a size below 1, a backend the platform cannot run, a store that is not a
    ``torch.distributed.Store``). Raised before any connection is made."""


class BackendUnavailableError(DistributedError, RuntimeError):
    """The installed torch was built without the torch.distributed backend the platform
    needs (``nccl``, ``xccl``, ...); the message names the build that has it."""


class CollectiveError(DistributedError, RuntimeError):
    """A collective or a send/recv failed. The torch error is the ``__cause__``; the group
    cannot be used again."""


class PlacementError(DistributedError, RuntimeError):
    """Ray workers could not be placed as planned: Ray is missing or not initialized, the
    cluster lacks the resources, a worker did not start in time, or a worker does not see
    exactly one device."""
