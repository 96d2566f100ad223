"""The process-wide host: resolved lazily on first use, once, and resettable for tests."""

from __future__ import annotations

import threading

from hwcore.host.host import Host
from hwcore.host.plugin_manager import HostPluginManager

_lock = threading.Lock()
_host: Host | None = None


def get_host() -> Host:
    """The process-wide ``Host`` (not yet resolved until something asks for the manager)."""
    global _host
    if _host is None:
        with _lock:
            if _host is None:
                _host = Host()
    return _host


def get_plugin_manager() -> HostPluginManager:
    """The resolved plugin manager: ``pm.hook.*`` reaches the active platform, the general
    plugins and the core defaults. Raises the resolution error if no platform can be used."""
    return get_host().resolve()


def install_host(host: Host | None) -> Host | None:
    """Make ``host`` the process-wide host (``None``: rebuild on next use); return the old
    one. For ``hwcore.testing`` and tests."""
    global _host
    with _lock:
        previous, _host = _host, host
    return previous


def reset() -> None:
    """Forget the resolved platform and the entry-point scan; the next call starts over."""
    from hwcore.host.discovery import scan_entry_points

    scan_entry_points.cache_clear()
    install_host(None)
