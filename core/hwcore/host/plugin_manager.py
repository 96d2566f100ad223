"""``HostPluginManager``: pluggy's manager for the hwcore hooks, bound to one host.

Each manager adds its own copy of the hookspecs in which the ``platform`` argument defaults
to its host's facade. pluggy passes a spec's default to every implementation that takes the
argument when the caller leaves it out, so ``pm.hook.check_and_update_config(config=c)``
reaches an implementation ``check_and_update_config(config, platform)`` with *this* host's
platform, and two hosts in one process never see each other.
"""

from __future__ import annotations

import inspect
import types
from typing import TYPE_CHECKING, Any

import pluggy

from hwcore import hookspecs
from hwcore._markers import PROJECT

if TYPE_CHECKING:
    from hwcore.facade import Platform

_SPEC_MARK = f"{PROJECT}_spec"


class HostPluginManager(pluggy.PluginManager):
    """A ``pluggy.PluginManager`` for the hwcore hooks.

    ``platform`` is what hooks declaring a ``platform`` argument receive (``None`` for a
    manager outside a host, as the conformance probe uses). ``generation`` grows on every
    register, unregister and block, so derived state (the attention-backend registry,
    cached selections) is rebuilt when an engine registers a plugin of its own after
    resolution.
    """

    def __init__(self, platform: Platform | None = None) -> None:
        super().__init__(PROJECT)
        self.add_hookspecs(bind_platform_argument(hookspecs, platform))
        self.generation = 0

    def register(self, plugin: Any, name: str | None = None) -> str | None:
        registered = super().register(plugin, name)
        self.generation += 1
        return registered

    def unregister(self, plugin: Any | None = None, name: str | None = None) -> Any | None:
        removed = super().unregister(plugin, name)
        self.generation += 1
        return removed

    def set_blocked(self, name: str) -> None:
        super().set_blocked(name)
        self.generation += 1

    def unknown_hooks(self, plugin: Any) -> list[str]:
        """Names of ``@hookimpl`` functions of ``plugin`` that match no hwcore hookspec,
        leaving out those marked ``optionalhook=True`` (pluggy accepts them)."""
        return sorted(
            caller.name
            for caller in self.get_hookcallers(plugin) or ()
            if caller.spec is None
            and not any(
                impl.optionalhook for impl in caller.get_hookimpls() if impl.plugin is plugin
            )
        )

    def call_one(self, hook: str, plugin: object, **kwargs: Any) -> Any:
        """Call ``hook`` on ``plugin`` alone, through pluggy's public call path (a subset
        caller), so tracing and call monitoring see it; returns what the hook returns."""
        others = [other for other in self.get_plugins() if other is not plugin]
        return self.subset_hook_caller(hook, remove_plugins=others)(**kwargs)


def bind_platform_argument(specs: types.ModuleType, platform: Platform | None) -> types.ModuleType:
    """A namespace with ``specs``' hookspecs, where each spec that declares the
    ``platform`` argument defaults it to ``platform``."""
    namespace = types.ModuleType(f"{specs.__name__}[bound]")
    for name in dir(specs):
        function = getattr(specs, name)
        if not inspect.isfunction(function) or not hasattr(function, _SPEC_MARK):
            continue
        if hookspecs.PLATFORM_ARGUMENT in inspect.signature(function).parameters:
            function = _with_last_default(function, platform)
        setattr(namespace, name, function)
    return namespace


def _with_last_default(function: types.FunctionType, value: object) -> types.FunctionType:
    # The platform argument is last in every spec (a test checks it), so it is the one
    # default; the copy shares code, globals and the spec marker with the original.
    copy = types.FunctionType(
        function.__code__, function.__globals__, function.__name__, (value,), function.__closure__
    )
    copy.__dict__.update(function.__dict__)
    copy.__doc__ = function.__doc__
    copy.__qualname__ = function.__qualname__
    copy.__module__ = function.__module__
    copy.__annotations__ = function.__annotations__
    return copy
