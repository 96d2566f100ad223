"""HostPluginManager: pluggy's semantics, a shorter loop for firstresult hooks, a generation."""

from __future__ import annotations

import re

import pluggy
import pytest

import hwcore
from hwcore.host import HostPluginManager


class Answers:
    def __init__(self, name: str | None, calls: list[str], label: str) -> None:
        self.name, self.calls, self.label = name, calls, label

    @hwcore.hookimpl
    def get_device_name(self, device_id):
        self.calls.append(self.label)
        return self.name


def test_first_non_none_answer_wins_last_registered_first():
    pm, calls = HostPluginManager(), []
    pm.register(Answers("first registered", calls, "a"))
    pm.register(Answers(None, calls, "b"))
    pm.register(Answers("last registered", calls, "c"))
    assert pm.hook.get_device_name(device_id=0) == "last registered"
    assert calls == ["c"]
    assert pm.hook.get_supported_dtypes() is None  # nobody answers: None, as in pluggy


def test_none_answers_fall_through_in_order():
    pm, calls = HostPluginManager(), []
    pm.register(Answers("bottom", calls, "a"))
    pm.register(Answers(None, calls, "b"))
    assert pm.hook.get_device_name(device_id=0) == "bottom"
    assert calls == ["b", "a"]


def test_exceptions_propagate_unchanged():
    class Broken:
        @hwcore.hookimpl
        def get_device_name(self, device_id):
            raise IndexError("device 9 is not visible")

    pm = HostPluginManager()
    pm.register(Broken())
    with pytest.raises(IndexError, match=r"^device 9 is not visible$"):
        pm.hook.get_device_name(device_id=9)


def test_a_missing_argument_is_pluggys_error():
    pm = HostPluginManager()
    pm.register(Answers("x", [], "a"))
    with pytest.warns(UserWarning, match="cannot be found in this hook call"), pytest.raises(
        pluggy.HookCallError, match=re.escape("hook call must provide argument 'device_id'")
    ):
        pm.hook.get_device_name()


def test_wrappers_take_pluggys_own_loop():
    class Wrapper:
        @hwcore.hookimpl(wrapper=True)
        def get_device_name(self, device_id):
            name = yield
            return f"[{name}]"

    pm = HostPluginManager()
    pm.register(Answers("inner", [], "a"))
    pm.register(Wrapper())
    assert pm.hook.get_device_name(device_id=0) == "[inner]"


def test_generation_counts_every_change():
    pm = HostPluginManager()
    plugin = Answers("x", [], "a")
    seen = [pm.generation]
    pm.register(plugin, name="a")
    seen.append(pm.generation)
    pm.unregister(plugin)
    seen.append(pm.generation)
    pm.set_blocked("b")
    seen.append(pm.generation)
    assert seen == sorted(set(seen)), f"generation must grow on every change: {seen}"
