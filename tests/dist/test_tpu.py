"""The built hwcore-tpu wheel beside the other backends: fake TPU hosts, and this machine.

Every command runs with socket connections refused (``no_network.py``, run before the
command) and with stand-in ``jax``, ``libtpu``, ``tpu_inference`` packages first on the
path that fail loudly if anything imports them.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.dist

ROOT = Path(__file__).parents[2]
GIB = 1 << 30

_spec = importlib.util.spec_from_file_location(
    "hwcore_fake_tpu_host", ROOT / "tests" / "plugins" / "tpu" / "fake_tpu_host.py"
)
assert _spec is not None and _spec.loader is not None
fake = importlib.util.module_from_spec(_spec)
sys.modules["hwcore_fake_tpu_host"] = fake  # dataclasses look their module up there
_spec.loader.exec_module(fake)

GUARD = """
import socket, sys

def refuse(*args, **kwargs):
    raise OSError("network refused by the hwcore-tpu dist test")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
"""

REPORT_IMPORTS = """
import json, sys
heavy = ("torch", "jax", "libtpu", "tpu_inference")
print(json.dumps(sorted(name for name in heavy if name in sys.modules)))
"""


@pytest.fixture
def guarded(tmp_path: Path) -> Path:
    """A folder to put first on PYTHONPATH: the guard, and packages that must stay unimported."""
    site = tmp_path / "guarded"
    for package in ("jax", "libtpu", "tpu_inference"):
        (site / package).mkdir(parents=True)
        (site / package / "__init__.py").write_text(
            f"raise AssertionError('hwcore-tpu imported {package}')\n"
        )
    (site / "no_network.py").write_text(GUARD)
    return site


@pytest.fixture
def no_libtpu(tmp_path: Path) -> Path:
    """The guard alone, without a libtpu on the path."""
    site = tmp_path / "plain"
    site.mkdir()
    (site / "no_network.py").write_text(GUARD)
    return site


def cli(installed, site: Path, env: dict[str, str], *args: str) -> tuple[dict, list[str]]:  # type: ignore[no-untyped-def]
    """``hwcore <args> --json`` in the installed venv with networking refused; the JSON
    document and the heavy modules imported by then."""
    script = (
        "import no_network, sys\n"
        f"sys.argv = ['hwcore', *{list(args)!r}, '--json']\n"
        "from hwcore.cli.main import main\n"
        "main()\n" + REPORT_IMPORTS
    )
    process = installed.run("-c", script, env={**env, "PYTHONPATH": str(site)}, check=False)
    *document, imported = process.stdout.strip().splitlines()
    return json.loads("\n".join(document)), json.loads(imported)


def python(installed, site: Path, env: dict[str, str], source: str) -> str:  # type: ignore[no-untyped-def]
    script = "import no_network\n" + textwrap.dedent(source)
    return installed.run("-c", script, env={**env, "PYTHONPATH": str(site)}).stdout


def test_a_fake_v6e_8_host_is_a_tpu_with_eight_chips(installed, guarded, tmp_path):
    env = fake.write_host(tmp_path / "host", "v6e-8")
    info, imported = cli(installed, guarded, env, "info")
    assert info["ok"] is True, info
    assert info["platform"]["name"] == "tpu"
    assert info["platform"]["details"]["topology"] == "2x4"
    assert info["platform"]["details"]["generation"] == "v6e"
    devices = info["devices"]
    assert len(devices) == 8
    assert {(d["name"], d["architecture"], d["total_memory"]) for d in devices} == {
        ("TPU v6e", "v6e", 32 * GIB)
    }
    assert [d["physical_index"] for d in devices] == list(range(8))
    assert imported == []


def test_tpu_visible_chips_selects_two(installed, guarded, tmp_path):
    env = fake.write_host(tmp_path / "host", "v6e-8")
    visible = {**env, "TPU_VISIBLE_CHIPS": "0,1", "TPU_CHIPS_PER_HOST_BOUNDS": "1,2,1"}
    info, imported = cli(installed, guarded, visible, "info")
    assert [(d["index"], d["physical_index"]) for d in info["devices"]] == [(0, 0), (1, 1)]
    assert info["warnings"] == []
    assert imported == []
    unbounded, _ = cli(installed, guarded, {**env, "TPU_VISIBLE_CHIPS": "0,1"}, "info")
    assert len(unbounded["devices"]) == 2
    assert unbounded["warnings"] == [
        "TPU_CHIPS_PER_HOST_BOUNDS='2,4,1' lays out 8 chips, but TPU_VISIBLE_CHIPS='0,1' makes "
        "2 visible; set it (and TPU_HOST_BOUNDS) to cover exactly the visible chips, e.g. "
        "'1,2,1' and '1,1,1' for two",
    ]  # no tpu-inference warning: the guard's stand-in package is found (never imported)


def test_an_unusable_visible_chip_fails_resolution_naming_it(installed, no_libtpu, tmp_path):
    env = {**fake.write_host(tmp_path / "host", "v6e-8"), "TPU_VISIBLE_CHIPS": "8"}
    info, _ = cli(installed, no_libtpu, env, "info")
    assert info["ok"] is False
    assert info["error"]["type"] == "UnusablePlatformError"
    assert "TPU_VISIBLE_CHIPS='8'" in info["error"]["message"]


def test_this_machine_has_no_tpu_and_explain_says_why(installed, no_libtpu):
    report, imported = cli(installed, no_libtpu, {}, "explain")
    [tpu] = [d for d in report["detection"]["detections"] if d["plugin"] == "tpu"]
    assert tpu["present"] is False
    assert tpu["reason"].startswith("no TPU found: none of TPU_ACCELERATOR_TYPE, ")
    assert tpu["reason"].endswith("; libtpu is not installed")
    assert report["detection"]["active"] == "cpu"
    assert imported == []


def test_libtpu_alone_leaves_tpu_absent_with_the_reason(installed, guarded):
    report, imported = cli(installed, guarded, {}, "explain")
    [tpu] = [d for d in report["detection"]["detections"] if d["plugin"] == "tpu"]
    assert tpu["present"] is False
    assert tpu["reason"].endswith(
        f"; libtpu is installed ({guarded / 'libtpu' / '__init__.py'}), but it installs on "
        "any machine, so it is not taken for a TPU on its own"
    )
    assert imported == []


def test_selection_without_tpu_inference_names_it(installed, no_libtpu, tmp_path):
    env = fake.write_host(tmp_path / "host", "v6e-8")
    out = python(installed, no_libtpu, env, """
        import hwcore
        from hwcore.plugin_api import AttentionRequest
        pm = hwcore.get_plugin_manager()
        try:
            pm.hook.get_attn_backend_cls(
                selected_backend=None, request=AttentionRequest(head_size=128, dtype="bfloat16"))
        except hwcore.NoValidBackendError as error:
            print(error)
    """)
    assert "PALLAS" in out
    assert "pip install tpu-inference on a TPU VM" in out


def test_config_validation_turns_float16_into_bfloat16(installed, no_libtpu, tmp_path):
    env = fake.write_host(tmp_path / "host", "v6e-8")
    out = python(installed, no_libtpu, env, """
        import json, hwcore
        from hwcore.plugin_api import EngineConfig, ModelConfig
        checked = hwcore.current_platform().check_and_update_config(
            EngineConfig(model=ModelConfig(dtype="float16")))
        print(json.dumps([a.to_dict() for a in checked.adjustments]))
    """)
    adjustments = {a["field"]: a for a in json.loads(out)}
    assert adjustments["model.dtype"] == {
        "field": "model.dtype", "old": "float16", "new": "bfloat16",
        "reason": "TPUs do not run float16 models: the matrix units compute in bfloat16, the "
                  "one dtype vLLM's TPU platform runs",
    }
    assert adjustments["compilation.backend"]["new"] == "openxla"
