"""Process start-up cost of hwcore: a whole `hwcore info --json` against `python -c pass`.

All commands run interleaved in one loop, so machine noise hits them alike; the figures
that matter are differences of medians:

* hwcore's overhead over `python -c pass`, with hwcore-cpu installed (budget: 80 ms), and
  with hwcore-cpu plus hwcore-cuda on a machine without NVML (reported);
* the floor: importing the modules hwcore cannot start without (pluggy and the standard
  library modules it and the CLI need: dataclasses, argparse, json, threading), so the
  part of the overhead that is hwcore's own code is visible on any machine.

For scale: importing vLLM's platform layer takes about 4-5 s on this kind of machine.

By default the script measures what a user gets: it builds the hwcore, hwcore-cpu and
hwcore-cuda wheels and installs them into two fresh virtual environments (one with
hwcore-cpu, one with both); their other dependencies come from the package index.
``--python`` measures one existing interpreter instead.

    python benchmarks/startup.py [--repeats 30] [--quick] [--python PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).parents[1]
RESULTS = Path(__file__).parent / "results"
BUDGET_MS = 80.0
FLOOR_IMPORTS = "import pluggy, dataclasses, argparse, json, threading"


def time_command(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def build_wheels(folder: Path) -> dict[str, Path]:
    """The hwcore, hwcore-cpu and hwcore-cuda wheels, by distribution name."""
    wheels = folder / "wheels"
    sources = [ROOT, ROOT / "plugins" / "cpu", ROOT / "plugins" / "cuda"]
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), *map(str, sources)], check=True)
    return {path.name.split("-")[0].replace("_", "-"): path for path in wheels.glob("*.whl")}


def fresh_environment(folder: Path, wheels: list[Path]) -> str:
    """A virtual environment with ``wheels`` (and their dependencies) installed; its python."""
    venv.create(folder, with_pip=True)
    python = str(folder / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "--disable-pip-version-check", "-q", "install", *map(str, wheels)],
        check=True,
    )
    return python


def platform_plugins(python: str) -> list[str]:
    code = (
        "from hwcore.host.discovery import scan_entry_points as s; "
        "print(' '.join(c.name for c in s() if c.group == 'hwcore.platforms'))"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="5 repeats, for a smoke run")
    parser.add_argument("--python", help="measure this interpreter instead of fresh venvs")
    args = parser.parse_args()
    repeats = 5 if args.quick else args.repeats
    if args.python:
        return report(measure({"given": args.python}, repeats), repeats)
    with tempfile.TemporaryDirectory() as folder:
        wheels = build_wheels(Path(folder))
        core_and_cpu = [wheels["hwcore"], wheels["hwcore-cpu"]]
        pythons = {
            "cpu": fresh_environment(Path(folder) / "cpu", core_and_cpu),
            "cpu+cuda": fresh_environment(
                Path(folder) / "cpu-cuda", [*core_and_cpu, wheels["hwcore-cuda"]]
            ),
        }
        return report(measure(pythons, repeats), repeats)


def measure(pythons: dict[str, str], repeats: int) -> dict[str, object]:
    first = next(iter(pythons.values()))
    commands = {
        "python -c pass": [first, "-c", "pass"],
        "floor imports": [first, "-c", FLOOR_IMPORTS],
        **{
            f"hwcore info --json ({name})": [python, "-m", "hwcore", "info", "--json"]
            for name, python in pythons.items()
        },
    }
    for command in commands.values():  # warm the page cache and the bytecode caches
        time_command(command)
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(repeats):
        for label, command in commands.items():
            times[label].append(time_command(command))
    medians = {label: round(statistics.median(values), 2) for label, values in times.items()}
    baseline, floor = medians["python -c pass"], medians["floor imports"]
    installs = {
        name: {
            "platform_plugins_installed": platform_plugins(python),
            "hwcore_info_json_ms_median": medians[f"hwcore info --json ({name})"],
            "overhead_ms": round(medians[f"hwcore info --json ({name})"] - baseline, 2),
            "own_code_ms": round(medians[f"hwcore info --json ({name})"] - floor, 2),
        }
        for name, python in pythons.items()
    }
    return {
        "benchmark": "startup",
        "repeats": repeats,
        "python_pass_ms_median": baseline,
        "floor_imports": FLOOR_IMPORTS,
        "floor_ms_median": floor,
        "floor_overhead_ms": round(floor - baseline, 2),
        "installs": installs,
        "budget_ms": BUDGET_MS,
        "within_budget": installs[next(iter(installs))]["overhead_ms"] < BUDGET_MS,
    }


def report(result: dict[str, object], repeats: int) -> int:
    installs = result["installs"]
    assert isinstance(installs, dict)
    print(f"medians of {repeats} interleaved runs")
    print(f"python -c pass                   {result['python_pass_ms_median']:8.2f} ms")
    print(
        f"floor ({FLOOR_IMPORTS.removeprefix('import ')})"
        f"\n                                 {result['floor_ms_median']:8.2f} ms"
        f"   (+{result['floor_overhead_ms']:.2f} ms over pass)"
    )
    for index, (name, install) in enumerate(installs.items()):
        plugins = ", ".join(install["platform_plugins_installed"]) or "none"
        budget = f", budget {BUDGET_MS:.0f} ms" if index == 0 else ""
        print(
            f"hwcore info --json, {name:<12} {install['hwcore_info_json_ms_median']:8.2f} ms"
            f"   overhead {install['overhead_ms']:.2f} ms{budget}; hwcore's own code "
            f"{install['own_code_ms']:.2f} ms over the floor (platform plugins: {plugins})"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS / 'startup.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
