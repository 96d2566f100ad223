"""Two general plugins answering one first-result hook: reported, never decided by order."""

from __future__ import annotations

import re

import pytest

import hwcore
from hwcore.errors import HwcoreWarning, PluginConflictError


class Meter:
    """A general plugin answering get_current_memory_usage with ``answer``."""

    HWCORE_CONTRACT_VERSION = "2.0"

    def __init__(self, answer: int) -> None:
        self.answer = answer

    @hwcore.hookimpl(tryfirst=True)
    def get_current_memory_usage(self, device_id: int) -> int:
        return self.answer


class DeclaredFirst(Meter):
    """The same hook, but without tryfirst: its position differs, so the order is declared."""

    @hwcore.hookimpl
    def get_current_memory_usage(self, device_id: int) -> int:
        return self.answer


MESSAGE = (
    "general plugins 'left' (hwcore-left 1.0) and 'right' (hwcore-right 1.0) both answer the "
    "first-result hook get_current_memory_usage (tryfirst), so only the order they were "
    "registered in would decide which answer counts; keep one of them (HWCORE_PLUGINS lists "
    "the plugins to load), or have one plugin mark its hookimpl tryfirst=True to declare that "
    "it wins"
)


def test_a_conflict_is_a_warning_at_resolution_and_an_error_when_called(
    make_host, candidate, general, fake_platform
):
    host = make_host(
        candidate("acme", fake_platform("acme")),
        general("right", Meter(2)),
        general("left", Meter(1)),
    )
    with pytest.warns(HwcoreWarning, match=re.escape(MESSAGE)):
        pm = hwcore.get_plugin_manager()
    assert host.report.warnings == (MESSAGE,)
    with pytest.raises(PluginConflictError, match=f"^{re.escape(MESSAGE)}$") as raised:
        pm.hook.get_current_memory_usage(device_id=0)
    assert raised.value.plugin == "left, right"
    assert raised.value.distribution == "hwcore-left 1.0, hwcore-right 1.0"
    # Hooks that do not conflict keep working.
    assert pm.hook.check_max_model_len(max_model_len=8) == 8


def test_a_declared_order_is_no_conflict(make_host, candidate, general, fake_platform):
    host = make_host(
        candidate("acme", fake_platform("acme")),
        general("first", Meter(1)),
        general("second", DeclaredFirst(2)),
    )
    pm = host.resolve()
    assert host.report.warnings == ()
    assert pm.hook.get_current_memory_usage(device_id=0) == 1  # tryfirst wins, as declared


def test_the_platform_answering_beside_a_general_plugin_is_no_conflict(
    make_host, candidate, general, fake_platform
):
    class MeteredPlatform(fake_platform):  # type: ignore[misc, valid-type]
        @hwcore.hookimpl
        def get_current_memory_usage(self, device_id: int) -> int:
            return 7

    host = make_host(candidate("acme", MeteredPlatform("acme")), general("meter", DeclaredFirst(3)))
    pm = host.resolve()
    assert host.report.warnings == ()
    assert pm.hook.get_current_memory_usage(device_id=0) == 7  # the platform answers first
