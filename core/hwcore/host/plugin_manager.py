"""``HostPluginManager``: pluggy's manager, counting changes so caches know when to refresh."""

from __future__ import annotations

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
