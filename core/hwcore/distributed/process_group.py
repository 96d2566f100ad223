"""Stateless torch.distributed process groups: built from a store, never the default group.

An engine forms several groups (tensor parallel, pipeline parallel, a CPU group beside each
device group) and sometimes groups between processes that already belong to others. torch's
``init_process_group``/``new_group`` keep one process-wide world, so vLLM builds each group by
hand from a ``PrefixStore``: a ``ProcessGroup`` with one backend registered for its device.
This module does that for every backend torch ships (gloo, NCCL, XCCL) once, for every
platform; a platform overrides the hook only where it differs (e.g. a vendor backend).

Every argument is checked before torch is asked to connect, so a wrong rank or a backend the
platform cannot run is an error naming the culprit, not a hang in a rendezvous.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hwcore.distributed.errors import BackendUnavailableError, InvalidProcessGroupError

if TYPE_CHECKING:
    from hwcore.records import PlatformInfo

__all__ = [
    "BUILT_BACKENDS",
    "check_process_group_arguments",
    "runnable_backends",
    "stateless_init_device_torch_dist_pg",
]

HOST_BACKEND = "gloo"
"""Runs on every platform: host tensors, and the CPU group an engine keeps beside its device
group for metadata and barriers."""


@dataclass(frozen=True)
class _Backend:
    """What the core needs to build one torch.distributed backend."""

    device_type: str  # the torch device the backend is registered for
    backend_type: str  # member of ProcessGroup.BackendType
    availability_check: str  # torch.distributed.is_<...>_available
    provided_by: str  # the torch build that has it, for the error message


_BACKENDS = {
    "gloo": _Backend(
        "cpu", "GLOO", "is_gloo_available", "any torch build with distributed support"
    ),
    "nccl": _Backend(
        "cuda",
        "NCCL",
        "is_nccl_available",
        "a CUDA or ROCm build of torch for Linux (the CPU-only build has no NCCL)",
    ),
    "xccl": _Backend(
        "xpu",
        "XCCL",
        "is_xccl_available",
        "torch 2.8 or newer built for Intel XPU (torch's xpu wheels; IPEX is not needed)",
    ),
}

BUILT_BACKENDS: tuple[str, ...] = tuple(_BACKENDS)
"""The backends the core default of ``stateless_init_device_torch_dist_pg`` builds."""


def runnable_backends(platform_info: PlatformInfo) -> tuple[str, ...]:
    """The backends a process group on this platform may use: gloo, and the platform's
    ``dist_backend`` (``nccl`` on cuda and rocm, ``xccl`` on xpu)."""
    if platform_info.dist_backend == HOST_BACKEND:
        return (HOST_BACKEND,)
    return (HOST_BACKEND, platform_info.dist_backend)


def check_process_group_arguments(
    backend: str,
    group_rank: int,
    group_size: int,
    timeout: datetime.timedelta,
    platform_info: PlatformInfo,
) -> str:
    """Raise ``InvalidProcessGroupError`` for arguments that cannot form a group on this
    platform; return the backend name in lower case. Imports nothing, connects nothing."""
    if not _is_int(group_size) or group_size < 1:
        raise InvalidProcessGroupError(
            f"group_size={group_size!r} cannot form a process group: pass the number of "
            f"processes that will join it, 1 or more"
        )
    if not _is_int(group_rank) or not 0 <= group_rank < group_size:
        raise InvalidProcessGroupError(
            f"group_rank={group_rank!r} is outside a group of {group_size} rank(s): pass "
            f"this process's rank, from 0 to {group_size - 1}, different in every process"
        )
    name = _check_backend(backend, platform_info)
    if not isinstance(timeout, datetime.timedelta) or timeout <= datetime.timedelta(0):
        raise InvalidProcessGroupError(
            f"timeout={timeout!r} is not a positive datetime.timedelta: pass e.g. "
            f"datetime.timedelta(seconds=60); it bounds how long a collective waits for a peer"
        )
    return name


def stateless_init_device_torch_dist_pg(
    backend: str,
    prefix_store: Any,
    group_rank: int,
    group_size: int,
    timeout: datetime.timedelta,
    platform_info: PlatformInfo,
) -> Any:
    """Build a ``torch.distributed.ProcessGroup`` of ``group_size`` ranks from
    ``prefix_store`` with ``backend`` registered for its device, leaving torch's default
    group alone (``torch.distributed.is_initialized()`` stays as it was).

    Every rank calls this with the same store (a ``PrefixStore`` per group keeps groups
    apart on a shared ``TCPStore``) and its own ``group_rank``. Collectives on the result
    take ``group=``; address peers by group rank (``group_src=``/``group_dst=``), since the
    group is not registered in torch's world. Raises ``InvalidProcessGroupError`` or
    ``BackendUnavailableError`` before any connection is made.
    """
    name = check_process_group_arguments(backend, group_rank, group_size, timeout, platform_info)
    distributed = _require_backend(name, platform_info)
    if not isinstance(prefix_store, distributed.Store):
        raise InvalidProcessGroupError(
            f"prefix_store={prefix_store!r} is not a torch.distributed.Store: pass "
            f"torch.distributed.PrefixStore('<group name>', torch.distributed.TCPStore(...)), "
            f"the same in every rank of the group"
        )
    return _build(name, prefix_store, group_rank, group_size, timeout)


def _check_backend(backend: str, platform_info: PlatformInfo) -> str:
    runnable = runnable_backends(platform_info)
    name = backend.lower() if isinstance(backend, str) else backend
    if name in runnable and name in _BACKENDS:
        return str(name)
    listed = " and ".join(repr(b) for b in runnable)
    if name in runnable:  # the platform's own backend, which the core does not build
        raise InvalidProcessGroupError(
            f"backend {backend!r} of platform {platform_info.name!r} is not one the core "
            f"builds ({', '.join(map(repr, BUILT_BACKENDS))}): the platform's plugin must "
            f"implement stateless_init_device_torch_dist_pg for it; ask its maintainers"
        )
    raise InvalidProcessGroupError(
        f"backend {backend!r} cannot run on platform {platform_info.name!r}: it runs "
        f"{listed}; pass one of those (dist_backend {platform_info.dist_backend!r} for "
        f"device tensors)"
    )


def _require_backend(name: str, platform_info: PlatformInfo) -> Any:
    """torch.distributed, once it is known to have ``name``."""
    import torch
    import torch.distributed as distributed

    facts = _BACKENDS[name]
    if not distributed.is_available() or not getattr(distributed, facts.availability_check)():
        raise BackendUnavailableError(
            f"the installed torch {torch.__version__} has no {name!r} backend "
            f"(torch.distributed.{facts.availability_check}() is False), which platform "
            f"{platform_info.name!r} needs for its process groups: install {facts.provided_by}"
        )
    return distributed


def _build(
    name: str, prefix_store: Any, group_rank: int, group_size: int, timeout: datetime.timedelta
) -> Any:
    import torch
    from torch.distributed import ProcessGroup

    facts = _BACKENDS[name]
    group = ProcessGroup(prefix_store, group_rank, group_size)
    backend = _new_backend(name, prefix_store, group_rank, group_size, timeout)
    backend_type = getattr(ProcessGroup.BackendType, facts.backend_type)
    group._set_default_backend(backend_type)
    # Collectives are matched across ranks by sequence number; torch's own groups set the
    # start here too, so the first collective of every rank agrees.
    backend._set_sequence_number_for_group()
    group._register_backend(torch.device(facts.device_type), backend_type, backend)
    return group


def _new_backend(
    name: str, prefix_store: Any, group_rank: int, group_size: int, timeout: datetime.timedelta
) -> Any:
    from torch.distributed import distributed_c10d

    if name == "gloo":
        return distributed_c10d.ProcessGroupGloo(
            prefix_store, group_rank, group_size, timeout=timeout
        )
    if name == "nccl":
        nccl_options = distributed_c10d.ProcessGroupNCCL.Options()
        nccl_options._timeout = timeout
        return distributed_c10d.ProcessGroupNCCL(
            prefix_store, group_rank, group_size, nccl_options
        )
    xccl_options = distributed_c10d.ProcessGroupXCCL.Options()
    xccl_options._timeout = timeout
    return distributed_c10d.ProcessGroupXCCL(prefix_store, group_rank, group_size, xccl_options)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
