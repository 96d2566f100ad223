"""The fixtures of ``hwcore.testing.pytest_plugin`` and the objects behind them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import hwcore
from hwcore.host import get_plugin_manager
from hwcore.host.discovery import scan_entry_points
from hwcore.records import DeviceInfo, PlatformInfo
from hwcore.testing import FakeSite, HookRecorder, IsolatedHost


def _platform(name: str) -> object:
    class Platform:
        HWCORE_CONTRACT_VERSION = "2.0"

        @hwcore.hookimpl
        def detect_platform(self) -> PlatformInfo:
            return PlatformInfo(
                name=name,
                device_name=name,
                device_type="cpu",
                dispatch_key="CPU",
                dist_backend="gloo",
                devices=(DeviceInfo(0, 0, f"{name} 0"), DeviceInfo(1, 1, f"{name} 1")),
                evidence=("a test said so",),
            )

    return Platform()


def test_hwcore_host_is_process_wide_and_sees_only_added_plugins(hwcore_host: IsolatedHost) -> None:
    hwcore_host.add_platform(_platform("fake"), "fake")

    assert get_plugin_manager() is hwcore_host.plugin_manager
    assert hwcore.current_platform().name == "fake"
    assert hwcore_host.report.active == "fake"
    assert hwcore_host.report.decision == "fake: the only accelerator detected (a test said so)"


def test_isolated_host_puts_the_previous_host_back() -> None:
    before = hwcore.host.get_host()
    with IsolatedHost() as isolated:
        assert hwcore.host.get_host() is isolated.host
    assert hwcore.host.get_host() is before


def test_adding_a_plugin_after_resolution_is_refused(hwcore_host: IsolatedHost) -> None:
    hwcore_host.add_platform(_platform("fake"), "fake")
    hwcore_host.host.resolve()

    with pytest.raises(
        RuntimeError,
        match=r"^cannot add plugin 'late': this host has already discovered its plugins; add every plugin before the first hook call, or call reset\(\) first$",
    ):
        hwcore_host.add_platform(_platform("late"), "late")


def test_environ_of_the_host_forces_a_platform(hwcore_host: IsolatedHost) -> None:
    hwcore_host.add_platform(_platform("one"), "one")
    hwcore_host.add_platform(_platform("two"), "two")
    hwcore_host.environ["HWCORE_PLATFORM"] = "two"

    assert hwcore_host.platform().name == "two"


def test_hook_calls_are_recorded(
    hwcore_host: IsolatedHost, hwcore_hook_calls: HookRecorder
) -> None:
    hwcore_host.add_platform(_platform("fake"), "fake")

    assert hwcore_host.platform().check_max_model_len(512) == 512

    [detection] = hwcore_hook_calls.calls_of("detect_platform")  # through pluggy, recorded
    assert detection.implementations == ("fake",)
    assert detection.result.name == "fake"
    assert hwcore_hook_calls.names[:2] == ["detect_platform", "check_max_model_len"]
    [call] = hwcore_hook_calls.calls_of("check_max_model_len")
    assert call.result == 512
    assert call.implementations == ("hwcore.defaults",)


def test_a_fake_distribution_is_discovered_through_importlib_metadata(
    hwcore_fake_site: FakeSite, hwcore_host: IsolatedHost
) -> None:
    hwcore_fake_site.add_distribution(
        "hwcore-fake",
        version="1.2.3",
        entry_points={"hwcore.platforms": {"fake": "hwcore_fake.plugin"}},
        modules={
            "hwcore_fake/__init__.py": "",
            "hwcore_fake/plugin.py": (
                "from hwcore.plugin_api import DeviceInfo, PlatformInfo, hookimpl\n"
                "HWCORE_CONTRACT_VERSION = '2.0'\n"
                "@hookimpl\ndef detect_platform():\n"
                "    return PlatformInfo(name='fake', device_name='fake', device_type='cpu',"
                " dispatch_key='CPU', dist_backend='gloo',"
                " devices=(DeviceInfo(0, 0, 'Fake'),), evidence=('yes',))\n"
            ),
        },
    )
    hwcore_host.add_candidates(hwcore_fake_site.candidates())

    assert [
        (c.name, c.distribution, c.version) for c in scan_entry_points() if c.name == "fake"
    ] == [("fake", "hwcore-fake", "1.2.3")]
    assert hwcore_host.platform().provider == "hwcore-fake 1.2.3"


def test_deactivating_a_fake_site_forgets_its_modules(tmp_path: Path) -> None:
    site = FakeSite(tmp_path / "site")
    site.add_distribution("hwcore-gone", modules={"hwcore_gone.py": "VALUE = 1\n"})
    with site:
        import hwcore_gone  # type: ignore[import-not-found]  # noqa: F401

        assert "hwcore_gone" in sys.modules
    assert "hwcore_gone" not in sys.modules
    assert str(site.root) not in sys.path


def test_hwcore_reset_forgets_the_process_wide_host(hwcore_reset: None) -> None:
    first = hwcore.host.get_host()
    hwcore.reset()

    assert hwcore.host.get_host() is not first
