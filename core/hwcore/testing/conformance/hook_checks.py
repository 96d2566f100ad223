"""Does the plugin speak the contract: its version, and every hookimpl against its spec?"""

from __future__ import annotations

import inspect

import pluggy

from hwcore import hookspecs
from hwcore._markers import PROJECT
from hwcore.host import HostPluginManager
from hwcore.host.loading import contract_problem, hook_problem
from hwcore.testing.conformance.target import PluginUnderTest

HOOK_NAMES = frozenset(
    name
    for name, value in vars(hookspecs).items()
    if inspect.isfunction(value) and hasattr(value, f"{PROJECT}_spec")
)


def contract_version_problem(target: PluginUnderTest) -> str | None:
    """The host's own contract-version check, worded for the author."""
    problem = contract_problem(target.plugin, target.candidate)
    return None if problem is None else f"hwcore would refuse to load {target.label}: {problem}"


def registration_problem(target: PluginUnderTest) -> str | None:
    """Whether pluggy accepts every hookimpl and the host accepts the set of hooks."""
    manager = HostPluginManager()
    try:
        manager.register(target.plugin, name=target.name)
    except pluggy.PluginValidationError as error:
        return f"a hookimpl of {target.label} does not match its hookspec: {_one_line(error)}"
    problem = hook_problem(target.plugin, target.candidate, manager)
    return None if problem is None else f"hwcore would refuse to load {target.label}: {problem}"


def unmarked_hook_problem(target: PluginUnderTest) -> str | None:
    """Functions defined by the plugin with a hook's name but no ``@hookimpl``: pluggy
    ignores them silently, so the author's code would never run."""
    defined_here = getattr(target.plugin, "__name__", None)
    unmarked = sorted(
        name
        for name, value in inspect.getmembers(target.plugin, callable)
        if name in HOOK_NAMES
        and getattr(value, "__module__", None) in (defined_here, type(target.plugin).__module__)
        and not hasattr(value, f"{PROJECT}_impl")
    )
    if not unmarked:
        return None
    return (
        f"{target.label} defines {', '.join(unmarked)} without @hwcore.hookimpl, so hwcore "
        "never calls it; decorate it with @hwcore.hookimpl"
    )


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
