"""The lean entry-point reader agrees with importlib.metadata, at a fraction of its import cost."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from hwcore.host.installed import entry_points, normalize


def standard_library_view() -> set[tuple[str, str, str, str, str]]:
    seen, found = set(), set()
    for dist in importlib.metadata.distributions():  # first of a name on sys.path wins
        name = normalize(dist.metadata["Name"])
        if name in seen:
            continue
        seen.add(name)
        found |= {(e.name, e.group, e.value, name, dist.version) for e in dist.entry_points}
    return found


def test_agrees_with_importlib_metadata_on_this_environment():
    theirs = standard_library_view()
    ours = {(e.name, e.group, e.value, normalize(e.distribution), e.version)
            for e in entry_points({group for _, group, *_ in theirs})}
    assert ours == theirs
    assert len(ours) > 10  # pip, pytest and friends: the comparison is not vacuous


def write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def test_first_distribution_on_the_path_wins_by_normalised_name(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    write(first / "Hwcore_Acme-2.0.dist-info", {
        "METADATA": "Metadata-Version: 2.1\nName: Hwcore_Acme\nVersion: 2.0\n\nbody: ignored\n",
        "entry_points.txt": "# comment\n[hwcore.platforms]\nacme = acme.plugin:PLUGIN\n",
    })
    write(second / "hwcore_acme-1.0.dist-info", {
        "METADATA": "Name: hwcore-acme\nVersion: 1.0\n",
        "entry_points.txt": "[hwcore.platforms]\nacme = old_acme\n",
    })
    found = entry_points(["hwcore.platforms"], path=[str(first), str(second)])
    assert [(e.name, e.value, e.distribution, e.version) for e in found] == [
        ("acme", "acme.plugin:PLUGIN", "Hwcore_Acme", "2.0")
    ]


def test_egg_info_and_missing_metadata(tmp_path):
    write(tmp_path / "legacy.egg-info", {
        "PKG-INFO": "Metadata-Version: 1.0\nName: legacy\nVersion: 0.3\n",
        "entry_points.txt": "[hwcore.plugins]\nextras=legacy_extras\n[console_scripts]\nx = y\n",
    })
    write(tmp_path / "bare-9.dist-info", {"entry_points.txt": "[hwcore.plugins]\nbare = bare\n"})
    found = entry_points(["hwcore.plugins"], path=[str(tmp_path), str(tmp_path / "missing")])
    assert {(e.name, e.value, e.distribution, e.version) for e in found} == {
        ("extras", "legacy_extras", "legacy", "0.3"),
        ("bare", "bare", "bare", "9"),
    }


def test_load_imports_the_module_and_walks_attributes(tmp_path, monkeypatch):
    (tmp_path / "acme_mod.py").write_text("class Outer:\n    class Inner:\n        value = 7\n")
    write(tmp_path / "acme-1.dist-info", {"entry_points.txt": "[g]\na = acme_mod:Outer.Inner\nb = acme_mod\n"})
    monkeypatch.syspath_prepend(str(tmp_path))
    a, b = sorted(entry_points(["g"], path=[str(tmp_path)]), key=lambda e: e.name)
    assert a.load().value == 7
    assert b.load() is sys.modules["acme_mod"]
    monkeypatch.delitem(sys.modules, "acme_mod")


def test_normalize():
    assert normalize("Hwcore__CPU.x") == "hwcore-cpu-x"


@pytest.mark.parametrize("broken", ["[hwcore.platforms\nacme = x\n", "acme = before_any_section\n"])
def test_malformed_lines_are_ignored_not_fatal(tmp_path, broken):
    write(tmp_path / "odd-1.dist-info", {"entry_points.txt": broken})
    assert entry_points(["hwcore.platforms"], path=[str(tmp_path)]) == []
