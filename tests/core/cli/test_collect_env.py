"""``hwcore collect-env``: a complete report on a normal host, and on broken ones, exit 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import hwcore
import hwcore_cpu.plugin
from hwcore.cli.collect_env import TITLES, VISIBILITY_VARIABLES, guarded
from hwcore.cli.main import main
from hwcore.host import Candidate, Host, install_host
from hwcore.records import DeviceInfo, PlatformAbsent, PlatformInfo

SECTIONS = ["hwcore", "python", "packages", "plugins", "environment", "detection", "platform",
            "warnings"]


class Acme:
    HWCORE_CONTRACT_VERSION = "2.0"

    @hwcore.hookimpl
    def detect_platform(self):
        return PlatformInfo(
            name="acme", device_name="acme", device_type="cpu", dispatch_key="CPU",
            dist_backend="gloo", devices=(DeviceInfo(0, 0, "ACME One"),),
            evidence=("1 ACME chip on the test bus",),
            device_control_env_var="ACME_VISIBLE_DEVICES",
            additional_env_vars=("ACME_FIRMWARE_PATH",),
            details=(("driver version", "7.1.4"),),
        )


class Absent:
    HWCORE_CONTRACT_VERSION = "2.0"

    @hwcore.hookimpl
    def detect_platform(self):
        return PlatformAbsent("no /dev/zeta* device nodes")


def candidate(name: str, load: Callable[[], object]) -> Candidate:
    return Candidate(name, "hwcore.platforms", f"{name}_plugin", f"hwcore-{name}", "1.0", load)


CPU = Candidate("cpu", "hwcore.platforms", "hwcore_cpu.plugin", "hwcore-cpu", "0.1.0",
                lambda: hwcore_cpu.plugin)


def install(*candidates: Candidate) -> None:
    install_host(Host(discover=lambda: list(candidates), environ={}))


@pytest.fixture(autouse=True)
def _reset():
    yield
    hwcore.reset()


def collect_json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["collect-env", "--json"]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert list(document) == ["schema_version", "ok", *SECTIONS]
    assert document["ok"] is True
    return document


def test_a_normal_host_reports_every_section(capsys, monkeypatch):
    monkeypatch.setenv("HWCORE_CPU_KVCACHE_SPACE", "1GiB")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    install(CPU)
    report = collect_json(capsys)
    assert report["hwcore"]["version"] == hwcore.__version__
    assert report["hwcore"]["contract"] == hwcore.CONTRACT_VERSION
    assert report["python"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert report["packages"]["versions"]["pluggy"] is not None
    assert report["packages"]["versions"]["torch"].startswith("2.13.0")
    assert report["packages"]["torch_build"]["cuda"] is None
    assert {"distribution": "hwcore-cpu", "version": "0.1.0",
            "entry_points": ["platform cpu"]} in report["plugins"]
    environment = report["environment"]
    assert environment["HWCORE_CPU_KVCACHE_SPACE"] == "1GiB"
    assert environment["CUDA_VISIBLE_DEVICES"] == "0,1"
    assert set(VISIBILITY_VARIABLES) <= set(environment)
    assert report["detection"]["report"]["active"] == "cpu"
    assert list(report["detection"]["present"]) == ["cpu"]
    assert report["platform"]["platform"]["name"] == "cpu"
    assert report["platform"]["devices"][0]["index"] == 0
    assert report["warnings"] == []


def test_a_detected_platform_adds_its_own_variables_and_facts(capsys, monkeypatch):
    monkeypatch.setenv("ACME_VISIBLE_DEVICES", "3")
    install(candidate("acme", Acme))
    report = collect_json(capsys)
    assert report["environment"]["ACME_VISIBLE_DEVICES"] == "3"
    assert report["environment"]["ACME_FIRMWARE_PATH"] is None
    assert report["detection"]["present"]["acme"]["details"] == {"driver version": "7.1.4"}


def test_no_platform_is_the_platform_sections_error_and_exit_0(capsys):
    install(candidate("zeta", Absent))
    report = collect_json(capsys)
    error = report["platform"]["error"]
    assert error["type"] == "NoPlatformError"
    assert error["message"].startswith(
        "No hwcore platform detected its hardware, and no host-CPU fallback is installed."
    )
    assert error["traceback"] is None  # the message is the diagnosis
    assert report["detection"]["report"]["detections"][0]["reason"] == (
        "no /dev/zeta* device nodes"
    )


def _broken() -> object:
    raise ImportError("libacme.so.3: cannot open shared object file")


def test_a_broken_plugin_is_reported_and_the_rest_still_runs(capsys):
    install(CPU, candidate("broken", _broken))
    report = collect_json(capsys)
    records = {r["name"]: r for r in report["detection"]["report"]["plugins"]}
    assert records["broken"]["status"] == "failed"
    assert "libacme.so.3" in records["broken"]["error"]
    assert report["platform"]["platform"]["name"] == "cpu"
    assert any("'broken'" in warning for warning in report["warnings"])
    assert capsys.readouterr().err == ""  # the warnings are in the report, not twice


def _exits() -> object:
    sys.exit(3)


def test_a_plugin_that_exits_the_process_is_a_section_error(capsys):
    install(CPU, candidate("exits", _exits))
    report = collect_json(capsys)
    for section in ("detection", "platform"):
        error = report[section]["error"]
        assert (error["type"], error["message"]) == ("SystemExit", "3")
        assert "in _exits" in error["traceback"]


def test_an_unexpected_failure_keeps_its_traceback_in_the_text(capsys):
    def discover() -> list[Candidate]:
        raise KeyError("Name")

    install_host(Host(discover=discover, environ={}))
    assert main(["collect-env"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("hwcore collect-env: paste everything below into your bug report\n")
    headings = [line[3:] for line in out.splitlines() if line.startswith("## ")]
    assert headings == list(TITLES.values())
    platform = out.split("## Active platform\n")[1].split("\n\n")[0].splitlines()
    assert platform[0] == "  error: KeyError: 'Name'"
    assert platform[1] == "    Traceback (most recent call last):"
    assert "raise KeyError" in out


def test_the_text_report_on_a_normal_host(capsys, monkeypatch):
    monkeypatch.setenv("HWCORE_PLATFORM", "acme")
    install(candidate("acme", Acme), candidate("zeta", Absent))
    assert main(["collect-env"]) == 0
    out = capsys.readouterr().out
    blocks = dict(block.split("\n", 1) for block in out.rstrip("\n").split("\n\n")[1:])
    assert blocks["## hwcore"].startswith(f"  version   {hwcore.__version__} (hook contract ")
    assert "  HWCORE_PLATFORM=acme" in blocks["## Environment"].splitlines()
    assert blocks["## Environment"].splitlines()[-1].startswith("  unset: ")
    assert "decision: acme: the only accelerator detected" in blocks["## Detection"]
    assert blocks["## Active platform"].startswith("  Platform: acme (hwcore-acme 1.0)")
    assert "    driver version    7.1.4" in blocks["## Active platform"].splitlines()
    assert blocks["## Warnings"] == "  (none)"
    packages = dict(line.split(None, 1) for line in blocks["## Packages"].splitlines()
                    if not line.startswith("  torch build"))
    assert packages["libtpu"] == "not installed"


def test_guarded_returns_the_value_or_the_error() -> None:
    assert guarded(lambda: {"a": 1}) == {"a": 1}
    assert guarded(lambda: 1 / 0)["error"]["type"] == "ZeroDivisionError"


def test_it_imports_no_torch_and_no_vendor_library() -> None:
    """Only detection may import a vendor library (hwcore-cuda's uses pynvml); with the CPU
    plugin alone, nothing heavy is imported at all."""
    code = (
        "import sys\n"
        "from hwcore.cli.main import main\n"
        "assert main(['collect-env', '--json']) == 0\n"
        "heavy = {'torch', 'pynvml', 'amdsmi', 'pyzes', 'libtpu', 'jax', 'tpu_inference'}\n"
        "print(sorted(heavy & set(sys.modules)), file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWCORE_")}
    env["HWCORE_PLUGINS"] = "cpu"
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, timeout=120, check=False)
    assert process.returncode == 0, process.stderr
    assert process.stderr.splitlines()[-1] == "[]"
