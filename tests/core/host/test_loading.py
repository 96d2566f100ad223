"""Step 2: each plugin loads in isolation; contract and hookimpl faults are recorded."""

from __future__ import annotations

import re

import pytest

import hwcore
from hwcore.errors import HwcoreWarning, PluginContractError
from hwcore.records import PluginStatus


def failure_of(host, name):
    record = host.report.plugin(name)
    assert record is not None and record.status is PluginStatus.FAILED
    return record.error


def resolve_with_warnings(host):
    with pytest.warns(HwcoreWarning):
        hwcore.get_plugin_manager()
    return host


class Declared:
    HWCORE_CONTRACT_VERSION = "2.0"


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        (
            None,
            'it declares no contract version; add HWCORE_CONTRACT_VERSION = "2.0" to acme_module',
        ),
        ("one", 'its HWCORE_CONTRACT_VERSION is \'one\'; write it as "MAJOR.MINOR", e.g. "2.0"'),
        (
            "1.0",
            "it was written for hook contract 1.0, and this hwcore speaks 2.0, so it needs a "
            "plugin written for contract 2.x; install a release of hwcore-acme built for "
            "hwcore's contract 2.x, or an hwcore release that speaks 1.x",
        ),
        ("2.7", "it needs hook contract 2.7, newer than this hwcore's 2.0; upgrade hwcore"),
    ],
)
def test_contract_version_problems(make_host, candidate, fake_platform, declared, expected):
    acme = fake_platform("acme")
    if declared is None:
        acme.HWCORE_CONTRACT_VERSION = None
    else:
        acme.HWCORE_CONTRACT_VERSION = declared
    host = resolve_with_warnings(
        make_host(candidate("cpu", fake_platform("cpu", fallback=True)), candidate("acme", acme))
    )
    assert failure_of(host, "acme") == expected
    assert hwcore.current_platform().name == "cpu"


def test_contract_error_when_the_broken_plugin_is_forced(make_host, candidate, fake_platform):
    acme = fake_platform("acme")
    acme.HWCORE_CONTRACT_VERSION = "1.0"
    make_host(candidate("acme", acme), environ={"HWCORE_PLATFORM": "acme"})
    with pytest.raises(
        PluginContractError,
        match=re.escape(
            "HWCORE_PLATFORM=acme forces platform 'acme' from hwcore-acme 1.0, which cannot be "
            "used: it was written for hook contract 1.0, and this hwcore speaks 2.0, so it needs "
            "a plugin written for contract 2.x"
        ),
    ):
        hwcore.get_plugin_manager()


def test_hookimpl_with_an_argument_its_spec_lacks(make_host, candidate, fake_platform):
    class WrongArgument(fake_platform):
        @hwcore.hookimpl
        def get_current_memory_usage(self, device_index: int) -> int:
            return 0

    host = resolve_with_warnings(
        make_host(
            candidate("cpu", fake_platform("cpu", fallback=True)),
            candidate("acme", WrongArgument("acme")),
        )
    )
    error = failure_of(host, "acme")
    assert error == (
        "its get_current_memory_usage hookimpl takes device_index, which the hookspec "
        "get_current_memory_usage(device_id, platform) does not have; use the spec's argument "
        "names"
    )
    assert not hwcore.get_plugin_manager().has_plugin("acme")


def test_hookimpl_that_is_not_a_hwcore_hook(make_host, candidate, fake_platform):
    class UnknownHook(fake_platform):
        @hwcore.hookimpl
        def get_device_colour(self) -> str:
            return "green"

    host = resolve_with_warnings(
        make_host(
            candidate("cpu", fake_platform("cpu", fallback=True)),
            candidate("acme", UnknownHook("acme")),
        )
    )
    assert failure_of(host, "acme") == (
        "it implements get_device_colour, which is not a hwcore hook; check the name against "
        "hwcore.hookspecs"
    )


def test_platform_plugin_without_detection(make_host, candidate, fake_platform):
    host = resolve_with_warnings(
        make_host(
            candidate("cpu", fake_platform("cpu", fallback=True)), candidate("acme", Declared())
        )
    )
    assert (
        failure_of(host, "acme") == "it is a platform plugin but does not implement detect_platform"
    )


def test_general_plugin_with_detection(make_host, candidate, general, fake_platform):
    host = resolve_with_warnings(
        make_host(
            candidate("cpu", fake_platform("cpu", fallback=True)),
            general("extras", fake_platform("extras")),
        )
    )
    assert failure_of(host, "extras") == (
        "it implements detect_platform but is declared in the general group; declare it under "
        '[project.entry-points."hwcore.platforms"]'
    )


def test_detection_must_return_a_record(make_host, candidate, fake_platform):
    class Truthy(fake_platform):
        @hwcore.hookimpl
        def detect_platform(self):  # type: ignore[override]
            return True

    host = make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)), candidate("acme", Truthy("acme"))
    )
    with pytest.warns(HwcoreWarning):
        hwcore.get_plugin_manager()
    result = next(d for d in host.report.detections if d.plugin == "acme")
    assert result.error == (
        "detect_platform returned bool; return PlatformInfo, PlatformAbsent or None"
    )


def test_platform_info_name_must_match_the_entry_point(make_host, candidate, fake_platform):
    host = make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("acme2", fake_platform("acme")),
    )
    with pytest.warns(HwcoreWarning):
        hwcore.get_plugin_manager()
    result = next(d for d in host.report.detections if d.plugin == "acme2")
    assert result.error == (
        "detect_platform returned PlatformInfo(name='acme'); the name must be the "
        "entry-point name 'acme2'"
    )


def test_an_unhashable_plugin_object_is_refused_with_the_reason(make_host, candidate, fake_platform):
    class Unhashable(fake_platform):
        __hash__ = None  # type: ignore[assignment]

    host = resolve_with_warnings(
        make_host(
            candidate("cpu", fake_platform("cpu", fallback=True)),
            candidate("acme", Unhashable("acme")),
        )
    )
    assert failure_of(host, "acme") == (
        "its plugin object, a Unhashable, cannot be hashed, and pluggy keeps plugins in sets; "
        "point the entry point at a module, a class, or an instance of a class that does not "
        "define __eq__ without __hash__"
    )
