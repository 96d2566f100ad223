"""The entry-point reader agrees with importlib.metadata in every layout, and imports it only
for the layouts its folder reader does not read."""

from __future__ import annotations

import email.parser  # noqa: F401  importlib.metadata imports it lazily; sys.path is swapped below
import importlib.machinery
import importlib.metadata
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pluggy
import pytest

import hwcore
from hwcore.host.installed import InstalledEntryPoint, entry_points, fallback_reason, normalize

# A plain interpreter's sys.meta_path: nothing but PathFinder finds distributions.
STANDARD_META_PATH: list[object] = [
    importlib.machinery.BuiltinImporter,
    importlib.machinery.FrozenImporter,
    importlib.machinery.PathFinder,
]
Row = tuple[str, str, str, str, str]


def ours(groups: Iterable[str], path: Sequence[str], meta_path: Sequence[object]) -> list[Row]:
    groups = list(groups)
    found = entry_points(groups, path=path, meta_path=meta_path)
    return [
        (e.name, e.group, e.value, e.distribution, e.version)
        for group in groups
        for e in found
        if e.group == group
    ]


def theirs(
    groups: Iterable[str], path: Sequence[str], meta_path: Sequence[object], monkeypatch
) -> list[Row]:
    """What ``importlib.metadata.entry_points()`` reports with this sys.path and sys.meta_path."""
    with monkeypatch.context() as patch:
        patch.setattr(sys, "path", list(path))
        patch.setattr(sys, "meta_path", list(meta_path))
        selected = [importlib.metadata.entry_points(group=group) for group in groups]
    return [
        (e.name, e.group, e.value, e.dist.name, e.dist.version)
        for entries in selected
        for e in entries
    ]


def write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def metadata(name: str, version: str) -> str:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nA description.\n"


def test_agrees_with_importlib_metadata_on_this_environment(monkeypatch):
    groups = sorted(importlib.metadata.entry_points().groups)
    expected = theirs(groups, sys.path, sys.meta_path, monkeypatch)
    assert ours(groups, sys.path, sys.meta_path) == expected
    assert len(expected) > 10  # pip, pytest and friends: the comparison is not vacuous


# ----------------------------------------------------------------- layouts the folder reader reads


def test_plain_folders_in_path_order_first_of_a_normalised_name_wins(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    write(first / "Hwcore_Acme-2.0.dist-info", {
        "METADATA": metadata("Hwcore_Acme", "2.0"),
        "entry_points.txt": "# comment\n[hwcore.platforms]\nacme = acme.plugin:PLUGIN\n"
                            "; not a comment = to importlib.metadata\n",
    })
    write(first / "legacy-0.3.egg-info", {
        "PKG-INFO": "Metadata-Version: 1.0\nName: legacy\nVersion: 0.3\n",
        "entry_points.txt": "[ hwcore.plugins ]\nspaced = section\n[[hwcore.plugins]]\nold = legacy\n",
    })
    write(second / "hwcore.acme-1.0.dist-info", {
        "METADATA": metadata("hwcore-acme", "1.0"),
        "entry_points.txt": "[hwcore.platforms]\nacme = old_acme\n",
    })
    write(second / "other-1.0.dist-info", {
        "METADATA": metadata("other", "1.0"),
        "entry_points.txt": "[hwcore.platforms]\nother = other\n",
    })
    path = [str(first), str(tmp_path / "missing"), str(second)]
    groups = ["hwcore.platforms", "hwcore.plugins", " hwcore.plugins "]

    assert fallback_reason(path, STANDARD_META_PATH) is None
    assert ours(groups, path, STANDARD_META_PATH) == [
        ("acme", "hwcore.platforms", "acme.plugin:PLUGIN", "Hwcore_Acme", "2.0"),
        ("; not a comment", "hwcore.platforms", "to importlib.metadata", "Hwcore_Acme", "2.0"),
        ("other", "hwcore.platforms", "other", "other", "1.0"),
        ("old", "hwcore.plugins", "legacy", "legacy", "0.3"),
        ("spaced", " hwcore.plugins ", "section", "legacy", "0.3"),
    ]
    assert ours(groups, path, STANDARD_META_PATH) == theirs(groups, path, STANDARD_META_PATH, monkeypatch)


def test_upper_case_suffixes_are_read_and_named_by_their_metadata(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    # importlib.metadata names a folder by its file name only for a lower-case suffix; this
    # one is hwcore-acme by its METADATA and so hides the hwcore_acme folder behind it
    write(first / "Vendor_Build-2.0.DIST-INFO", {
        "METADATA": metadata("hwcore-acme", "2.0"),
        "entry_points.txt": "[hwcore.platforms]\nacme = acme_v2\n",
    })
    write(first / "LEGACY.EGG-INFO", {
        "PKG-INFO": "Name: Legacy\nVersion:  0.3 \n",
        "entry_points.txt": "[hwcore.plugins]\nlegacy = legacy\n",
    })
    write(second / "hwcore_acme-1.0.dist-info", {
        "METADATA": metadata("hwcore-acme", "1.0"),
        "entry_points.txt": "[hwcore.platforms]\nacme = acme_v1\n",
    })
    path = [str(first), str(second)]
    groups = ["hwcore.platforms", "hwcore.plugins"]

    assert fallback_reason(path, STANDARD_META_PATH) is None
    assert ours(groups, path, STANDARD_META_PATH) == [
        ("acme", "hwcore.platforms", "acme_v2", "hwcore-acme", "2.0"),
        ("legacy", "hwcore.plugins", "legacy", "Legacy", "0.3 "),  # email keeps trailing blanks
    ]
    assert ours(groups, path, STANDARD_META_PATH) == theirs(groups, path, STANDARD_META_PATH, monkeypatch)


def test_folded_metadata_headers_read_as_importlib_metadata_reads_them(tmp_path, monkeypatch):
    write(tmp_path / "folded-1.dist-info", {
        "METADATA": "From the packager\nName: hwcore-folded\n  second line\nName: ignored\n"
                    "\tcontinued\n:no name\n dropped\nVersion:\t1.0\nNo colon here\nVersion: 9\n",
        "entry_points.txt": "[g]\nfolded = folded\n",
    })
    path = [str(tmp_path)]
    assert ours(["g"], path, STANDARD_META_PATH) == [
        # the email package joins the folded lines; importlib.metadata dedents them as if
        # the first were indented by 8
        ("folded", "g", "folded", "      hwcore-folded\nsecond line", "1.0")
    ]
    assert ours(["g"], path, STANDARD_META_PATH) == theirs(["g"], path, STANDARD_META_PATH, monkeypatch)


EXTRAS = "[hwcore.platforms]\nfast = acme_extras:make [accel]\nspaced = acme_extras : Outer.make  [ a , b ]\nplain = acme_extras\n"


def test_entry_points_with_extras_agree_and_load_ignoring_the_extras(tmp_path, monkeypatch):
    (tmp_path / "acme_extras.py").write_text("def make():\n    pass\n\nclass Outer:\n    make = make\n")
    write(tmp_path / "hwcore_acme-1.0.dist-info", {
        "METADATA": metadata("hwcore-acme", "1.0"), "entry_points.txt": EXTRAS,
    })
    path = [str(tmp_path)]
    assert ours(["hwcore.platforms"], path, STANDARD_META_PATH) == theirs(["hwcore.platforms"], path, STANDARD_META_PATH, monkeypatch)

    monkeypatch.syspath_prepend(str(tmp_path))
    fast, spaced, plain = entry_points(["hwcore.platforms"], path=path, meta_path=STANDARD_META_PATH)
    module = plain.load()
    assert module is sys.modules["acme_extras"]
    assert fast.load() is module.make
    assert spaced.load() is module.make
    assert (fast.extras, spaced.extras, plain.extras) == (("accel",), ("a", "b"), ())
    monkeypatch.delitem(sys.modules, "acme_extras")


@pytest.mark.parametrize("value", [
    "mod", "pkg.mod", "pkg.mod:obj", "pkg.mod:obj.attr", "mod:obj [extra]", "mod:obj[a,b]",
    "mod : obj", "mod:obj [a, b]  ", "mod [only_extras]", "mod:obj [[nested] more]",
])
def test_value_syntax_is_importlib_metadata_s(value):
    standard = importlib.metadata.EntryPoint(name="x", value=value, group="g")
    ours = InstalledEntryPoint("x", "g", value, "dist", "1")
    assert (ours.module, ours.attr, list(ours.extras)) == (standard.module, standard.attr, standard.extras)


@pytest.mark.parametrize("value", ["mod:obj:other", "mod-name", ":obj", "", "mod : obj . attr", "mod:obj [unclosed"])
def test_a_value_importlib_metadata_cannot_parse_is_named_on_load(value):
    assert importlib.metadata.EntryPoint.pattern.match(value) is None
    entry_point = InstalledEntryPoint("acme", "hwcore.platforms", value, "hwcore-acme", "1.0")
    with pytest.raises(ValueError, match=re.escape(
        f"The entry point acme = {value!r} in group [hwcore.platforms] of hwcore-acme 1.0 is not "
        "'module', 'module:attribute' or 'module:attribute [extras]'; its entry_points.txt "
        "needs fixing by the distribution's maintainers."
    )):
        entry_point.load()


# ----------------------------------------------------------------- layouts left to importlib.metadata


def test_a_zipped_distribution_comes_first_and_loads(tmp_path, monkeypatch):
    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("hwcore_zipped-2.0.dist-info/METADATA", metadata("hwcore-zipped", "2.0"))
        zipped.writestr("hwcore_zipped-2.0.dist-info/entry_points.txt",
                        "[hwcore.platforms]\nzipped = zipped_mod:PLUGIN [accel]\n")
        zipped.writestr("zipped_mod.py", "PLUGIN = 'from the zip'\n")
    write(tmp_path / "site" / "hwcore_zipped-1.0.dist-info", {
        "METADATA": metadata("hwcore-zipped", "1.0"),
        "entry_points.txt": "[hwcore.platforms]\nzipped = unzipped\n",
    })
    path = [str(archive), str(tmp_path / "site")]

    assert fallback_reason(path, STANDARD_META_PATH) == (
        f"sys.path entry {str(archive)!r} is a file (a zip archive to importlib.metadata)"
    )
    assert ours(["hwcore.platforms"], path, STANDARD_META_PATH) == [
        ("zipped", "hwcore.platforms", "zipped_mod:PLUGIN [accel]", "hwcore-zipped", "2.0")
    ]
    assert ours(["hwcore.platforms"], path, STANDARD_META_PATH) == theirs(["hwcore.platforms"], path, STANDARD_META_PATH, monkeypatch)

    monkeypatch.syspath_prepend(str(archive))
    (zipped,) = entry_points(["hwcore.platforms"], path=path, meta_path=STANDARD_META_PATH)
    assert zipped.load() == "from the zip"
    monkeypatch.delitem(sys.modules, "zipped_mod")


def test_an_egg_folder_on_the_path(tmp_path, monkeypatch):
    egg = tmp_path / "Hwcore_Egg-1.0-py3.11.egg"
    write(egg / "EGG-INFO", {
        "PKG-INFO": "Metadata-Version: 1.1\nName: Hwcore-Egg\nVersion: 1.0\n",
        "entry_points.txt": "[hwcore.plugins]\negg = egg_mod:hooks\n",
    })
    write(tmp_path / "site" / "hwcore_egg-0.9.dist-info", {
        "METADATA": metadata("hwcore-egg", "0.9"),
        "entry_points.txt": "[hwcore.plugins]\negg = older\n",
    })
    path = [str(egg), str(tmp_path / "site")]

    assert fallback_reason(path, STANDARD_META_PATH) == f"sys.path entry {str(egg)!r} is an .egg folder"
    assert ours(["hwcore.plugins"], path, STANDARD_META_PATH) == [
        ("egg", "hwcore.plugins", "egg_mod:hooks", "Hwcore-Egg", "1.0")
    ]
    assert ours(["hwcore.plugins"], path, STANDARD_META_PATH) == theirs(["hwcore.plugins"], path, STANDARD_META_PATH, monkeypatch)


class InMemoryDistribution(importlib.metadata.Distribution):
    def __init__(self, files: dict[str, str]) -> None:
        self._files = files

    def read_text(self, filename):
        return self._files.get(filename)

    def locate_file(self, path):
        return Path("/nowhere", path)


class InMemoryFinder(importlib.metadata.DistributionFinder):
    """A meta-path finder that imports nothing and finds distributions held in memory."""

    def __init__(self, *distributions: InMemoryDistribution) -> None:
        self.distributions = distributions

    def find_spec(self, fullname, path, target=None):
        return None

    def find_distributions(self, context=None):
        return iter(self.distributions)

    def __repr__(self) -> str:
        return "InMemoryFinder()"


def test_a_meta_path_finder_with_find_distributions(tmp_path, monkeypatch):
    finder = InMemoryFinder(
        InMemoryDistribution({
            "METADATA": metadata("hwcore-memory", "3.0"),
            "entry_points.txt": "[hwcore.platforms]\nmemory = memory_mod\n",
        }),
        InMemoryDistribution({"METADATA": metadata("hwcore-bare", "1.0")}),
    )
    write(tmp_path / "hwcore_memory-1.0.dist-info", {
        "METADATA": metadata("hwcore-memory", "1.0"),
        "entry_points.txt": "[hwcore.platforms]\nmemory = shadowed\n",
    })
    write(tmp_path / "hwcore_disk-1.0.dist-info", {
        "METADATA": metadata("hwcore-disk", "1.0"),
        "entry_points.txt": "[hwcore.platforms]\ndisk = disk_mod\n",
    })
    path, meta_path = [str(tmp_path)], [finder, *STANDARD_META_PATH]

    assert fallback_reason(path, meta_path) == "sys.meta_path holds InMemoryFinder(), which has find_distributions"
    assert ours(["hwcore.platforms"], path, meta_path) == [
        ("memory", "hwcore.platforms", "memory_mod", "hwcore-memory", "3.0"),
        ("disk", "hwcore.platforms", "disk_mod", "hwcore-disk", "1.0"),
    ]
    assert ours(["hwcore.platforms"], path, meta_path) == theirs(["hwcore.platforms"], path, meta_path, monkeypatch)


def test_a_distribution_without_name_or_version_through_the_standard_library():
    # importlib.metadata.entry_points() raises TypeError here (it normalises a None name)
    finder = InMemoryFinder(InMemoryDistribution({"entry_points.txt": "[g]\nanonymous = anon\n"}))
    found = entry_points(["g"], path=[], meta_path=[finder])
    assert [(e.name, e.value, e.distribution, e.version) for e in found] == [("anonymous", "anon", "?", "?")]


def test_what_the_folder_reader_still_reads(tmp_path):
    (tmp_path / "not-an.egg").mkdir()
    (tmp_path / "sub.egg").mkdir()
    not_finding = type("Finder", (), {"find_distributions": None})()
    readable = ["", str(tmp_path), str(tmp_path / "missing.zip"), str(tmp_path / "missing.egg"),
                str(tmp_path / "sub.egg") + "/"]  # importlib.metadata reads a name ending in `/` as a plain folder
    assert fallback_reason(readable, [not_finding, *STANDARD_META_PATH]) is None
    assert fallback_reason([str(tmp_path / "not-an.egg")], STANDARD_META_PATH) == (
        f"sys.path entry {str(tmp_path / 'not-an.egg')!r} is an .egg folder"
    )


def test_the_folder_reader_does_not_import_importlib_metadata(tmp_path):
    write(tmp_path / "site" / "plain-1.0.dist-info", {
        "METADATA": metadata("plain", "1.0"), "entry_points.txt": "[g]\nplain = plain\n",
    })
    with zipfile.ZipFile(tmp_path / "site.zip", "w") as zipped:
        zipped.writestr("zipped-1.0.dist-info/METADATA", metadata("zipped", "1.0"))
        zipped.writestr("zipped-1.0.dist-info/entry_points.txt", "[g]\nzipped = zipped\n")
    script = (
        "import sys\n"
        "from hwcore.host.installed import entry_points\n"
        "plain = entry_points(['g'], path=[sys.argv[1]])\n"
        "print([e.name for e in plain], 'importlib.metadata' in sys.modules)\n"
        "zipped = entry_points(['g'], path=[sys.argv[2]])\n"
        "print([e.name for e in zipped], 'importlib.metadata' in sys.modules)\n"
    )
    # -S: no site module, so no .pth file of this environment imports anything first
    sources = [str(Path(module.__file__).parents[1]) for module in (hwcore, pluggy)]
    done = subprocess.run(
        [sys.executable, "-S", "-c", script, str(tmp_path / "site"), str(tmp_path / "site.zip")],
        capture_output=True, text=True, check=True, env={"PYTHONPATH": os.pathsep.join(sources)},
    )
    assert done.stdout == "['plain'] False\n['zipped'] True\n"


# ----------------------------------------------------------------- the folder reader's own rules


def test_egg_info_and_missing_metadata_are_named_by_their_folder(tmp_path):
    write(tmp_path / "legacy.egg-info", {
        "PKG-INFO": "Metadata-Version: 1.0\nName: legacy\nVersion: 0.3\n",
        "entry_points.txt": "[hwcore.plugins]\nextras=legacy_extras\n[console_scripts]\nx = y\n",
    })
    # importlib.metadata reports None as this one's name and version
    write(tmp_path / "bare-9.dist-info", {"entry_points.txt": "[hwcore.plugins]\nbare = bare\n"})
    found = entry_points(["hwcore.plugins"], path=[str(tmp_path), str(tmp_path / "missing")],
                         meta_path=STANDARD_META_PATH)
    assert {(e.name, e.value, e.distribution, e.version) for e in found} == {
        ("extras", "legacy_extras", "legacy", "0.3"),
        ("bare", "bare", "bare", "9"),
    }


def test_load_imports_the_module_and_walks_attributes(tmp_path, monkeypatch):
    (tmp_path / "acme_mod.py").write_text("class Outer:\n    class Inner:\n        value = 7\n")
    write(tmp_path / "acme-1.dist-info", {"entry_points.txt": "[g]\na = acme_mod:Outer.Inner\nb = acme_mod\n"})
    monkeypatch.syspath_prepend(str(tmp_path))
    a, b = sorted(entry_points(["g"], path=[str(tmp_path)], meta_path=STANDARD_META_PATH),
                  key=lambda e: e.name)
    assert a.load().value == 7
    assert b.load() is sys.modules["acme_mod"]
    monkeypatch.delitem(sys.modules, "acme_mod")


def test_normalize():
    assert normalize("Hwcore__CPU.x") == "hwcore-cpu-x"


@pytest.mark.parametrize("broken", ["[hwcore.platforms\nacme = x\n", "acme = before_any_section\n"])
def test_malformed_lines_are_ignored_not_fatal(tmp_path, broken):
    write(tmp_path / "odd-1.dist-info", {"entry_points.txt": broken})
    assert entry_points(["hwcore.platforms"], path=[str(tmp_path)], meta_path=STANDARD_META_PATH) == []


def test_a_line_without_equals_is_skipped_where_importlib_metadata_raises(tmp_path):
    write(tmp_path / "odd-1.dist-info", {
        "METADATA": metadata("odd", "1"),
        "entry_points.txt": "[hwcore.platforms]\nno equals sign\nacme = acme\n",
    })
    for meta_path in (STANDARD_META_PATH, [InMemoryFinder(), *STANDARD_META_PATH]):  # both readers
        found = entry_points(["hwcore.platforms"], path=[str(tmp_path)], meta_path=meta_path)
        assert [(e.name, e.value) for e in found] == [("acme", "acme")]
