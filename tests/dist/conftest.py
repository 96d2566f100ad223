"""A fresh virtual environment with the repository's built wheels installed, for `nox -s dist`.

The wheels come from ``HWCORE_WHEELHOUSE`` (the dist session builds them). Third-party
dependencies come from the package index under the torch constraint; the project's own
distributions are installed with ``--no-index`` from the wheelhouse, so the tests see the
artifacts, never a source tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

THIRD_PARTY = [
    "torch==2.13.0",
    "numpy",
    "pluggy>=1.7,<2",
    "psutil>=5.9",
    "nvidia-ml-py>=12.560",
    # Imports fail here as on any machine without ROCm (stdout noise, KeyError), so the
    # rocm tests see the real broken install, not just a missing package.
    "amdsmi",
    "pytest>=8",
    "hatchling>=1.27",
]


# Every backend distribution of this repository, installed side by side from its wheel.
BACKENDS = ("hwcore-cpu", "hwcore-cuda", "hwcore-rocm", "hwcore-tpu", "hwcore-xpu")


@dataclass
class Environment:
    root: Path
    wheelhouse: Path
    constraints: str

    @property
    def python(self) -> str:
        return str(self.root / "bin" / "python")

    def run(
        self, *args: str, env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run the environment's python with ``args``, a clean environment plus ``env``."""
        base = {
            "PATH": f"{self.root / 'bin'}:{os.environ.get('PATH', '')}",
            "HOME": os.environ.get("HOME", "/tmp"),
        }
        process = subprocess.run(
            [self.python, *args],
            capture_output=True,
            text=True,
            env={**base, **(env or {})},
            timeout=600,
        )
        if check and process.returncode != 0:
            raise AssertionError(
                f"{args} exited {process.returncode}\nstdout:\n{process.stdout}\nstderr:\n{process.stderr}"
            )
        return process

    def hwcore(
        self, *args: str, env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "hwcore", *args, env=env, check=check)

    def hwcore_json(self, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
        process = self.hwcore(*args, "--json", env=env, check=False)
        return json.loads(process.stdout)  # type: ignore[no-any-return]

    def pip(self, *args: str) -> None:
        self.run("-m", "pip", "--disable-pip-version-check", "-q", *args)

    def install_project(self, directory: Path) -> None:
        """Build and install a small distribution written by a test."""
        self.pip("install", "--no-build-isolation", "--no-deps", "--no-index", str(directory))

    def uninstall(self, *distributions: str) -> None:
        self.pip("uninstall", "-y", *distributions)

    def wheel(self, distribution: str) -> str:
        prefix = distribution.replace("-", "_") + "-"
        matches = sorted(self.wheelhouse.glob(f"{prefix}*.whl"))
        assert matches, f"no wheel for {distribution} in {self.wheelhouse}"
        return str(matches[-1])


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Environment:
    wheelhouse = os.environ.get("HWCORE_WHEELHOUSE")
    if not wheelhouse:
        pytest.skip("HWCORE_WHEELHOUSE is not set: run these through `nox -s dist`")
    root = tmp_path_factory.mktemp("venv")
    venv.create(root, with_pip=True)
    environment = Environment(root, Path(wheelhouse), os.environ["HWCORE_CONSTRAINTS"])
    environment.pip("install", "-c", environment.constraints, *THIRD_PARTY)
    wheels = [environment.wheel(name) for name in ("hwcore", *BACKENDS)]
    environment.pip("install", "--no-index", "--no-deps", *wheels)
    return environment


def _write_project(
    root: Path, distribution: str, module: str, source: str, entry_points: dict[str, str]
) -> Path:
    """A minimal hatchling project with one module and the given entry points."""
    project = root / distribution
    (project / module).mkdir(parents=True)
    (project / module / "__init__.py").write_text(textwrap.dedent(source))
    groups = "\n".join(
        f'[project.entry-points."{group}"]\n{line}' for group, line in entry_points.items()
    )
    (project / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "{distribution}"
        version = "0.9.0"
        dependencies = ["hwcore"]

        """)
        + groups
        + "\n"
    )
    return project


@pytest.fixture
def write_project():
    """``write_project(root, distribution, module, source, entry_points) -> Path``."""
    return _write_project


ACCELERATOR = """
from hwcore.plugin_api import DeviceInfo, PlatformInfo, hookimpl

HWCORE_CONTRACT_VERSION = "2.0"

@hookimpl
def detect_platform():
    return PlatformInfo(name="{name}", device_name="{name}", device_type="cpu",
                        dispatch_key="CPU", dist_backend="gloo",
                        devices=tuple(DeviceInfo(i, i, "{name} chip " + str(i)) for i in range(4)),
                        evidence=("{evidence}",))
"""


@pytest.fixture
def accelerator(installed: Environment, tmp_path: Path) -> Iterator[str]:
    """Install ``hwcore-acme``, an always-present accelerator built inside the test."""
    source = ACCELERATOR.format(name="acme", evidence="4 ACME chips on the test bus")
    installed.install_project(
        _write_project(
            tmp_path,
            "hwcore-acme",
            "hwcore_acme",
            source,
            {"hwcore.platforms": 'acme = "hwcore_acme"'},
        )
    )
    yield "hwcore-acme"
    installed.uninstall("hwcore-acme")


@pytest.fixture
def second_accelerator(installed: Environment, tmp_path: Path) -> Iterator[str]:
    source = ACCELERATOR.format(name="zeta", evidence="2 ZETA cards on PCI")
    installed.install_project(
        _write_project(
            tmp_path,
            "hwcore-zeta",
            "hwcore_zeta",
            source,
            {"hwcore.platforms": 'zeta = "hwcore_zeta"'},
        )
    )
    yield "hwcore-zeta"
    installed.uninstall("hwcore-zeta")


@pytest.fixture
def simulated(installed: Environment) -> Iterator[dict[str, str]]:
    """The tutorial's simulated accelerator, installed from its built wheel; yields the
    environment variables that make it present."""
    installed.pip("install", "--no-index", "--no-deps", installed.wheel("hwcore-simulated"))
    yield {"HWCORE_SIMULATED_DEVICES": "2"}
    installed.uninstall("hwcore-simulated")
