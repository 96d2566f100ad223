"""``HostPluginManager``: pluggy's manager, counting changes so caches know when to refresh."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pluggy

from hwcore import hookspecs
from hwcore._markers import PROJECT


class HostPluginManager(pluggy.PluginManager):
    """A ``pluggy.PluginManager`` for the hwcore hooks.

    ``generation`` grows on every register, unregister and block, so derived state (the
    attention-backend registry, cached selections) is rebuilt when an engine registers a
    plugin of its own after resolution.
    """

    def __init__(self) -> None:
        super().__init__(PROJECT)
        self.add_hookspecs(hookspecs)
        self.generation = 0
        self._inner_hookexec = _first_result_fast_path(self._inner_hookexec)

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
        """Names of ``@hookimpl`` functions of ``plugin`` that match no hwcore hookspec."""
        return sorted(
            caller.name for caller in self.get_hookcallers(plugin) or () if caller.spec is None
        )


HookExec = Callable[..., object]


def _first_result_fast_path(multicall: HookExec) -> HookExec:
    """pluggy's call loop, shortened for ``firstresult`` hooks that have no wrappers.

    Most hwcore hooks are ``firstresult`` and none of ours use wrappers, so the general
    loop's bookkeeping (result list, wrapper teardown) is pure cost there: measured about
    0.3 µs of the ~2.5 µs a hook call costs on a 2-core VM, which matters for the cached
    ``get_attn_backend_cls`` (budget 3 µs). The semantics are pluggy's: implementations
    are called last-registered first, the first non-``None`` answer wins, exceptions
    propagate unchanged. Any call with a wrapper goes through pluggy's own loop, and so do
    pluggy's tracing and call monitoring, which wrap this function.
    """

    def hookexec(
        hook_name: str,
        hook_impls: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, object],
        firstresult: bool,
    ) -> object:
        # pluggy keeps wrappers at the end of the list, so checking the last one suffices.
        if (
            not firstresult
            or not hook_impls
            or hook_impls[-1].hookwrapper
            or hook_impls[-1].wrapper
        ):
            return multicall(hook_name, hook_impls, kwargs, firstresult)
        for impl in reversed(hook_impls):
            try:
                args = [kwargs[name] for name in impl.argnames]
            except KeyError as missing:
                raise pluggy.HookCallError(
                    f"hook call must provide argument {missing.args[0]!r}"
                ) from None
            result = impl.function(*args)
            if result is not None:
                return result
        return None

    return hookexec
