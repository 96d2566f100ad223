"""Process start-up cost of hwcore: a whole `hwcore info --json` against `python -c pass`.

Both commands run interleaved in the same loop, so machine noise hits them alike; the
figure that matters is the difference of the medians (hwcore's own overhead), which must
stay under 80 ms with one platform plugin installed. For scale: importing vLLM's platform
layer takes about 4-5 s on this kind of machine.

By default the script measures what a user gets: it builds the hwcore and hwcore-cpu wheels
and installs them into a fresh virtual environment (a development environment with
editable installs and several plugins is slower and says less). ``--python`` measures an
existing interpreter instead.

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


def time_command(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def fresh_environment(folder: Path) -> str:
    """A virtual environment with the built hwcore and hwcore-cpu wheels; its python."""
    wheels = folder / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT), str(ROOT / "plugins" / "cpu")],
        check=True,
    )
    venv.create(folder / "venv", with_pip=True)
    python = str(folder / "venv" / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "-q", "install", *map(str, wheels.glob("*.whl"))], check=True
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
    parser.add_argument("--python", help="measure this interpreter instead of a fresh venv")
    args = parser.parse_args()
    repeats = 5 if args.quick else args.repeats
    with tempfile.TemporaryDirectory() as folder:
        python = args.python or fresh_environment(Path(folder))
        return measure(python, repeats)


def measure(python: str, repeats: int) -> int:
    baseline_cmd = [python, "-c", "pass"]
    hwcore_cmd = [python, "-m", "hwcore", "info", "--json"]
    for command in (baseline_cmd, hwcore_cmd):  # warm the page cache
        time_command(command)
    baseline, hwcore = [], []
    for _ in range(repeats):
        baseline.append(time_command(baseline_cmd))
        hwcore.append(time_command(hwcore_cmd))
    platforms = platform_plugins(python)
    result = {
        "benchmark": "startup",
        "repeats": repeats,
        "platform_plugins_installed": platforms,
        "python_pass_ms_median": round(statistics.median(baseline), 2),
        "hwcore_info_json_ms_median": round(statistics.median(hwcore), 2),
        "overhead_ms": round(statistics.median(hwcore) - statistics.median(baseline), 2),
        "budget_ms": BUDGET_MS,
    }
    result["within_budget"] = result["overhead_ms"] < BUDGET_MS
    print(f"platform plugins installed: {', '.join(platforms) or 'none'}")
    print(
        f"python -c pass            {result['python_pass_ms_median']:8.2f} ms (median of {repeats})"
    )
    median = result["hwcore_info_json_ms_median"]
    print(f"hwcore info --json        {median:8.2f} ms (median of {repeats})")
    print(f"hwcore overhead           {result['overhead_ms']:8.2f} ms (budget {BUDGET_MS:.0f} ms)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
