"""One Ray actor per device, each resolving hwcore in its own process.

``start_workers(n)`` carries out ``plan_placement`` on a running Ray cluster: it checks the
cluster has the resources, starts ``n`` ``HwcoreWorker`` actors with the planned resources
and environment, gives each its device (Ray sets the visibility variable for the
accelerators it manages; hwcore sets it, by node-local index, for a custom resource), lets
each resolve hwcore, and checks that every worker sees exactly one device. An engine then
runs its own functions in the workers (``WorkerGroup.execute``) and forms a process group
between them (``WorkerGroup.init_process_group``, a ``TCPStore`` on worker 0 and the
platform's stateless process group). Ray does the scheduling, torch.distributed the
transport; nothing here is either.

Ray is imported only inside these functions: ``pip install 'hwcore[ray]'``.
"""

from __future__ import annotations

import datetime
import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from hwcore.distributed.errors import PlacementError
from hwcore.distributed.placement import PlacementPlan, plan_placement

if TYPE_CHECKING:
    from types import ModuleType, TracebackType

    from hwcore.distributed.communicator import DeviceCommunicator
    from hwcore.distributed.worker import WorkerView
    from hwcore.facade import Platform

__all__ = ["HwcoreWorker", "WorkerContext", "WorkerGroup", "WorkerLocation", "start_workers"]

DEFAULT_START_TIMEOUT_S = 120.0
DEFAULT_GROUP_TIMEOUT = datetime.timedelta(seconds=60)


@dataclass(frozen=True)
class WorkerLocation:
    """Where Ray put a worker, and the device ids Ray assigned it by resource name."""

    rank: int
    node_id: str
    node_ip: str
    pid: int
    accelerator_ids: tuple[tuple[str, tuple[str, ...]], ...]

    def assigned(self, resource: str | None) -> tuple[str, ...]:
        """The ids Ray assigned this worker for ``resource`` (empty when none)."""
        return dict(self.accelerator_ids).get(resource or "", ())


class WorkerContext:
    """What an engine function run by ``WorkerGroup.execute`` receives inside a worker."""

    def __init__(self, rank: int, world_size: int) -> None:
        self.rank = rank
        self.world_size = world_size
        self.platform: Platform | None = None
        self.view: WorkerView | None = None
        self.cpu_group: Any = None
        self.device_group: Any = None
        self.communicator: DeviceCommunicator | None = None
        self.store: Any = None


class HwcoreWorker:
    """The Ray actor: one per device. It resolves hwcore only after its device is set."""

    def __init__(self, rank: int, world_size: int) -> None:
        self.context = WorkerContext(rank, world_size)

    def locate(self) -> WorkerLocation:
        """Where this worker runs; ``node_ip`` is left for the driver, which reads the
        node's address as Ray registered it (``ray.nodes()``), not as routing guesses it."""
        import ray

        runtime = ray.get_runtime_context()
        return WorkerLocation(
            rank=self.context.rank,
            node_id=runtime.get_node_id(),
            node_ip="",
            pid=os.getpid(),
            accelerator_ids=tuple(
                (name, tuple(str(i) for i in ids))
                for name, ids in sorted(runtime.get_accelerator_ids().items())
                if ids
            ),
        )

    def resolve(
        self, env_vars: Sequence[tuple[str, str]], visibility: tuple[str, str] | None
    ) -> tuple[WorkerLocation, WorkerView]:
        """Set the plan's variables, and the visibility variable when hwcore assigns the
        device, then resolve hwcore; return where this worker runs and what it sees."""
        import hwcore
        from hwcore.distributed.worker import worker_view

        os.environ.update(env_vars)
        if visibility is not None:
            variable, value = visibility
            os.environ[variable] = value
        self.context.platform = hwcore.current_platform()
        self.context.view = worker_view(self.context.platform)
        return self.locate(), self.context.view

    def open_store(self, host: str, timeout_s: float) -> int:
        """Start the group's ``TCPStore`` here (worker 0) on a free port; return the port."""
        # torch.distributed re-exports TCPStore without declaring it (no __all__ entry).
        from torch.distributed import TCPStore  # type: ignore[attr-defined]

        self.context.store = TCPStore(
            host,
            0,
            self.context.world_size,
            is_master=True,
            timeout=datetime.timedelta(seconds=timeout_s),
            wait_for_workers=False,
        )
        return int(self.context.store.port)

    def join_process_group(
        self, host: str, port: int, backend: str | None, timeout_s: float, name: str
    ) -> str:
        """Form the group through the platform's stateless process group and build the
        platform's communicator over it; return the communicator's description."""
        from hwcore.distributed.process_group import HOST_BACKEND
        from hwcore.distributed.worker import worker_device

        context = self.context
        assert context.platform is not None, "resolve() runs first"
        timeout = datetime.timedelta(seconds=timeout_s)
        if context.store is None:
            context.store = _client_store(host, port, context, timeout)
        store = context.store
        device_backend = backend or context.platform.dist_backend
        context.cpu_group = _group(store, f"{name}/{HOST_BACKEND}", HOST_BACKEND, context, timeout)
        context.device_group = (
            context.cpu_group
            if device_backend == HOST_BACKEND
            else _group(store, f"{name}/{device_backend}", device_backend, context, timeout)
        )
        context.communicator = _communicator_class(context.platform)(
            cpu_group=context.cpu_group,
            device=worker_device(context.platform),
            device_group=context.device_group,
            unique_name=name,
        )
        return repr(context.communicator)

    def execute(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run an engine function here: ``function(context, *args, **kwargs)``."""
        return function(self.context, *args, **kwargs)


class WorkerGroup:
    """The started workers, in rank order, with their plan, locations and views."""

    def __init__(
        self,
        ray: ModuleType,
        plan: PlacementPlan,
        actors: Sequence[Any],
        locations: Sequence[WorkerLocation],
        views: Sequence[WorkerView],
    ) -> None:
        self._ray = ray
        self.plan = plan
        self.actors = list(actors)
        self.locations = list(locations)
        self.views = list(views)

    def __enter__(self) -> WorkerGroup:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.shutdown()

    def execute(
        self,
        function: Callable[..., Any],
        *args: Any,
        timeout_s: float | None = None,
        **kwargs: Any,
    ) -> list[Any]:
        """``function(context, *args, **kwargs)`` in every worker at once; the results in
        rank order. A worker's exception is re-raised here (Ray wraps it)."""
        calls = [actor.execute.remote(function, *args, **kwargs) for actor in self.actors]
        return list(self._ray.get(calls, timeout=timeout_s))

    def init_process_group(
        self,
        backend: str | None = None,
        timeout: datetime.timedelta = DEFAULT_GROUP_TIMEOUT,
        name: str = "hwcore",
    ) -> list[str]:
        """Form a process group of all workers (a gloo CPU group, and a device group with
        ``backend``, default the platform's ``dist_backend``) and give each worker a
        communicator (``context.communicator``). The ``TCPStore`` lives in worker 0, on its
        node's address."""
        seconds = timeout.total_seconds()
        host = self.locations[0].node_ip
        port = self._ray.get(self.actors[0].open_store.remote(host, seconds), timeout=seconds)
        joins = [
            actor.join_process_group.remote(host, port, backend, seconds, name)
            for actor in self.actors
        ]
        return list(self._ray.get(joins, timeout=2 * seconds))

    def shutdown(self) -> None:
        """Stop every worker process (``ray.kill``); safe to call twice."""
        for actor in self.actors:
            self._ray.kill(actor, no_restart=True)
        self.actors = []


def start_workers(
    num_workers: int,
    *,
    platform: Platform | None = None,
    runtime_env: Mapping[str, Any] | None = None,
    start_timeout_s: float = DEFAULT_START_TIMEOUT_S,
    environ: Mapping[str, str] | None = None,
) -> WorkerGroup:
    """Start ``num_workers`` ``HwcoreWorker`` actors, one device each, on the Ray cluster
    this process has joined (``ray.init(...)`` first); return them once each has resolved
    hwcore and sees exactly its device. ``platform`` defaults to the active platform;
    ``runtime_env`` becomes each actor's (with the platform's no-set variables emptied).
    Raises ``PlacementError`` when Ray is
    missing or not initialized, the cluster lacks the resources, a worker does not start
    within ``start_timeout_s``, or a worker does not see exactly one device; the workers
    already started are stopped first."""
    ray = _import_ray()
    if platform is None:
        from hwcore.facade import current_platform

        platform = current_platform()
    plan = plan_placement(platform.info, num_workers, os.environ if environ is None else environ)
    _check_cluster(ray, plan)
    actor_class = ray.remote(HwcoreWorker).options(**plan.ray_actor_options(runtime_env))
    actors = [actor_class.remote(rank, num_workers) for rank in range(num_workers)]
    try:
        # A custom resource needs the node of every worker before hwcore can number its
        # devices; otherwise one round trip does (Ray set the visibility variable already).
        visibility: list[tuple[str, str] | None] = [None] * num_workers
        if plan.visibility_set_by == "hwcore":
            located = _gather(ray, plan, [a.locate.remote() for a in actors], start_timeout_s)
            visibility = _hwcore_visibility(plan, located)
        calls = [
            actor.resolve.remote(plan.env_vars, device)
            for actor, device in zip(actors, visibility, strict=True)
        ]
        resolved = _gather(ray, plan, calls, start_timeout_s)
        locations = _with_node_addresses(ray, [location for location, _ in resolved])
        views = [view for _, view in resolved]
        _check_views(plan, locations, views)
    except BaseException:
        for actor in actors:
            ray.kill(actor, no_restart=True)
        raise
    return WorkerGroup(ray, plan, actors, locations, views)


def _import_ray() -> ModuleType:
    try:
        ray = importlib.import_module("ray")
    except ImportError as error:
        raise PlacementError(
            "Ray placement needs Ray, which is not installed: pip install 'hwcore[ray]'"
        ) from error
    if not ray.is_initialized():
        raise PlacementError(
            "Ray is not initialized in this process: call ray.init() (a local cluster) or "
            "ray.init(address='auto') (a running cluster) before start_workers"
        )
    return ray


def _check_cluster(ray: ModuleType, plan: PlacementPlan) -> None:
    cluster = ray.cluster_resources()
    missing = {
        key: amount for key, amount in plan.total_resources.items() if cluster.get(key, 0) < amount
    }
    if missing:
        has = {key: float(cluster.get(key, 0)) for key in missing}
        raise PlacementError(
            f"Ray cannot place {plan.num_workers} worker(s) of platform {plan.platform!r}: "
            f"they need {missing} and the cluster has {has} (ray.cluster_resources()); "
            f"declare the devices when starting Ray (ray start --num-gpus N / --resources, "
            f"or ray.init(num_gpus=N, resources=...)) or start fewer workers"
        )


def _gather(ray: ModuleType, plan: PlacementPlan, calls: list[Any], timeout_s: float) -> list[Any]:
    try:
        return list(ray.get(calls, timeout=timeout_s))
    except ray.exceptions.GetTimeoutError as error:
        raise PlacementError(
            f"{plan.num_workers} worker(s) of platform {plan.platform!r} asking "
            f"{dict(plan.resources_per_worker)} each did not start within {timeout_s:g} s: "
            f"the cluster's free resources are {ray.available_resources()}; free them, or "
            f"raise start_timeout_s"
        ) from error
    except ray.exceptions.RayError as error:
        raise PlacementError(
            f"a worker of platform {plan.platform!r} failed while starting: {error}"
        ) from error


def _with_node_addresses(
    ray: ModuleType, located: Sequence[WorkerLocation]
) -> list[WorkerLocation]:
    addresses = {node["NodeID"]: node["NodeManagerAddress"] for node in ray.nodes()}
    return [replace(location, node_ip=addresses[location.node_id]) for location in located]


def _hwcore_visibility(
    plan: PlacementPlan, locations: Sequence[WorkerLocation]
) -> list[tuple[str, str] | None]:
    """For a custom resource, each worker's node-local index, by rank, as its device."""
    assert plan.visibility_variable is not None, "plan_placement requires it for hwcore"
    next_index: dict[str, int] = {}
    visibility: list[tuple[str, str] | None] = []
    for location in locations:
        index = next_index.get(location.node_id, 0)
        next_index[location.node_id] = index + 1
        visibility.append((plan.visibility_variable, str(index)))
    return visibility


def _check_views(
    plan: PlacementPlan, locations: Sequence[WorkerLocation], views: Sequence[WorkerView]
) -> None:
    for location, view in zip(locations, views, strict=True):
        if view.platform != plan.platform:
            raise PlacementError(
                f"worker {location.rank} on node {location.node_ip} resolved platform "
                f"{view.platform!r}, not {plan.platform!r}: install the same hwcore backends "
                f"on every node"
            )
        if not plan.cpu_only and view.device_count != 1:
            raise PlacementError(
                f"worker {location.rank} on node {location.node_ip} sees {view.describe()}, "
                f"not exactly one device: {_who_sets(plan)}"
            )


def _who_sets(plan: PlacementPlan) -> str:
    if plan.visibility_set_by == "ray":
        noset = ", ".join(plan.noset_variables)
        return (
            f"Ray sets {plan.visibility_variable} only for a worker that asked for "
            f"{plan.resource_key!r}"
            + (f" and when {noset} is unset where the worker starts" if noset else "")
            + "; check the node's Ray and hwcore configuration"
        )
    return (
        f"hwcore set {plan.visibility_variable} to the worker's node-local index, which the "
        f"platform's detection did not honour; ask the platform's maintainers"
    )


def _client_store(host: str, port: int, context: WorkerContext, timeout: datetime.timedelta) -> Any:
    from torch.distributed import TCPStore  # type: ignore[attr-defined]

    return TCPStore(host, port, context.world_size, is_master=False, timeout=timeout)


def _group(
    store: Any, prefix: str, backend: str, context: WorkerContext, timeout: datetime.timedelta
) -> Any:
    """Through the platform's hook, so a platform that builds its own backend is used."""
    from torch.distributed.distributed_c10d import PrefixStore

    assert context.platform is not None
    return context.platform.stateless_init_device_torch_dist_pg(
        backend, PrefixStore(prefix, store), context.rank, context.world_size, timeout
    )


def _communicator_class(platform: Platform) -> type[DeviceCommunicator]:
    """The class the platform names in ``device_communicator_cls``."""
    import importlib

    module, _, name = platform.get_device_communicator_cls().rpartition(".")
    communicator: type[DeviceCommunicator] = getattr(importlib.import_module(module), name)
    return communicator
