"""``hwcore check`` with the CPU plugin: in process on a test host, and once as a subprocess."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

import hwcore
import hwcore_cpu.plugin
from hwcore.cli.check import copy_directions
from hwcore.cli.main import main
from hwcore.cli.status_line import CLEAR_LINE
from hwcore.host import Candidate, Host, install_host

STEPS = ["platform", "config", "attention backend", "kv cache", "attention run", "swap out",
         "swap in"]


@pytest.fixture
def cpu_host() -> Iterator[Host]:
    candidate = Candidate("cpu", "hwcore.platforms", "hwcore_cpu.plugin", "hwcore-cpu", "0.1.0",
                          load=lambda: hwcore_cpu.plugin)
    host = Host(discover=lambda: [candidate], environ=os.environ)  # the test's environment
    install_host(host)
    yield host
    hwcore.reset()


def test_every_step_passes_on_the_cpu(
    cpu_host: Host, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--json", "--num-blocks", "64"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is True
    assert document["platform"] == "cpu"
    assert [step["name"] for step in document["steps"]] == STEPS
    assert all(step["status"] == "pass" for step in document["steps"])
    steps = {step["name"]: step for step in document["steps"]}
    assert steps["attention backend"]["details"]["name"] == "TORCH_SDPA"
    run = steps["attention run"]["details"]
    assert run["max_error"] <= run["tolerance"] == 3e-2
    assert steps["swap in"]["details"]["blocks"] == 32
    assert steps["swap out"]["details"]["bytes_per_second"] > 0
    engine = "native copy loop (_hostcopy.so) on torch's OpenMP threads"
    assert steps["swap out"]["details"]["host_copy_engine"] == engine
    assert steps["swap out"]["lines"] == [f"host copies: {engine}"]
    fields = {a["field"] for a in steps["config"]["details"]["adjustments"]}
    assert "cache.block_size" in fields


def test_text_report_names_each_step_and_the_verdict(
    cpu_host: Host, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--dtype", "float32", "--num-blocks", "16"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("hwcore check: run the active platform end to end\n")
    for step in STEPS:
        assert f"[PASS] {step}" in out
    assert "tolerance 1e-04 (float32) against a float32 dense reference" in out
    assert out.rstrip().splitlines()[-1].startswith("OK: 7 of 7 steps passed in ")


def test_a_failing_step_fails_the_command_and_skips_what_depends_on_it(
    cpu_host: Host, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--json", "--backend", "FLASH_ATTN"]) == 1
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert [step["status"] for step in steps] == ["pass", "pass", "fail", "skip", "skip", "skip",
                                                     "skip"]
    assert steps[2]["summary"].startswith("InvalidSelectedBackendError: Selected attention "
                                          "backend FLASH_ATTN cannot run this request")
    assert {step["summary"] for step in steps[3:]} == {"skipped: attention backend failed"}


def test_an_unusable_config_fails_the_config_step(
    cpu_host: Host, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HWCORE_CPU_KVCACHE_SPACE", "lots")
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert ("[FAIL] config" in out and
            "InvalidConfigError: HWCORE_CPU_KVCACHE_SPACE='lots' is not a usable KV-cache "
            "size: it is not a size." in out)
    assert "[SKIP] swap in" in out
    # The message is the diagnosis: no traceback to offer.
    assert out.rstrip().splitlines()[-1].startswith("FAILED: 1 of 7 steps passed in ")


def test_num_blocks_must_be_even_and_at_least_8(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--num-blocks", "7"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "hwcore: error: argument --num-blocks: must be an even number >= 8, got '7'"
    )


def test_a_step_that_raises_an_hwcore_error_is_its_own_diagnosis(
    cpu_host: Host, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--backend", "FLASH_ATTN"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] attention backend" in out
    assert "--debug" not in out


def test_a_step_that_raises_unexpectedly_points_to_debug(
    cpu_host: Host, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_backend(context: object) -> None:
        raise RuntimeError("the kernel library is missing a symbol")

    monkeypatch.setattr("hwcore.cli.check._run_attention", broken_backend)
    assert main(["check", "--num-blocks", "16"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any("[FAIL] attention run" in line and line.endswith(
        "RuntimeError: the kernel library is missing a symbol") for line in lines)
    assert lines[-1] == "Run again with --debug for the traceback of a step that raised."


def test_both_copy_rates_share_one_unit(
    cpu_host: Host, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    timings = iter([0.05, 0.0001])  # 512 KiB out in 50 ms (10 MiB/s), in at ~4.9 GiB/s

    def timed(context: object, work: Callable[[], object]) -> float:
        work()
        return next(timings)

    monkeypatch.setattr("hwcore.cli.check._timed", timed)
    assert main(["check", "--num-blocks", "16"]) == 0
    out = capsys.readouterr().out
    rates = re.findall(r"in (\S+) ms, (\S+ \S+/s); every byte verified", out)
    assert rates == [("50.00", "10.0 MiB/s"), ("0.10", "5000.0 MiB/s")]


def test_a_host_cpu_platform_names_its_copies_host_to_host(
    cpu_host: Host, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--json", "--num-blocks", "16"]) == 0
    steps = {step["name"]: step for step in json.loads(capsys.readouterr().out)["steps"]}
    assert steps["swap out"]["details"]["direction"] == (
        "KV cache -> host swap space (both in host memory)"
    )
    assert steps["swap in"]["details"]["direction"] == (
        "host swap space -> KV cache (both in host memory)"
    )
    assert "device" not in steps["swap out"]["summary"] + steps["swap in"]["summary"]


def test_an_accelerator_copies_between_device_and_host() -> None:
    assert copy_directions("cuda") == ("device -> host", "host -> device")
    assert copy_directions("cpu") == (
        "KV cache -> host swap space (both in host memory)",
        "host swap space -> KV cache (both in host memory)",
    )


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_what_each_step_is_waiting_for(
    cpu_host: Host, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["check", "--json", "--num-blocks", "16"]) == 0
    json.loads(capsys.readouterr().out)  # stdout is still the one document
    shown = [part for part in terminal.getvalue().split(CLEAR_LINE) if part]
    assert shown[:4] == [
        "[1/6] platform ...",
        "[1/6] platform: discovering and detecting platforms",
        "[2/6] config ...",
        "[3/6] attention backend ...",
    ]
    for status in ("[4/6] kv cache: importing torch", "[5/6] attention run: prefill batch",
                   "[5/6] attention run: decode batch", "[6/6] swap out: swap in"):
        assert status in shown
    assert terminal.getvalue().endswith(CLEAR_LINE)  # nothing left on the line


def test_the_text_report_streams_each_step_before_the_next_starts() -> None:
    """Each step line reaches the reader at least as long before the end as the steps after
    it took: printed all at the end, the first would arrive with the last."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWCORE_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "hwcore", "check", "--num-blocks", "16"],
        stdout=subprocess.PIPE, env={**env, "HWCORE_PLATFORM": "cpu"},
    )
    assert process.stdout is not None
    with process.stdout:
        arrivals = [(time.monotonic(), line.decode()) for line in process.stdout]
    assert process.wait(timeout=120) == 0
    end = arrivals[-1][0]
    steps = [(at, re.match(r"\[PASS\] (.+?) +(\S+) ms", line)) for at, line in arrivals]
    steps = [(at, match[1], float(match[2]) / 1000) for at, match in steps if match]
    assert [name for _, name, _ in steps] == STEPS
    for position, (at, name, _) in enumerate(steps[:5]):  # swap out and in print together
        later = sum(seconds for _, _, seconds in steps[position + 1:])
        assert end - at >= later * 0.9, (name, end - at, later)
    assert end - steps[0][0] > 0.2  # the later steps import torch: this test measures


def test_as_a_subprocess_with_the_installed_plugins() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hwcore", "check", "--json", "--num-blocks", "32"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert document["platform"] == "cpu"
    assert [step["status"] for step in document["steps"]] == ["pass"] * 7
