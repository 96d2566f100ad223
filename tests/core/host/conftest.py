"""Small in-process plugins and hosts for the host's tests (no installed entry points)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

import hwcore
from hwcore.host import Candidate, Host, install_host
from hwcore.records import (
    PLATFORM_GROUP,
    PLUGIN_GROUP,
    DeviceInfo,
    PlatformAbsent,
    PlatformInfo,
)


class FakePlatform:
    """A platform plugin whose detection answer is chosen by the test."""

    HWCORE_CONTRACT_VERSION = "2.0"

    def __init__(
        self,
        name: str,
        *,
        present: bool = True,
        fallback: bool = False,
        evidence: str | None = None,
        device_type: str | None = None,
    ) -> None:
        self.name = name
        self.present = present
        self.fallback = fallback
        self.evidence = evidence or f"{name} hardware found"
        self.device_type = device_type or ("cpu" if fallback else name)
        self.detect_calls = 0

    @hwcore.hookimpl
    def detect_platform(self) -> PlatformInfo | PlatformAbsent:
        self.detect_calls += 1
        if not self.present:
            return PlatformAbsent(f"no {self.name} hardware")
        return PlatformInfo(
            name=self.name,
            device_name=self.name,
            device_type=self.device_type,
            dispatch_key=self.name.upper(),
            dist_backend="gloo",
            devices=tuple(DeviceInfo(i, i, f"{self.name} device {i}") for i in range(2)),
            evidence=(self.evidence,),
            is_fallback=self.fallback,
        )


def _candidate(
    name: str,
    plugin: object | Callable[[], object],
    *,
    group: str = PLATFORM_GROUP,
    distribution: str | None = None,
    version: str = "1.0",
) -> Candidate:
    load = (
        plugin
        if callable(plugin) and not hasattr(plugin, "HWCORE_CONTRACT_VERSION")
        else (lambda: plugin)
    )
    return Candidate(
        name=name,
        group=group,
        value=f"{name}_module",
        version=version,
        distribution=distribution or f"hwcore-{name}",
        load=load,  # type: ignore[arg-type]
    )


@pytest.fixture
def candidate() -> Callable[..., Candidate]:
    """``candidate(name, plugin_or_loader, group=..., distribution=..., version=...)``."""
    return _candidate


@pytest.fixture
def general() -> Callable[..., Candidate]:
    """A candidate in the general-plugin group."""
    return lambda name, plugin, **kwargs: _candidate(name, plugin, group=PLUGIN_GROUP, **kwargs)


@pytest.fixture
def fake_platform() -> type[FakePlatform]:
    return FakePlatform


@pytest.fixture
def make_host() -> Iterator[Callable[..., Host]]:
    """Build a host over given candidates and install it as the process-wide host."""

    def build(*candidates: Candidate, environ: dict[str, str] | None = None) -> Host:
        host = Host(discover=lambda: list(candidates), environ=environ or {})
        install_host(host)
        return host

    yield build
    hwcore.reset()
