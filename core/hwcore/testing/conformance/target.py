"""The plugin under test: found by entry-point name or given as a module, and loaded once."""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass
from types import ModuleType

from hwcore.host import Candidate
from hwcore.records.detection import PLATFORM_GROUP


class TargetError(Exception):
    """The plugin under test cannot be found or imported; the message says what to do."""


@dataclass(frozen=True)
class PluginUnderTest:
    """What the suite checks: the loaded plugin object and how a child process reaches it."""

    name: str
    plugin: object
    candidate: Candidate
    module_name: str
    attribute: str | None

    @property
    def label(self) -> str:
        """``"simulated (hwcore_simulated.plugin)"``: how failure messages name the target."""
        return f"{self.name} ({self.candidate.value})"


def load_target(name: str, module: ModuleType | str | None) -> PluginUnderTest:
    """Load platform plugin ``name``: ``module`` when given (a module or a dotted name),
    else the installed ``hwcore.platforms`` entry point called ``name``."""
    if not name:
        raise TargetError(
            'set the class attribute plugin to your entry-point name, e.g. plugin = "mychip"'
        )
    if module is not None:
        return _from_module(name, module)
    return _from_entry_point(name)


def _from_module(name: str, module: ModuleType | str) -> PluginUnderTest:
    module_name = module if isinstance(module, str) else module.__name__
    try:
        loaded = importlib.import_module(module_name)
    except Exception as error:  # a plugin may raise anything on import
        raise TargetError(
            f"importing {module_name} raised {type(error).__name__}: {error}"
        ) from error
    candidate = Candidate(
        name=name,
        group=PLATFORM_GROUP,
        value=module_name,
        distribution=_distribution_of(module_name),
        version=_version_of(_distribution_of(module_name)),
        load=lambda: loaded,
    )
    return PluginUnderTest(name, loaded, candidate, module_name, None)


def _from_entry_point(name: str) -> PluginUnderTest:
    found = [
        entry_point
        for entry_point in importlib.metadata.entry_points(group=PLATFORM_GROUP)
        if entry_point.name == name
    ]
    if not found:
        raise TargetError(
            f"no installed distribution offers the entry point {name!r} in group "
            f"{PLATFORM_GROUP!r}; install your distribution (pip install -e .) or set "
            "plugin_module to your plugin module"
        )
    if len(found) > 1:
        providers = ", ".join(_provider(entry_point) for entry_point in found)
        raise TargetError(
            f"the entry point {name!r} is offered by {providers}; uninstall all but one"
        )
    entry_point = found[0]
    try:
        loaded = entry_point.load()
    except Exception as error:  # a plugin may raise anything on import
        raise TargetError(
            f"importing {entry_point.value} raised {type(error).__name__}: {error}"
        ) from error
    distribution = entry_point.dist
    candidate = Candidate(
        name=name,
        group=PLATFORM_GROUP,
        value=entry_point.value,
        distribution="(unknown distribution)"
        if distribution is None
        else distribution.metadata["Name"],
        version="?" if distribution is None else distribution.version,
        load=lambda: loaded,
    )
    module_name, _, attribute = entry_point.value.partition(":")
    # hwcore makes one instance of a class plugin per host; the suite's checks use one.
    plugin = loaded() if isinstance(loaded, type) else loaded
    return PluginUnderTest(name, plugin, candidate, module_name.strip(), attribute.strip() or None)


def _provider(entry_point: importlib.metadata.EntryPoint) -> str:
    distribution = entry_point.dist
    if distribution is None:
        return "(unknown distribution)"
    return f"{distribution.metadata['Name']} {distribution.version}"


def _distribution_of(module_name: str) -> str:
    top = module_name.partition(".")[0]
    names = importlib.metadata.packages_distributions().get(top, [])
    return names[0] if names else f"(source tree of {top})"


def _version_of(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"
