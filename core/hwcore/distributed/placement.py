"""What Ray must be asked for to run N workers on a platform, as a pure function of its facts.

The plan names the Ray resource each worker takes (``GPU``, ``TPU``, or the custom resource
an out-of-tree platform names in ``ray_device_key``), the visibility variable through which
each worker gets exactly its device, who sets it (Ray for the accelerators it manages, hwcore
for custom resources, which Ray counts but does not assign), and the variables that must not
be set in the workers (Ray's ``RAY_EXPERIMENTAL_NOSET_*``: with one of them set, Ray leaves
the visibility variable alone and every worker sees every device). A platform without a Ray
key gets CPU-only workers, and the plan says so.

Nothing here imports Ray; ``hwcore.distributed.ray_workers`` carries the plan out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from hwcore.distributed.errors import PlacementError

if TYPE_CHECKING:
    from hwcore.records import PlatformInfo

__all__ = ["RAY_ACCELERATOR_RESOURCES", "PlacementPlan", "plan_placement"]

RAY_ACCELERATOR_RESOURCES = frozenset(
    {"GPU", "TPU", "HPU", "NPU", "neuron_cores", "RBLN", "FURIOSA", "MBLT", "TTNPU"}
)
"""Resources Ray's own accelerator managers assign by device id, setting the visibility
variable in each worker (Ray 2.4x–2.60, ``ray/_private/accelerators``). Any other resource
is a plain count to Ray, so hwcore assigns the devices of such a platform itself."""

PLATFORM_VARIABLE = "HWCORE_PLATFORM"
PLUGINS_VARIABLE = "HWCORE_PLUGINS"

VisibilitySetter = Literal["ray", "hwcore", "nobody"]


@dataclass(frozen=True)
class PlacementPlan:
    """How to place ``num_workers`` workers of platform ``platform`` with Ray.

    ``resources_per_worker`` is what each worker asks Ray for. ``visibility_set_by`` says
    who sets ``visibility_variable`` in each worker: ``"ray"`` (from the device ids it
    assigned), ``"hwcore"`` (the node-local index of the worker, for a custom resource), or
    ``"nobody"`` (CPU-only workers). ``env_vars`` (the platform to resolve, the driver's
    ``HWCORE_PLUGINS`` and the platform's extra variables) are set by each worker in its own
    process before it resolves hwcore. ``cleared_variables`` are the no-set variables the
    driver has set: they are emptied in the workers' runtime environment, because Ray reads
    them before a worker's code runs.
    """

    platform: str
    num_workers: int
    resource_key: str | None
    resources_per_worker: tuple[tuple[str, float], ...]
    visibility_variable: str | None
    visibility_set_by: VisibilitySetter
    noset_variables: tuple[str, ...]
    env_vars: tuple[tuple[str, str], ...]
    cleared_variables: tuple[str, ...] = ()
    note: str | None = None

    @property
    def cpu_only(self) -> bool:
        """True when the platform names no Ray resource: workers get no device."""
        return self.resource_key is None

    @property
    def total_resources(self) -> dict[str, float]:
        """What the whole group needs from the cluster."""
        return {key: amount * self.num_workers for key, amount in self.resources_per_worker}

    def ray_actor_options(self, runtime_env: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Keyword arguments for ``ActorClass.options(...)``: the resources of one worker,
        and ``runtime_env`` with every no-set variable that it or the driver sets emptied.

        ``env_vars`` stay out of the runtime environment: an actor with its own environment
        cannot take one of the worker processes Ray keeps started, which costs about a second
        per worker on a 2-core machine (benchmarks/distributed.py). An engine with its own
        actor class sets them in the worker, or passes them here."""
        options: dict[str, Any] = {"num_cpus": 0}
        custom: dict[str, float] = {}
        for key, amount in self.resources_per_worker:
            if key == "CPU":
                options["num_cpus"] = amount
            elif key == "GPU":
                options["num_gpus"] = amount
            else:
                custom[key] = amount
        if custom:
            options["resources"] = custom
        environment = dict(runtime_env or {})
        env_vars = dict(environment.get("env_vars", {}))
        cleared = set(self.cleared_variables) | (set(self.noset_variables) & set(env_vars))
        env_vars.update((name, "") for name in sorted(cleared))
        if env_vars:
            environment["env_vars"] = env_vars
        if environment:
            options["runtime_env"] = environment
        return options


def plan_placement(
    platform_info: PlatformInfo, num_workers: int, environ: Mapping[str, str]
) -> PlacementPlan:
    """The plan for ``num_workers`` workers, one device each, of the platform described by
    ``platform_info``; ``environ`` is the driver's environment (the platform's extra
    variables and the hwcore variables are copied from it)."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1:
        raise PlacementError(
            f"num_workers={num_workers!r} cannot be placed: pass the number of workers to "
            f"start, 1 or more (one per device)"
        )
    key = platform_info.ray_device_key or None
    variable = platform_info.device_control_env_var
    setter = _visibility_setter(key, variable, platform_info.name)
    return PlacementPlan(
        platform=platform_info.name,
        num_workers=num_workers,
        resource_key=key,
        resources_per_worker=((key, 1.0),) if key else (("CPU", 1.0),),
        visibility_variable=variable if key else None,
        visibility_set_by=setter,
        noset_variables=platform_info.ray_noset_device_env_vars,
        env_vars=_worker_env(platform_info, environ),
        cleared_variables=_set_noset_variables(platform_info, environ) if key else (),
        note=_note(platform_info, key, environ),
    )


def _visibility_setter(key: str | None, variable: str | None, platform: str) -> VisibilitySetter:
    if key is None:
        return "nobody"
    if key in RAY_ACCELERATOR_RESOURCES:
        return "ray"
    if variable is None:
        raise PlacementError(
            f"platform {platform!r} names the Ray resource {key!r} but no "
            f"device_control_env_var, so a worker cannot be given one device: its plugin must "
            f"set PlatformInfo.device_control_env_var; ask its maintainers"
        )
    return "hwcore"


def _worker_env(
    platform_info: PlatformInfo, environ: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """Every worker resolves the driver's platform: a worker on a node without that hardware
    then fails loudly instead of falling back to the CPU."""
    copied = [PLUGINS_VARIABLE, *platform_info.additional_env_vars]
    env = [(PLATFORM_VARIABLE, platform_info.name)]
    env += [(name, environ[name]) for name in copied if name in environ]
    return tuple(env)


def _note(platform_info: PlatformInfo, key: str | None, environ: Mapping[str, str]) -> str | None:
    if key is None:
        return (
            f"platform {platform_info.name!r} names no Ray resource (ray_device_key is "
            f"empty): workers are CPU-only, one CPU each, and Ray assigns them no device"
        )
    cleared = _set_noset_variables(platform_info, environ)
    if cleared:
        return (
            f"{', '.join(f'{name}={environ[name]!r}' for name in cleared)} is emptied in the "
            f"workers, so that Ray sets {platform_info.device_control_env_var} and each "
            f"worker sees only its own device"
        )
    return None


def _set_noset_variables(
    platform_info: PlatformInfo, environ: Mapping[str, str]
) -> tuple[str, ...]:
    return tuple(name for name in platform_info.ray_noset_device_env_vars if environ.get(name))
