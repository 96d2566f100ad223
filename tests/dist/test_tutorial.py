"""The README's set-up and then every command of docs/tutorial.md, run as written.

The commands are read from the documents, so a doc that changes without its commands
working fails here. They run in one bash session (``cd`` and ``activate`` carry over), in a
copy of the checkout made into a fresh git repository, with a fresh virtual environment and
nothing from the test's own environment but the package-index settings.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.dist

ROOT = Path(__file__).resolve().parents[2]
SETUP_HEADING = "## Set up and run the main job"


def readme_setup_commands(readme: str) -> list[str]:
    """The lines of the first code block under the README's set-up heading."""
    section = readme.split(SETUP_HEADING, 1)[1]
    block = re.search(r"```[^\n]*\n(.*?)```", section, re.S)
    assert block is not None, f"no code block under {SETUP_HEADING!r}"
    return [line for line in block[1].splitlines() if line.strip()]


def tutorial_commands(tutorial: str) -> list[str]:
    """Every ``$ `` line of every ``console`` block, in order."""
    blocks = re.findall(r"```console\n(.*?)```", tutorial, re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ ")]


def test_the_commands_are_found_in_the_documents() -> None:
    setup = readme_setup_commands((ROOT / "README.md").read_text())
    assert setup[0].startswith("python3 -m venv .venv")
    assert any("activate" in line for line in setup)
    commands = tutorial_commands((ROOT / "docs" / "tutorial.md").read_text())
    assert "cd docs/tutorial/hwcore-simulated" in commands
    assert commands[-1] == "HWCORE_SIMULATED_DEVICES=2 hwcore info"


def _copy_checkout(target: Path) -> None:
    """The files a fresh clone would have: tracked ones and new ones git does not ignore."""
    listed = _git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for relative in filter(None, listed.split("\0")):
        source = ROOT / relative
        if source.is_file():  # a tracked file deleted in the work tree is not copied
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)


def _clean_environment(home: str) -> dict[str, str]:
    """PATH without this test's virtual environment, HOME, and the package-index settings
    (``PIP_*``, proxies, certificates) a newcomer's shell would have."""
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep)
            if entry and not entry.startswith(sys.prefix)]
    environ = {"PATH": os.pathsep.join(path), "HOME": home, "LANG": "C.UTF-8"}
    environ.update({name: value for name, value in os.environ.items()
                    if name.startswith("PIP_") or name.lower().endswith("_proxy")
                    or name in ("SSL_CERT_FILE", "SSL_CERT_DIR")})
    return environ


def _git(checkout: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True,
                          check=True, timeout=120).stdout


def test_the_readme_setup_then_the_tutorial_run_as_written(tmp_path: Path) -> None:
    checkout = tmp_path / "hwcore"
    _copy_checkout(checkout)
    _git(checkout, "init", "-q")
    _git(checkout, "add", "--all")
    commands = [
        *readme_setup_commands((checkout / "README.md").read_text()),
        *tutorial_commands((checkout / "docs" / "tutorial.md").read_text()),
    ]
    script = "\n".join(["set -euo pipefail", "set -x", f"cd {checkout}", *commands])
    process = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=1800,
        env=_clean_environment(os.environ.get("HOME", str(tmp_path))),
    )
    assert process.returncode == 0, f"stdout:\n{process.stdout}\nstderr:\n{process.stderr}"
    assert "OK: 7 of 7 steps passed" in process.stdout  # the README's hwcore check
    assert "Platform: simulated (hwcore-simulated 0.1.0)" in process.stdout
    assert "Devices (2):" in process.stdout
    # Everything the commands wrote (.venv, the wheel in dist/) is ignored by git, and no
    # file of the checkout changed: every file is still just added ("A "), none new ("??").
    status = _git(checkout, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert [line for line in status if not line.startswith("A  ")] == []
