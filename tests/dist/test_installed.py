"""Smoke tests of the built wheels in a fresh virtual environment: real entry-point discovery."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.dist

NO_TORCH = (
    "import sys, hwcore; platform = hwcore.current_platform(); "
    "platform.devices(); hwcore.get_plugin_manager().hook.check_max_model_len(max_model_len=8); "
    "print(platform.name, 'torch' in sys.modules)"
)


def test_import_and_resolution_leave_torch_out(installed):
    assert installed.run("-c", NO_TORCH).stdout.split() == ["cpu", "False"]


def test_info_tells_the_truth_about_this_machine(installed):
    info = installed.hwcore_json("info")
    assert info["ok"] is True
    platform = info["platform"]
    assert (platform["name"], platform["is_fallback"], platform["dist_backend"]) == (
        "cpu",
        True,
        "gloo",
    )
    assert platform["provider"].startswith("hwcore-cpu ")
    assert len(info["devices"]) == platform["device_count"] >= 1
    assert info["devices"][0]["total_memory"] > 0


def test_plugins_lists_every_installed_distribution(installed):
    listing = installed.hwcore_json("plugins")
    rows = {p["name"]: (p["distribution"], p["status"]) for p in listing["plugins"]}
    assert rows["cpu"] == ("hwcore-cpu", "active")
    assert rows["cuda"] == ("hwcore-cuda", "inactive")
    assert listing["active"] == "cpu"


def test_explain_says_why_cuda_was_skipped(installed):
    report = installed.hwcore_json("explain")["detection"]
    cuda = next(d for d in report["detections"] if d["plugin"] == "cuda")
    assert cuda["present"] is False
    assert "NVML" in cuda["reason"]
    assert report["decision"] == "cpu: fallback, no accelerator platform detected its hardware"


def test_an_installed_accelerator_wins_and_cpu_steps_aside(installed, accelerator):
    info = installed.hwcore_json("info")
    assert info["platform"]["name"] == "acme"
    assert [d["name"] for d in info["devices"]] == [f"acme chip {i}" for i in range(4)]
    forced = installed.hwcore_json("info", env={"HWCORE_PLATFORM": "cpu"})
    assert forced["platform"]["name"] == "cpu"


def test_two_accelerators_are_one_error_naming_both_and_the_override(
    installed, accelerator, second_accelerator
):
    process = installed.hwcore("info", check=False)
    assert process.returncode == 1
    assert process.stderr.splitlines()[:4] == [
        "hwcore: error: 2 accelerator platforms detected their hardware, and hwcore runs on exactly one:",
        "  - acme from hwcore-acme 0.9.0: 4 ACME chips on the test bus",
        "  - zeta from hwcore-zeta 0.9.0: 2 ZETA cards on PCI",
        "Choose one with HWCORE_PLATFORM, e.g. HWCORE_PLATFORM=acme, or uninstall the "
        "distributions you do not need.",
    ]
    assert "Traceback" not in process.stderr
    resolved = installed.hwcore_json("info", env={"HWCORE_PLATFORM": "zeta"})
    assert resolved["platform"]["name"] == "zeta"


def test_a_broken_plugin_distribution_is_reported_and_others_keep_working(
    installed, tmp_path, write_project
):
    project = write_project(
        tmp_path,
        "hwcore-broken",
        "hwcore_broken",
        "import a_vendor_sdk_that_is_not_installed\n",
        {"hwcore.platforms": 'broken = "hwcore_broken"'},
    )
    installed.install_project(project)
    try:
        listing = installed.hwcore_json("plugins")
        broken = next(p for p in listing["plugins"] if p["name"] == "broken")
        assert broken["status"] == "failed"
        assert broken["error"] == (
            "importing hwcore_broken raised ModuleNotFoundError: No module named "
            "'a_vendor_sdk_that_is_not_installed'"
        )
        process = installed.hwcore("info", check=False)
        assert process.returncode == 0
        assert "hwcore plugin 'broken' from hwcore-broken 0.9.0 was skipped" in process.stderr
        forced = installed.hwcore("info", env={"HWCORE_PLATFORM": "broken"}, check=False)
        assert forced.returncode == 1
        assert forced.stderr.startswith(
            "hwcore: error: HWCORE_PLATFORM=broken forces platform 'broken' from hwcore-broken "
            "0.9.0, which cannot be used: importing hwcore_broken raised ModuleNotFoundError"
        )
    finally:
        installed.uninstall("hwcore-broken")


def test_allowlist_and_override_through_the_environment(installed, accelerator):
    only_cpu = installed.hwcore_json("plugins", env={"HWCORE_PLUGINS": "cpu"})
    statuses = {p["name"]: p["status"] for p in only_cpu["plugins"]}
    assert statuses == {
        "acme": "excluded", "cpu": "active", "cuda": "excluded", "rocm": "excluded",
        "tpu": "excluded", "xpu": "excluded",
    }
    typo = installed.hwcore("info", env={"HWCORE_PLUGINS": "cpu,acmee"}, check=False)
    assert (
        "HWCORE_PLUGINS names acmee, which matches no installed hwcore plugin (installed: acme, "
        "cpu, cuda, rocm, tpu, xpu)" in typo.stderr
    )
    empty = installed.hwcore("info", env={"HWCORE_PLATFORM": ""}, check=False)
    assert empty.returncode == 1
    assert empty.stderr.startswith("hwcore: error: HWCORE_PLATFORM is set but empty.")
    missing = installed.hwcore("info", env={"HWCORE_PLATFORM": "npu"}, check=False)
    assert missing.stderr.startswith(
        "hwcore: error: HWCORE_PLATFORM=npu names no installed platform plugin (installed: acme, "
        "cpu, cuda, rocm, tpu, xpu)."
    )


def test_console_script_and_module_agree(installed):
    script = os.path.join(os.path.dirname(installed.python), "hwcore")
    via_script = subprocess.run(
        [script, "plugins", "--json"], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(via_script.stdout) == installed.hwcore_json("plugins")


NATIVE_COPY = """
import torch
from hwcore.memory import copy_blocks
from hwcore.memory.native import host_copy_engine
src = torch.arange(128 * 16384, dtype=torch.int32).view(128, 16384)
dst = torch.zeros_like(src)
sources, targets = torch.randperm(128)[:100], torch.randperm(128)[:100]
copy_blocks(src, dst, sources, targets)
print(host_copy_engine())
print(torch.equal(dst[targets], src[sources]))
"""


def _wheel_tags(wheel: str) -> list[str]:
    """The ``Tag:`` lines of the wheel's WHEEL file."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/WHEEL"))
        lines = archive.read(name).decode().splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.startswith("Tag:")]


def test_the_core_wheel_ships_the_native_copy_loop_under_a_publishable_tag(installed):
    wheel = installed.wheel("hwcore")
    # The library is machine code loaded with ctypes: any Python 3 ABI, one platform,
    # which auditwheel repair (nox -s dist) turned from linux_* into manylinux_*.
    python, abi, platforms = os.path.basename(wheel)[: -len(".whl")].split("-")[2:]
    assert (python, abi) == ("py3", "none"), wheel
    assert platforms.split(".") and all(
        tag.startswith("manylinux") for tag in platforms.split(".")
    ), wheel
    assert all(tag.startswith("py3-none-manylinux") for tag in _wheel_tags(wheel))
    assert "hwcore/memory/_hostcopy.so" in zipfile.ZipFile(wheel).namelist()
    shown = subprocess.run(
        [sys.executable, "-m", "auditwheel", "show", wheel], capture_output=True, text=True,
        check=True, timeout=120,
    ).stdout
    verdict = " ".join(shown.split())
    assert f"{os.path.basename(wheel)} is consistent with the following platform tag: " \
        '"manylinux_' in verdict, shown
    assert installed.run("-c", NATIVE_COPY).stdout.splitlines() == [
        "native copy loop (_hostcopy.so) on torch's OpenMP threads",
        "True",
    ]


def test_without_the_copy_loop_the_core_wheel_stays_pure(tmp_path):
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path),
         str(root)],
        env={**os.environ, "HWCORE_BUILD_NATIVE": "skip"}, capture_output=True, check=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("hwcore-*.whl")
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name
    assert _wheel_tags(str(wheel)) == ["py3-none-any"]
    assert "hwcore/memory/_hostcopy.so" not in zipfile.ZipFile(wheel).namelist()


def test_version_and_collect_env_with_a_broken_plugin_installed(installed, tmp_path, write_project):
    project = write_project(
        tmp_path, "hwcore-broken", "hwcore_broken", "raise RuntimeError('vendor SDK missing')\n",
        {"hwcore.platforms": 'broken = "hwcore_broken"'},
    )
    installed.install_project(project)
    try:
        version = installed.hwcore("--version").stdout.splitlines()
        assert version[0] == "hwcore 0.1.0 (hook contract 2.0)"
        assert "hwcore-broken 0.9.0: platform broken" in version
        backends = ("hwcore-cpu", "hwcore-cuda", "hwcore-rocm", "hwcore-tpu", "hwcore-xpu")
        assert all(any(line.startswith(f"{name} ") for line in version) for name in backends)
        report = installed.hwcore_json("collect-env")
        assert report["ok"] is True
        assert report["platform"]["platform"]["name"] == "cpu"
        records = {r["name"]: r for r in report["detection"]["report"]["plugins"]}
        assert records["broken"]["status"] == "failed"
        assert "RuntimeError: vendor SDK missing" in records["broken"]["error"]
        assert report["packages"]["versions"]["torch"].startswith("2.13.0")
        assert report["packages"]["versions"]["amdsmi"] is not None  # metadata, no import
        text = installed.hwcore("collect-env")
        assert "## Active platform\n  Platform: cpu (hwcore-cpu " in text.stdout
    finally:
        installed.uninstall("hwcore-broken")
