"""Step 1 against real distribution metadata written to a temporary folder on sys.path."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwcore.host import discovery


def write_distribution(root: Path, name: str, version: str, entry_points: str) -> None:
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(entry_points)


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    discovery.scan_entry_points.cache_clear()
    yield tmp_path
    discovery.scan_entry_points.cache_clear()


def test_scan_reads_both_groups_from_installed_metadata(site):
    write_distribution(site, "hwcore-acme", "1.2", "[hwcore.platforms]\nacme = acme_plugin\n")
    write_distribution(
        site, "acme-kernels", "0.3", "[hwcore.plugins]\nacme_kernels = acme_kernels.plugin\n"
    )
    found = {
        (c.name, c.group, c.value, c.distribution, c.version)
        for c in discovery.scan_entry_points()
        if c.name.startswith("acme")
    }
    assert found == {
        ("acme", "hwcore.platforms", "acme_plugin", "hwcore-acme", "1.2"),
        ("acme_kernels", "hwcore.plugins", "acme_kernels.plugin", "acme-kernels", "0.3"),
    }


def test_scan_is_cached_until_cleared(site):
    first = discovery.scan_entry_points()
    write_distribution(site, "hwcore-late", "1.0", "[hwcore.platforms]\nlate = late_plugin\n")
    assert discovery.scan_entry_points() is first
    discovery.scan_entry_points.cache_clear()
    assert "late" in {c.name for c in discovery.scan_entry_points()}


def test_same_name_from_two_distributions_is_a_duplicate(site):
    write_distribution(site, "hwcore-acme", "1.0", "[hwcore.platforms]\nacme = acme_plugin\n")
    write_distribution(site, "acme-fork", "2.0", "[hwcore.platforms]\nacme = fork_plugin\n")
    unique, duplicates = discovery.split_duplicates(discovery.scan_entry_points())
    assert "acme" not in {c.name for c in unique}
    assert sorted(c.distribution for c in duplicates["acme"]) == ["acme-fork", "hwcore-acme"]
