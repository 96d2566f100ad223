"""The built hwcore-xpu wheel beside the other backends, over fake sysfs trees and on this
machine, which has no Intel GPU."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.dist

ROOT = Path(__file__).parents[2]
GIB = 1 << 30
MAX1550 = "Intel(R) Data Center GPU Max 1550"


def _fake_nodes():
    path = ROOT / "tests" / "plugins" / "xpu" / "fake_pyzes" / "hwcore_fake_xpu.py"
    spec = importlib.util.spec_from_file_location("hwcore_fake_xpu", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["hwcore_fake_xpu"] = module
    spec.loader.exec_module(module)
    return module


fake = _fake_nodes()


@pytest.fixture
def node(tmp_path):
    """``node("Max1550")``: the environment that points detection at that node's sysfs."""

    trees = itertools.count()

    def build(spec, **environ):
        root = fake.write_sysfs(tmp_path / f"{spec}-{next(trees)}", fake.gpus(spec))
        return {"HWCORE_SYSFS_ROOT": str(root), **environ}

    return build


def test_a_max_1550_node_activates_xpu_without_torch(installed, node):
    env = node("Max1550")
    info = installed.hwcore_json("info", env=env)
    assert info["platform"]["name"] == "xpu"
    assert info["platform"]["provider"] == "hwcore-xpu 0.1.0"
    devices = info["devices"]
    assert [d["name"] for d in devices] == [MAX1550, MAX1550]  # FLAT: one device per tile
    assert [d["total_memory"] for d in devices] == [64 * GIB, 64 * GIB]
    assert {d["details"]["class"] for d in devices} == {"data-center"}
    assert info["platform"]["supported_dtypes"] == ["bfloat16", "float16", "float32"]
    no_torch = installed.run(
        "-c", "import sys; from hwcore.cli.main import main; main(['info', '--json']);"
        "print('torch' in sys.modules)", env=env,
    )
    assert no_torch.stdout.strip().splitlines()[-1] == "False"


def test_one_tile_in_each_hierarchy(installed, node):
    flat = installed.hwcore_json("info", env=node("Max1550", ZE_AFFINITY_MASK="1"))
    composite = installed.hwcore_json("info", env=node(
        "Max1550", ZE_FLAT_DEVICE_HIERARCHY="COMPOSITE", ZE_AFFINITY_MASK="0.1"))
    for info in (flat, composite):
        (device,) = info["devices"]
        assert device["total_memory"] == 64 * GIB
        assert device["details"]["tiles"] == "1 of 2 (card.tile 0.1)"


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        ("0.1", "ZE_AFFINITY_MASK='0.1': entry '0.1' names tile 1 of card 0, but in the FLAT "
         "hierarchy every tile is a device of its own and Level Zero ignores card.tile entries "
         "(hiding the device); write 1 for that tile, or set ZE_FLAT_DEVICE_HIERARCHY=COMPOSITE "
         "to address tiles as card.tile"),
        ("0,,1", "ZE_AFFINITY_MASK='0,,1': an empty entry is not a device index; write "
         "comma-separated indices such as ZE_AFFINITY_MASK=0,1 (in the FLAT hierarchy each "
         "tile is one index)"),
    ],
)
def test_a_malformed_mask_is_a_clear_error(installed, node, mask, message):
    process = installed.hwcore("info", env=node("Max1550", ZE_AFFINITY_MASK=mask), check=False)
    assert process.returncode == 1
    assert message in process.stderr
    assert "Traceback" not in process.stderr


def test_an_integrated_only_laptop_is_present_with_the_integrated_flag(installed, node):
    info = installed.hwcore_json("info", env=node("laptop"))
    assert info["platform"]["name"] == "xpu"
    (device,) = info["devices"]
    assert (device["integrated"], device["details"]["class"]) == (True, "integrated")


def test_this_machine_has_no_intel_gpu_and_explain_says_why(installed):
    report = installed.hwcore_json("explain")["detection"]
    assert report["active"] == "cpu"
    (xpu,) = [d for d in report["detections"] if d["plugin"] == "xpu"]
    assert xpu["present"] is False
    assert xpu["reason"].startswith("no Intel GPU that torch.xpu runs on: Level Zero not used: "
                                    "pyzes is not installed")
    assert "/sys/bus/pci/devices lists no Intel display or accelerator device" in xpu["reason"]
