"""The tutorial plugin and the ``hwcore new-plugin`` output pass the conformance suite.

Each is installed as a fake distribution (its ``.dist-info`` in a ``FakeSite``, its source
tree on ``PYTHONPATH``, like an editable install) and its own tests run in a child pytest.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from hwcore.cli.main import main
from hwcore.testing import FakeSite

TUTORIAL = Path(__file__).parents[3] / "docs" / "tutorial" / "hwcore-simulated"


def _summary(run: subprocess.CompletedProcess[str]) -> str:
    return run.stdout.strip().splitlines()[-1]


def test_the_tutorial_plugin_passes_with_and_without_devices(
    tmp_path: Path, child_pytest: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    site = FakeSite(tmp_path / "site")
    site.add_distribution(
        "hwcore-simulated",
        entry_points={"hwcore.platforms": {"simulated": "hwcore_simulated.plugin"}},
    )
    site.add_source_path(TUTORIAL)

    run = child_pytest(TUTORIAL, site.pythonpath(), "tests")

    assert run.returncode == 0, run.stdout + run.stderr
    assert re.fullmatch(r"\d+ passed, 7 skipped in [\d.]+s", _summary(run)), run.stdout
    assert "the hardware is absent: HWCORE_SIMULATED_DEVICES is not set" in run.stdout


def test_the_new_plugin_template_passes_as_generated(
    tmp_path: Path, child_pytest: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    assert main(["new-plugin", "example", "--output", str(tmp_path)]) == 0
    generated = tmp_path / "hwcore-example"
    site = FakeSite(tmp_path / "site")
    site.add_distribution(
        "hwcore-example", entry_points={"hwcore.platforms": {"example": "hwcore_example.plugin"}}
    )
    site.add_source_path(generated)

    run = child_pytest(generated, site.pythonpath(), "-rs")

    assert run.returncode == 0, run.stdout + run.stderr
    assert re.fullmatch(r"12 passed, 7 skipped in [\d.]+s", _summary(run)), run.stdout
    assert "the hardware is absent: no example devices found" in run.stdout
