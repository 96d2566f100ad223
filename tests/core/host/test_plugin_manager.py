"""HostPluginManager: pluggy's own semantics, the per-host platform argument, a generation."""

from __future__ import annotations

import re
from pathlib import Path

import pluggy
import pytest

import hwcore
from hwcore.hookspecs import PLATFORM_ARGUMENT
from hwcore.host import HostPluginManager


class Answers:
    def __init__(self, answer: int | None, calls: list[str], label: str) -> None:
        self.answer, self.calls, self.label = answer, calls, label

    @hwcore.hookimpl
    def get_current_memory_usage(self, device_id):
        self.calls.append(self.label)
        return self.answer


class Sees:
    """Answers with the ``platform`` argument it was given."""

    @hwcore.hookimpl
    def get_current_memory_usage(self, device_id, platform):
        return platform


def test_first_non_none_answer_wins_last_registered_first():
    pm, calls = HostPluginManager(), []
    pm.register(Answers(1, calls, "a"))
    pm.register(Answers(None, calls, "b"))
    pm.register(Answers(3, calls, "c"))
    assert pm.hook.get_current_memory_usage(device_id=0) == 3
    assert calls == ["c"]
    assert pm.hook.get_device_free_memory(device_id=0) is None  # nobody answers, as in pluggy


def test_none_answers_fall_through_in_order():
    pm, calls = HostPluginManager(), []
    pm.register(Answers(1, calls, "a"))
    pm.register(Answers(None, calls, "b"))
    assert pm.hook.get_current_memory_usage(device_id=0) == 1
    assert calls == ["b", "a"]


def test_exceptions_propagate_unchanged():
    class Broken:
        @hwcore.hookimpl
        def get_current_memory_usage(self, device_id):
            raise IndexError("device 9 is not visible")

    pm = HostPluginManager()
    pm.register(Broken())
    with pytest.raises(IndexError, match=r"^device 9 is not visible$"):
        pm.hook.get_current_memory_usage(device_id=9)


def test_a_missing_argument_is_pluggys_error():
    pm = HostPluginManager()
    pm.register(Answers(1, [], "a"))
    with pytest.warns(UserWarning, match="cannot be found in this hook call"), pytest.raises(
        pluggy.HookCallError, match=re.escape("hook call must provide argument 'device_id'")
    ):
        pm.hook.get_current_memory_usage()


def test_wrappers_run_in_pluggys_loop():
    class Wrapper:
        @hwcore.hookimpl(wrapper=True)
        def get_current_memory_usage(self, device_id):
            used = yield
            return used * 2

    pm = HostPluginManager()
    pm.register(Answers(21, [], "a"))
    pm.register(Wrapper())
    assert pm.hook.get_current_memory_usage(device_id=0) == 42


def test_each_manager_gives_hooks_its_own_platform():
    first, second = object(), object()
    pm_first, pm_second = HostPluginManager(first), HostPluginManager(second)  # type: ignore[arg-type]
    for pm in (pm_first, pm_second):
        pm.register(Sees())
    assert pm_first.hook.get_current_memory_usage(device_id=0) is first
    assert pm_second.hook.get_current_memory_usage(device_id=0) is second
    # An engine may pass one explicitly; the caller's value wins, as with any argument.
    assert pm_first.hook.get_current_memory_usage(device_id=0, platform=second) is second


def test_the_platform_argument_is_last_in_every_spec_that_has_it():
    import inspect

    from hwcore import hookspecs

    for name, function in vars(hookspecs).items():
        if inspect.isfunction(function) and hasattr(function, "hwcore_spec"):
            parameters = list(inspect.signature(function).parameters)
            if PLATFORM_ARGUMENT in parameters:
                assert parameters[-1] == PLATFORM_ARGUMENT, name


def test_call_one_reaches_one_plugin_through_pluggys_monitoring():
    pm, calls, seen = HostPluginManager(), [], []
    a, b = Answers(1, calls, "a"), Answers(2, calls, "b")
    pm.register(a)
    pm.register(b)
    pm.add_hookcall_monitoring(
        lambda name, impls, kwargs: seen.append((name, [i.plugin for i in impls])),
        lambda *args: None,
    )
    assert pm.call_one("get_current_memory_usage", a, device_id=0) == 1
    assert calls == ["a"]
    assert seen == [("get_current_memory_usage", [a])]


def test_optional_hooks_are_not_unknown():
    class Extension:
        @hwcore.hookimpl(optionalhook=True)
        def some_future_hook(self):
            return 1

        @hwcore.hookimpl
        def misspelt_hook(self):
            return 2

    pm = HostPluginManager()
    plugin = Extension()
    pm.register(plugin)
    assert pm.unknown_hooks(plugin) == ["misspelt_hook"]


def test_generation_counts_every_change():
    pm = HostPluginManager()
    plugin = Answers(1, [], "a")
    seen = [pm.generation]
    pm.register(plugin, name="a")
    seen.append(pm.generation)
    pm.unregister(plugin)
    seen.append(pm.generation)
    pm.set_blocked("b")
    seen.append(pm.generation)
    assert seen == sorted(set(seen)), f"generation must grow on every change: {seen}"


def test_no_module_overrides_pluggys_private_call_path_or_calls_hookimpls_directly():
    root = Path(__file__).parents[3]
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("core", "plugins")
        for path in sorted((root / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "_inner_hookexec" in line or "impl.function" in line
    ]
    assert offenders == []
