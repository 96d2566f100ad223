"""hwcore's version and every installed plugin distribution's, read from the entry-point
scan that discovery uses: no plugin is imported and no platform resolved, so a broken or
hanging plugin cannot stop ``hwcore --version`` or ``hwcore collect-env``."""

from __future__ import annotations

from dataclasses import dataclass

from hwcore.records.detection import PLATFORM_GROUP


@dataclass(frozen=True)
class InstalledPlugin:
    """One distribution offering hwcore entry points, and what it offers
    (``"platform cuda"``, ``"plugin extra_backends"``)."""

    distribution: str
    version: str
    entry_points: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "distribution": self.distribution,
            "version": self.version,
            "entry_points": list(self.entry_points),
        }


def installed_plugins() -> list[InstalledPlugin]:
    """Every distribution with an entry point in the hwcore groups, sorted by name."""
    from hwcore.host.discovery import scan_entry_points

    offered: dict[tuple[str, str], list[str]] = {}
    for candidate in scan_entry_points():
        kind = "platform" if candidate.group == PLATFORM_GROUP else "plugin"
        key = (candidate.distribution, candidate.version)
        offered.setdefault(key, []).append(f"{kind} {candidate.name}")
    return [
        InstalledPlugin(distribution, version, tuple(names))
        for (distribution, version), names in sorted(offered.items())
    ]


def core_version() -> str:
    """``"hwcore 0.1.0 (hook contract 2.0)"``."""
    from hwcore import __version__
    from hwcore.hookspecs import CONTRACT_VERSION

    return f"hwcore {__version__} (hook contract {CONTRACT_VERSION})"


def version_text() -> str:
    """What ``hwcore --version`` prints: the core, then one line per plugin distribution."""
    plugins = installed_plugins()
    lines = [core_version()]
    lines += [f"{p.distribution} {p.version}: {', '.join(p.entry_points)}" for p in plugins]
    if not plugins:
        lines.append("no hwcore plugin is installed (`pip install hwcore-cpu` adds the host CPU)")
    return "\n".join(lines)
