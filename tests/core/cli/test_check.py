"""``hwcore check`` with the CPU plugin: in process on a test host, and once as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

import hwcore
import hwcore_cpu.plugin
from hwcore.cli.main import main
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
    assert out.rstrip().splitlines()[-2].startswith("FAILED: 1 of 7 steps passed in ")


def test_num_blocks_must_be_even_and_at_least_8(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--num-blocks", "7"])
    assert "--num-blocks must be an even number >= 8, got 7" in capsys.readouterr().err


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
