"""``IsolatedHost``: a plugin host that sees only the plugins a test gives it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING

from hwcore.host import Candidate, Host, HostPluginManager, install_host
from hwcore.host.environment import TRACE_VARIABLE
from hwcore.records.detection import PLATFORM_GROUP, PLUGIN_GROUP

if TYPE_CHECKING:
    from hwcore.facade import Platform
    from hwcore.records import DetectionReport


class IsolatedHost:
    """A ``hwcore.host.Host`` that discovers only the plugins added to it.

    No installed entry point is read. ``environ`` (a plain dict) is where the host reads
    ``HWCORE_PLATFORM`` and ``HWCORE_PLUGINS``, so a test never touches ``os.environ`` for
    them. Add plugins first; the first use of ``plugin_manager``, ``platform()`` or
    ``report`` resolves, exactly once, like the process-wide host. Used as a context manager
    (or through ``install``/``uninstall``) it is also the process-wide host, so
    ``hwcore.get_plugin_manager()`` and ``hwcore.current_platform()`` reach it; the previous
    host comes back afterwards. With ``HWCORE_TRACE_HOOKS`` set in the process environment,
    every hook call is traced to stderr.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ: dict[str, str] = dict(environ or {})
        self.candidates: list[Candidate] = []
        self._discovered = False
        self._installed = False
        self._previous: Host | None = None
        self.host = self._new_host()

    # ------------------------------------------------------------- adding plugins

    def add_platform(
        self, plugin: object, name: str, *, distribution: str | None = None, version: str = "0.0.0"
    ) -> Candidate:
        """Offer ``plugin`` (a module or object with ``@hookimpl`` functions) as the platform
        entry point ``name`` of ``distribution`` (default ``hwcore-<name>``)."""
        return self._add(plugin, name, PLATFORM_GROUP, distribution, version)

    def add_plugin(
        self, plugin: object, name: str, *, distribution: str | None = None, version: str = "0.0.0"
    ) -> Candidate:
        """Offer ``plugin`` as the general (``hwcore.plugins``) entry point ``name``."""
        return self._add(plugin, name, PLUGIN_GROUP, distribution, version)

    def add_candidates(self, candidates: Iterable[Candidate]) -> None:
        """Offer already-built candidates, e.g. ``FakeSite.candidates()``."""
        for candidate in candidates:
            self._require_unresolved(candidate.name)
            self.candidates.append(candidate)

    def register(self, plugin: object, name: str | None = None) -> str | None:
        """Resolve, then ``pm.register`` ``plugin`` the way an engine adds its own plugin."""
        return self.plugin_manager.register(plugin, name=name)

    # -------------------------------------------------------------- using the host

    @property
    def plugin_manager(self) -> HostPluginManager:
        """The resolved manager (raises the resolution error, as the real host does)."""
        return self.host.resolve()

    @property
    def report(self) -> DetectionReport:
        """The detection report, resolving first; never raises a resolution error."""
        return self.host.inspect()

    def platform(self) -> Platform:
        """The typed facade over this host."""
        return self.host.platform()

    def reset(self) -> None:
        """Start over with a new, unresolved host that sees the same plugins and environ."""
        self._discovered = False
        self.host = self._new_host()
        if self._installed:
            install_host(self.host)

    # -------------------------------------------------------- process-wide install

    def install(self) -> IsolatedHost:
        """Make this the process-wide host until ``uninstall``."""
        if not self._installed:
            self._previous = install_host(self.host)
            self._installed = True
        return self

    def uninstall(self) -> None:
        """Put back the host that was process-wide before ``install``."""
        if self._installed:
            install_host(self._previous)
            self._installed, self._previous = False, None

    def __enter__(self) -> IsolatedHost:
        return self.install()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.uninstall()

    # ------------------------------------------------------------------ private

    def _new_host(self) -> Host:
        host = Host(discover=self._discover, environ=self.environ)
        # The host traces when *its* environ asks; a test's dict rarely does, so honour the
        # process environment too (once: not when the dict already asks).
        if (
            os.environ.get(TRACE_VARIABLE, "") not in ("", "0")
            and TRACE_VARIABLE not in self.environ
        ):
            host.plugin_manager.trace.root.setwriter(sys.stderr.write)
            host.plugin_manager.enable_tracing()
        return host

    def _discover(self) -> tuple[Candidate, ...]:
        self._discovered = True
        return tuple(self.candidates)

    def _add(
        self, plugin: object, name: str, group: str, distribution: str | None, version: str
    ) -> Candidate:
        self._require_unresolved(name)
        candidate = Candidate(
            name=name,
            group=group,
            value=_entry_point_value(plugin),
            distribution=distribution or f"hwcore-{name}",
            version=version,
            load=lambda: plugin,
        )
        self.candidates.append(candidate)
        return candidate

    def _require_unresolved(self, name: str) -> None:
        if self._discovered:
            raise RuntimeError(
                f"cannot add plugin {name!r}: this host has already discovered its plugins; "
                "add every plugin before the first hook call, or call reset() first"
            )


def _entry_point_value(plugin: object) -> str:
    """What an entry point for ``plugin`` would say: ``pkg.module`` or ``pkg.module:Class``."""
    if isinstance(plugin, ModuleType):
        return plugin.__name__
    kind = plugin if isinstance(plugin, type) else type(plugin)
    return f"{kind.__module__}:{kind.__qualname__}"
