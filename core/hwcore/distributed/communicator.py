"""``DeviceCommunicator``: the collectives an engine runs between its workers, over
torch.distributed, for every platform.

The constructor and method names follow vLLM's ``DeviceCommunicatorBase`` so an engine (and
hwcore's vLLM bridge) can use this class where vLLM would use its own. It works on groups
registered in torch's world and on the stateless groups of
``stateless_init_device_torch_dist_pg`` alike: peers are addressed by their rank in the
group (``group_src``/``group_dst``), never through torch's global rank table.

A platform returns this class's path from ``device_communicator_cls`` and subclasses it only
where its behaviour differs (a custom all-reduce kernel, say). torch is imported inside the
methods, so the class path imports without torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hwcore.distributed.errors import CollectiveError, InvalidProcessGroupError

if TYPE_CHECKING:
    import torch

    from hwcore.facade import Platform

__all__ = ["DeviceCommunicator"]


class DeviceCommunicator:
    """Collectives over ``device_group`` (the platform's backend: NCCL, XCCL, gloo...),
    with ``cpu_group`` (gloo) kept for host-side work.

    ``device`` defaults to this worker's device on the active platform
    (``hwcore.distributed.worker_device``); ``device_group`` defaults to ``cpu_group``, for
    platforms whose device tensors torch.distributed moves through gloo. For a stateless
    group, ``global_ranks`` and ``global_world_size`` default to the group's own ranks.
    A failed collective raises ``CollectiveError`` with torch's error as its cause.
    """

    def __init__(
        self,
        cpu_group: Any,
        device: torch.device | None = None,
        device_group: Any | None = None,
        unique_name: str = "",
        global_ranks: list[int] | None = None,
        global_world_size: int | None = None,
        use_all2all: bool = False,
        *,
        platform: Platform | None = None,
    ) -> None:
        if use_all2all:
            raise InvalidProcessGroupError(
                f"group {unique_name!r}: hwcore's DeviceCommunicator has no all-to-all "
                f"(expert-parallel dispatch/combine) manager; pass use_all2all=False, or use "
                f"a communicator class of the platform or engine that provides one"
            )
        self.cpu_group = cpu_group
        self.device_group = cpu_group if device_group is None else device_group
        self.unique_name = unique_name
        self.use_all2all = use_all2all
        self.rank: int = self.device_group.rank()
        self.world_size: int = self.device_group.size()
        self.rank_in_group = self.rank
        self.ranks = _global_ranks(self.device_group, global_ranks, unique_name)
        self.global_rank = self.ranks[self.rank]
        self.global_world_size = (
            _registered_world_size(self.device_group, len(self.ranks))
            if global_world_size is None
            else global_world_size
        )
        self.device = _resolve_device(device, platform)
        self.backend: str = _backend_name(self.device_group)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.unique_name or 'unnamed'!r} rank "
            f"{self.rank}/{self.world_size} {self.backend} on {self.device}>"
        )

    # ---------------------------------------------------------------- collectives

    def all_reduce(self, input_: torch.Tensor) -> torch.Tensor:
        """Sum ``input_`` across the group, in place; returns ``input_``."""
        import torch.distributed as dist

        try:
            dist.all_reduce(input_, group=self.device_group)
        except RuntimeError as error:
            raise self._failed("all_reduce", error) from error
        return input_

    def all_gather(self, input_: torch.Tensor, dim: int = -1) -> torch.Tensor:
        """Concatenate every rank's ``input_`` along ``dim``, in rank order."""
        import torch
        import torch.distributed as dist

        dim = _positive_dim(dim, input_)
        shape = tuple(input_.shape)
        # Gathered along dim 0 (the layout every backend's all-gather writes), then moved:
        # one copy, whatever ``dim`` is.
        gathered = torch.empty(
            (self.world_size * shape[0], *shape[1:]), dtype=input_.dtype, device=input_.device
        )
        try:
            dist.all_gather_single(gathered, input_.contiguous(), group=self.device_group)
        except RuntimeError as error:
            raise self._failed("all_gather", error) from error
        if dim == 0:
            return gathered
        stacked = gathered.view(self.world_size, *shape).movedim(0, dim)
        return stacked.reshape(*shape[:dim], self.world_size * shape[dim], *shape[dim + 1 :])

    def reduce_scatter(self, input_: torch.Tensor, dim: int = -1) -> torch.Tensor:
        """Sum ``input_`` across the group and keep this rank's slice of ``dim`` (which
        must divide evenly by the group size)."""
        import torch
        import torch.distributed as dist

        if self.world_size == 1:
            return input_
        dim = _positive_dim(dim, input_)
        if input_.shape[dim] % self.world_size:
            raise InvalidProcessGroupError(
                f"reduce_scatter on group {self.unique_name!r}: dimension {dim} of shape "
                f"{tuple(input_.shape)} does not divide into {self.world_size} equal slices; "
                f"pad it to a multiple of {self.world_size}"
            )
        stacked = input_.movedim(dim, 0).contiguous()
        output = torch.empty(
            (stacked.shape[0] // self.world_size, *stacked.shape[1:]),
            dtype=input_.dtype,
            device=input_.device,
        )
        try:
            dist.reduce_scatter_single(output, stacked, group=self.device_group)
        except RuntimeError as error:
            raise self._failed("reduce_scatter", error) from error
        return output.movedim(0, dim).contiguous()

    def gather(self, input_: torch.Tensor, dst: int = 0, dim: int = -1) -> torch.Tensor | None:
        """Concatenate every rank's ``input_`` along ``dim`` on group rank ``dst``; the
        other ranks get ``None``."""
        import torch
        import torch.distributed as dist

        dim = _positive_dim(dim, input_)
        self._check_peer("gather", "dst", dst)
        receives = self.rank == dst
        parts = [torch.empty_like(input_) for _ in range(self.world_size)] if receives else None
        try:
            dist.gather(input_.contiguous(), parts, group=self.device_group, group_dst=dst)
        except RuntimeError as error:
            raise self._failed("gather", error) from error
        return torch.cat(parts, dim=dim) if parts is not None else None

    def broadcast(self, tensor: torch.Tensor, src: int = 0) -> torch.Tensor:
        """Copy group rank ``src``'s ``tensor`` into every rank's ``tensor``, in place."""
        import torch.distributed as dist

        if self.world_size == 1:
            return tensor
        self._check_peer("broadcast", "src", src)
        try:
            dist.broadcast(tensor, group=self.device_group, group_src=src)
        except RuntimeError as error:
            raise self._failed("broadcast", error) from error
        return tensor

    def send(self, tensor: torch.Tensor, dst: int | None = None) -> None:
        """Send ``tensor`` to group rank ``dst`` (default: the next rank), blocking."""
        import torch.distributed as dist

        dst = (self.rank + 1) % self.world_size if dst is None else dst
        self._check_peer("send", "dst", dst)
        try:
            dist.send(tensor.contiguous(), group=self.device_group, group_dst=dst)
        except RuntimeError as error:
            raise self._failed("send", error) from error

    def recv(
        self, size: torch.Size | tuple[int, ...], dtype: torch.dtype, src: int | None = None
    ) -> torch.Tensor:
        """Receive a tensor of ``size`` and ``dtype`` from group rank ``src`` (default: the
        previous rank), on this communicator's device."""
        import torch
        import torch.distributed as dist

        src = (self.rank - 1) % self.world_size if src is None else src
        self._check_peer("recv", "src", src)
        tensor = torch.empty(size, dtype=dtype, device=self.device)
        try:
            # irecv, not recv: recv translates the source back to a global rank, which a
            # stateless group does not have.
            work = dist.irecv(tensor, group=self.device_group, group_src=src)
            if work is not None:  # None only for a rank outside the group
                work.wait()
        except RuntimeError as error:
            raise self._failed("recv", error) from error
        return tensor

    def destroy(self) -> None:
        """Release what the communicator holds. It holds no connections of its own: the
        groups belong to whoever built them (shut them down with ``group.shutdown()``)."""
        self.cpu_group = None
        self.device_group = None

    # ---------------------------------------------------------------------- helpers

    def _check_peer(self, operation: str, argument: str, rank: int) -> None:
        if not 0 <= rank < self.world_size or (
            operation in ("send", "recv") and rank == self.rank
        ):
            raise InvalidProcessGroupError(
                f"{operation} on group {self.unique_name!r}: {argument}={rank} is not a peer "
                f"of rank {self.rank} in a group of {self.world_size}; pass a group rank from "
                f"0 to {self.world_size - 1}"
                + (" other than this rank's own" if operation in ("send", "recv") else "")
            )

    def _failed(self, operation: str, error: BaseException) -> CollectiveError:
        return CollectiveError(
            f"{operation} failed on rank {self.rank} of {self.world_size} in group "
            f"{self.unique_name!r} ({self.backend}): {type(error).__name__}: {error}\n"
            f"Either the call does not fit the group (shapes, dtypes or devices differ "
            f"between ranks) or a peer died, hung past the group's timeout, or called a "
            f"different collective. After a peer failure the group cannot be used again: "
            f"find the failed worker's own error, then build a new group."
        )


def _global_ranks(group: Any, given: list[int] | None, unique_name: str) -> list[int]:
    """Global ranks by group rank: as given, as torch's world registered them, or, for a
    stateless group nobody described, the group's own ranks."""
    size = int(group.size())
    if given is None:
        from torch.distributed import distributed_c10d

        registered = distributed_c10d._world.pg_group_ranks.get(group)
        if registered is None:
            return list(range(size))
        return [global_rank for global_rank, _ in sorted(registered.items(), key=_by_group)]
    if len(given) != size:
        raise InvalidProcessGroupError(
            f"group {unique_name!r}: global_ranks={given!r} lists {len(given)} rank(s) for a "
            f"group of {size}; pass one global rank per group rank"
        )
    return list(given)


def _by_group(item: tuple[int, int]) -> int:
    return item[1]


def _registered_world_size(group: Any, fallback: int) -> int:
    import torch.distributed as dist

    return dist.get_world_size() if dist.is_initialized() else fallback


def _backend_name(group: Any) -> str:
    try:
        return str(group.name())
    except RuntimeError:  # a group without a default backend
        return "unknown backend"


def _resolve_device(device: torch.device | None, platform: Platform | None) -> torch.device:
    if device is not None:
        return device
    from hwcore.distributed.worker import worker_device

    return worker_device(platform)


def _positive_dim(dim: int, tensor: torch.Tensor) -> int:
    if not -tensor.dim() <= dim < tensor.dim():
        raise InvalidProcessGroupError(
            f"dim={dim} is outside a tensor of shape {tuple(tensor.shape)}; pass a dimension "
            f"from {-tensor.dim()} to {tensor.dim() - 1}"
        )
    return dim % tensor.dim()
