"""``hwcore info``, ``plugins`` and ``explain`` in-process, over a host built by the test."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import hwcore
from hwcore.cli.main import main
from hwcore.host import Candidate, Host, install_host
from hwcore.records import DeviceCapability, DeviceInfo, PlatformAbsent, PlatformInfo

ACME_ONE = DeviceInfo(
    index=0, physical_index=0, name="ACME One", capability=DeviceCapability(3, 0),
    total_memory=8 * 2**30, details=(("clock", "1.2 GHz"),),
)


class Acme:
    HWCORE_CONTRACT_VERSION = "2.0"

    @hwcore.hookimpl
    def detect_platform(self):
        return PlatformInfo(
            name="acme",
            device_name="acme",
            device_type="acme",
            dispatch_key="PrivateUse1",
            dist_backend="gloo",
            devices=(ACME_ONE,),
            evidence=("1 ACME chip on the test bus",),
            ray_device_key="ACME",
            supports_fp8=True,
            pin_memory=True,
            details=(("firmware", "7.1"),),
        )


class Absent:
    HWCORE_CONTRACT_VERSION = "2.0"

    @hwcore.hookimpl
    def detect_platform(self):
        return PlatformAbsent("no /dev/zeta* device nodes")


def host_with(*plugins: tuple[str, object], environ=None) -> None:
    candidates = [
        Candidate(
            name, "hwcore.platforms", f"{name}_plugin", f"hwcore-{name}", "1.0", (lambda p=p: p)
        )
        for name, p in plugins
    ]
    install_host(Host(discover=lambda: candidates, environ=environ or {}))


@pytest.fixture(autouse=True)
def _reset():
    yield
    hwcore.reset()


def run_json(capsys, *argv):
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_info_text(capsys):
    host_with(("acme", Acme()), ("zeta", Absent()))
    assert main(["info"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Platform: acme (hwcore-acme 1.0)",
        "  device type       acme (dispatch key PrivateUse1)",
        "  distributed       gloo, Ray resource 'ACME'",
        "  visibility        -",
        "  dtypes            bfloat16, float16, float32",
        "  fp8               yes (float8_e4m3fn)",
        "  pinned memory     yes",
        "  links             -; custom all-reduce no",
        "  detected because  1 ACME chip on the test bus",
        "  firmware          7.1",
        "Devices (1):",
        "  [0] ACME One, 8.0 GiB, capability 3.0, uuid unknown, clock 1.2 GHz",
    ]


def test_info_json(capsys):
    host_with(("acme", Acme()))
    code, data = run_json(capsys, "info")
    assert code == 0
    assert data["schema_version"] == 2 and data["ok"] is True
    assert data["platform"]["name"] == "acme" and data["platform"]["provider"] == "hwcore-acme 1.0"
    assert data["devices"] == [ACME_ONE.to_dict()]
    assert data["devices"][0]["uuid"] is None
    assert data["platform"]["supports_fp8"] is True
    assert data["platform"]["device_count"] == 1


def test_plugins_json_lists_every_plugin(capsys):
    host_with(("acme", Acme()), ("zeta", Absent()))
    code, data = run_json(capsys, "plugins")
    assert code == 0
    assert [
        (p["name"], p["distribution"], p["version"], p["status"], p["error"])
        for p in data["plugins"]
    ] == [
        ("acme", "hwcore-acme", "1.0", "active", None),
        ("zeta", "hwcore-zeta", "1.0", "inactive", None),
    ]


def test_explain_shows_why_each_platform_was_or_was_not_chosen(capsys):
    host_with(("acme", Acme()), ("zeta", Absent()))
    code, data = run_json(capsys, "explain")
    detections = {
        d["plugin"]: (d["present"], d["evidence"], d["reason"])
        for d in data["detection"]["detections"]
    }
    assert code == 0
    assert detections == {
        "acme": (True, ["1 ACME chip on the test bus"], None),
        "zeta": (False, [], "no /dev/zeta* device nodes"),
    }
    assert (
        data["detection"]["decision"]
        == "acme: the only accelerator detected (1 ACME chip on the test bus)"
    )


def test_failure_is_a_message_and_exit_1_not_a_traceback(capsys):
    host_with(("zeta", Absent()))
    assert main(["info"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "hwcore: error: No hwcore platform detected its hardware, and no host-CPU fallback is installed.\n"
    )
    assert "Traceback" not in err
    assert "--debug" not in err  # the message is the diagnosis; a traceback adds nothing


def test_failure_with_json_is_one_document(capsys):
    host_with(("zeta", Absent()))
    code, data = run_json(capsys, "explain")
    assert code == 1
    assert data["ok"] is False and data["error"]["type"] == "NoPlatformError"


def test_debug_shows_the_traceback(capsys):
    host_with(("zeta", Absent()))
    assert main(["info", "--debug"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_python_dash_m_hwcore_prints_help():
    process = subprocess.run(
        [sys.executable, "-m", "hwcore", "--help"], capture_output=True, text=True
    )
    assert process.returncode == 0
    assert "info" in process.stdout and "explain" in process.stdout and "check" in process.stdout


MISBEHAVING = '''
import os, time
from hwcore.plugin_api import PlatformAbsent, hookimpl

HWCORE_CONTRACT_VERSION = "2.0"

@hookimpl
def detect_platform():
    {body}
    return PlatformAbsent("never present")
'''


@pytest.mark.parametrize(
    ("name", "body", "warning"),
    [
        ("chatty", 'print("scanning the bus")',
         "hwcore plugin 'chatty' from hwcore-chatty 0.1.0 printed during detection"),
        ("hangs", "time.sleep(30)",
         "hwcore plugin 'hangs' from hwcore-hangs 0.1.0 was skipped: detect_platform did not "
         "answer within 1 s (HWCORE_DETECT_TIMEOUT); hwcore went on without it."),
        ("meddles", 'os.environ["CUDA_VISIBLE_DEVICES"] = "7"',
         "hwcore plugin 'meddles' from hwcore-meddles 0.1.0 changed the environment during "
         "detection (added CUDA_VISIBLE_DEVICES='7')"),
    ],
)
def test_a_misbehaving_detector_leaves_info_json_whole_and_is_named(
    hwcore_fake_site, name, body, warning
):
    import os
    import time

    hwcore_fake_site.add_distribution(
        f"hwcore-{name}",
        entry_points={"hwcore.platforms": {name: f"hwcore_{name}"}},
        modules={f"hwcore_{name}.py": MISBEHAVING.format(body=body)},
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HWCORE_", "CUDA_"))}
    env.update(PYTHONPATH=hwcore_fake_site.pythonpath(), HWCORE_DETECT_TIMEOUT="1",
               HWCORE_PLUGINS=f"cpu,{name}")
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-m", "hwcore", "info", "--json"], capture_output=True, text=True,
        env=env, timeout=60,
    )
    elapsed = time.perf_counter() - started
    document = json.loads(process.stdout)  # stdout holds the JSON document alone
    assert process.returncode == 0, process.stderr
    assert document["platform"]["name"] == "cpu"
    assert any(message.startswith(warning) for message in document["host_warnings"]), document
    if name == "hangs":
        assert elapsed < 1 + 1 + 5  # the deadline, a second, and an interpreter's start-up


def test_plugins_says_why_a_plugin_is_excluded(capsys):
    host_with(("acme", Acme()), ("zeta", Absent()), environ={"HWCORE_PLUGINS": "acme"})
    assert main(["plugins"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == [
        "zeta         platform  hwcore-zeta 1.0              excluded",
        "             why: left out by HWCORE_PLUGINS='acme'",
    ]


def test_explain_prints_the_report_once_when_no_platform_is_left(capsys):
    host_with(("zeta", Absent()))
    assert main(["explain"]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("platform hwcore-zeta") == 1  # the report, printed once
    assert captured.err == (
        "hwcore: error: No hwcore platform detected its hardware, and no host-CPU fallback is "
        "installed.\n"
    )
