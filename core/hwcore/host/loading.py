"""Step 2, load: import each plugin in isolation, check its contract, register it."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

import pluggy

from hwcore.hookspecs import CONTRACT_VERSION
from hwcore.host.discovery import Candidate
from hwcore.host.plugin_manager import HostPluginManager
from hwcore.records.detection import PLATFORM_GROUP

CONTRACT_ATTRIBUTE = "HWCORE_CONTRACT_VERSION"
_VERSION = re.compile(r"^(\d+)\.(\d+)$")


@dataclass(frozen=True)
class LoadOutcome:
    candidate: Candidate
    plugin: object | None
    error: str | None
    exception: BaseException | None = None


def load_candidate(candidate: Candidate, pm: HostPluginManager) -> LoadOutcome:
    """Import ``candidate`` and register it under its entry-point name.

    An entry point that names a class is instantiated, once per host, so the instance's
    attributes are that host's state. Any failure is returned, not raised, so one broken
    distribution cannot stop the others.
    """
    try:
        plugin = candidate.load()
    except Exception as error:  # a plugin may raise anything on import
        return _failed(candidate, f"importing {candidate.value} raised {_describe(error)}", error)
    problem = contract_problem(plugin, candidate)
    if problem:
        return _failed(candidate, problem)
    if isinstance(plugin, type):
        try:
            plugin = plugin()
        except Exception as error:  # a plugin's constructor may raise anything
            return _failed(
                candidate, f"creating {candidate.value}() raised {_describe(error)}", error
            )
    try:
        pm.register(plugin, name=candidate.name)
    except pluggy.PluginValidationError as error:
        return _failed(candidate, _mismatch(plugin, pm) or str(error), error)
    except ValueError as error:  # pluggy: the same module object registered twice
        return _failed(candidate, f"cannot register: {error}", error)
    problem = hook_problem(plugin, candidate, pm)
    if problem:
        pm.unregister(plugin)
        return _failed(candidate, problem)
    return LoadOutcome(candidate, plugin, None)


def contract_problem(plugin: object, candidate: Candidate) -> str | None:
    """Why ``plugin``'s declared contract version cannot load here, or ``None``."""
    declared = getattr(plugin, CONTRACT_ATTRIBUTE, None)
    core = _VERSION.match(CONTRACT_VERSION)
    assert core is not None
    if declared is None:
        return (
            f"it declares no contract version; add {CONTRACT_ATTRIBUTE} = "
            f'"{CONTRACT_VERSION}" to {candidate.value}'
        )
    match = _VERSION.match(declared) if isinstance(declared, str) else None
    if match is None:
        return (
            f'its {CONTRACT_ATTRIBUTE} is {declared!r}; write it as "MAJOR.MINOR", '
            f'e.g. "{CONTRACT_VERSION}"'
        )
    major, minor = int(match[1]), int(match[2])
    if major != int(core[1]):
        return (
            f"it was written for hook contract {declared}, and this hwcore speaks "
            f"{CONTRACT_VERSION}; install a release of {candidate.distribution} built for "
            f"hwcore's contract {core[1]}.x"
        )
    if minor > int(core[2]):
        return (
            f"it needs hook contract {declared}, newer than this hwcore's {CONTRACT_VERSION}; "
            "upgrade hwcore"
        )
    return None


def hook_problem(plugin: object, candidate: Candidate, pm: HostPluginManager) -> str | None:
    """Why ``plugin``'s set of hooks is wrong for its group, or ``None``."""
    unknown = pm.unknown_hooks(plugin)
    if unknown:
        return (
            f"it implements {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} "
            "not a hwcore hook; check the name against hwcore.hookspecs"
        )
    implements_detect = any(
        impl.plugin is plugin for impl in pm.hook.detect_platform.get_hookimpls()
    )
    if candidate.group == PLATFORM_GROUP and not implements_detect:
        return "it is a platform plugin but does not implement detect_platform"
    if candidate.group != PLATFORM_GROUP and implements_detect:
        return (
            "it implements detect_platform but is declared in the general group; "
            f'declare it under [project.entry-points."{PLATFORM_GROUP}"]'
        )
    return None


def _mismatch(plugin: object, pm: HostPluginManager) -> str | None:
    """Say which hookimpl takes which arguments its hookspec lacks (pluggy's text is raw)."""
    for attribute in dir(plugin):
        options = pm.parse_hookimpl_opts(plugin, attribute)
        caller = getattr(pm.hook, attribute, None) if options is not None else None
        if caller is None or caller.spec is None:
            continue
        taken = list(inspect.signature(getattr(plugin, attribute)).parameters)
        extra = [name for name in taken if name not in caller.spec.argnames]
        if extra:
            expected = ", ".join(caller.spec.argnames)
            return (
                f"its {attribute} hookimpl takes {', '.join(extra)}, which the hookspec "
                f"{attribute}({expected}) does not have; use the spec's argument names"
            )
    return None


def _failed(candidate: Candidate, reason: str, error: BaseException | None = None) -> LoadOutcome:
    return LoadOutcome(candidate, None, reason, error)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
