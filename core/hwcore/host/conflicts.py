"""First-result conflicts: two general plugins answering one hook from the same position.

pluggy calls a ``firstresult`` hook's implementations until one answers, last registered
first, with ``tryfirst``/``trylast`` moving an implementation to the front or the back. Two
general plugins implementing the same such hook with the same marks are therefore ordered by
registration alone, which depends on discovery order and tells the user nothing. The host
finds these at activation, warns, and guards each hook so a call raises
``PluginConflictError`` naming both, instead of silently taking one answer.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pluggy

from hwcore._markers import hookimpl
from hwcore.errors import PluginConflictError

GUARD_PREFIX = "hwcore.conflict."


@dataclass(frozen=True)
class HookConflict:
    """General plugins ``plugins`` all answer first-result hook ``hook`` from one position."""

    hook: str
    position: str
    plugins: tuple[str, ...]

    def message(self, provider_of: Callable[[str], str]) -> str:
        named = " and ".join(f"{name!r} ({provider_of(name)})" for name in self.plugins)
        return (
            f"general plugins {named} both answer the first-result hook {self.hook} "
            f"({self.position}), so only the order they were registered in would decide "
            f"which answer counts; keep one of them (HWCORE_PLUGINS lists the plugins to "
            "load), or have one plugin mark its hookimpl tryfirst=True to declare that it wins"
        )


def find_conflicts(pm: pluggy.PluginManager, general: Iterable[str]) -> list[HookConflict]:
    """Every first-result hook that two or more of the ``general`` plugins answer from the
    same position (plain, ``tryfirst`` or ``trylast``), sorted by hook name."""
    names = set(general)
    found = []
    for caller in _first_result_callers(pm, names):
        by_position: dict[str, list[str]] = {}
        for impl in caller.get_hookimpls():
            if impl.plugin_name in names and not (impl.wrapper or impl.hookwrapper):
                by_position.setdefault(_position(impl), []).append(impl.plugin_name)
        found += [
            HookConflict(caller.name, position, tuple(sorted(plugins)))
            for position, plugins in sorted(by_position.items())
            if len(plugins) > 1
        ]
    return sorted(found, key=lambda conflict: (conflict.hook, conflict.position))


def guard(conflict: HookConflict, message: str, distributions: str) -> object:
    """A plugin whose ``wrapper`` for ``conflict.hook`` raises ``PluginConflictError``."""

    def refuse() -> Iterator[None]:
        yield from ()  # a wrapper must be a generator; it raises on its first step
        raise PluginConflictError(
            message, plugin=", ".join(conflict.plugins), distribution=distributions
        )

    return types.SimpleNamespace(**{conflict.hook: hookimpl(wrapper=True, tryfirst=True)(refuse)})


def _first_result_callers(
    pm: pluggy.PluginManager, plugin_names: set[str]
) -> Iterator[pluggy.HookCaller]:
    seen: set[str] = set()
    for name in sorted(plugin_names):
        plugin = pm.get_plugin(name)
        for caller in pm.get_hookcallers(plugin) or () if plugin is not None else ():
            if caller.name in seen or caller.spec is None:
                continue
            seen.add(caller.name)
            if caller.spec.opts.get("firstresult"):
                yield caller


def _position(impl: pluggy.HookImpl) -> str:
    if impl.tryfirst:
        return "tryfirst"
    if impl.trylast:
        return "trylast"
    return "no tryfirst/trylast"
