"""``hwcore --version``: the core and every plugin distribution, from the entry-point scan."""

from __future__ import annotations

import pytest

import hwcore
from hwcore.cli import versions
from hwcore.cli.main import main
from hwcore.host import Candidate, Host, install_host


@pytest.fixture(autouse=True)
def _reset():
    yield
    hwcore.reset()


def _never_imported() -> object:
    raise AssertionError("--version must not import a plugin")


def test_version_lists_hwcore_and_every_plugin_without_importing_or_resolving(monkeypatch, capsys):
    scan = [
        Candidate("acme", "hwcore.platforms", "hwcore_acme", "hwcore-acme", "2.1", _never_imported),
        Candidate("cpu", "hwcore.platforms", "hwcore_cpu.plugin", "hwcore-cpu", "0.1.0",
                  _never_imported),
        Candidate("acme_kernels", "hwcore.plugins", "hwcore_acme.kernels", "hwcore-acme", "2.1",
                  _never_imported),
    ]
    monkeypatch.setattr("hwcore.host.discovery.scan_entry_points", lambda: tuple(scan))
    install_host(Host(discover=_never_imported, environ={}))  # resolving would raise
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"hwcore {hwcore.__version__} (hook contract {hwcore.CONTRACT_VERSION})",
        "hwcore-acme 2.1: platform acme, plugin acme_kernels",
        "hwcore-cpu 0.1.0: platform cpu",
    ]


def test_version_says_when_no_plugin_is_installed(monkeypatch):
    monkeypatch.setattr("hwcore.host.discovery.scan_entry_points", lambda: ())
    assert versions.version_text().splitlines()[1:] == [
        "no hwcore plugin is installed (`pip install hwcore-cpu` adds the host CPU)"
    ]
