"""``hwcore new-plugin NAME``: what it writes, and what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomllib

from hwcore.cli.main import main


def test_it_writes_an_installable_distribution(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-plugin", "mychip", "--output", str(tmp_path)]) == 0

    folder = tmp_path / "hwcore-mychip"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == [
        "README.md",
        "hwcore_mychip/__init__.py",
        "hwcore_mychip/devices.py",
        "hwcore_mychip/plugin.py",
        "pyproject.toml",
        "tests/test_conformance.py",
    ]
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    assert project["name"] == "hwcore-mychip"
    assert project["dependencies"] == ["hwcore>=0.1,<0.2"]
    assert project["entry-points"]["hwcore.platforms"] == {"mychip": "hwcore_mychip.plugin"}
    assert 'HWCORE_CONTRACT_VERSION = "2.0"' in (folder / "hwcore_mychip/plugin.py").read_text()
    assert 'plugin = "mychip"' in (folder / "tests/test_conformance.py").read_text()
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"Next: cd {folder} && pip install -e '.[test]' && pytest"
    )


def test_every_generated_python_file_compiles(tmp_path: Path) -> None:
    main(["new-plugin", "mychip", "--output", str(tmp_path)])

    for path in (tmp_path / "hwcore-mychip").rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


@pytest.mark.parametrize("name", ["MyChip", "my-chip", "1chip", "", "class", "a" * 33])
def test_a_bad_name_is_refused(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-plugin", name, "--output", str(tmp_path)]) == 2

    assert capsys.readouterr().err == (
        f"hwcore: error: {name!r} is not a valid plugin name: use 1 to 32 lowercase letters, "
        "digits and '_', starting with a letter (e.g. mychip); it becomes the entry-point "
        "name, HWCORE_PLATFORM's value and the package hwcore_NAME\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_name_of_hwcores_own_platforms_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-plugin", "cuda", "--output", str(tmp_path)]) == 2

    assert capsys.readouterr().err == (
        "hwcore: error: 'cuda' is the name of one of hwcore's own platforms; choose another "
        "name, since two distributions offering one name cannot be installed together\n"
    )


def test_an_existing_folder_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "hwcore-mychip"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")

    assert main(["new-plugin", "mychip", "--output", str(tmp_path), "--json"]) == 2

    captured = capsys.readouterr()
    message = (
        f"{existing} already exists; remove it or choose another --output folder "
        "(new-plugin never overwrites)"
    )
    assert json.loads(captured.out)["error"] == {"type": "NewPluginError", "message": message}
    assert captured.err == f"hwcore: error: {message}\n"
    assert [p.name for p in existing.iterdir()] == ["keep.txt"]
