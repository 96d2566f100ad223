"""The plugin host: discovery, loading, detection, resolution and activation."""

from __future__ import annotations

from hwcore.host.current import get_host, get_plugin_manager, install_host, reset
from hwcore.host.discovery import Candidate
from hwcore.host.host import Host
from hwcore.host.plugin_manager import HostPluginManager

__all__ = [
    "Candidate",
    "Host",
    "HostPluginManager",
    "get_host",
    "get_plugin_manager",
    "install_host",
    "reset",
]
