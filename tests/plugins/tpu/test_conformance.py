"""hwcore's conformance suite against hwcore-tpu on a fake v6e-8 host.

The host (sysfs tree, device nodes, TPU variables) is laid out once for the module; the
suite sets its variables for every test and for its fresh-interpreter probe. The tests that
run the attention kernels or move bytes need tpu-inference on a TPU VM and skip here.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from hwcore.testing.conformance import PlatformConformance

_ROOT = Path(tempfile.mkdtemp(prefix="hwcore-tpu-conformance-"))
atexit.register(shutil.rmtree, _ROOT, True)
FAKE_V6E_8 = sys.modules["hwcore_fake_tpu_host"].write_host(_ROOT, "v6e-8")
NEEDS_TPU_INFERENCE = ("test_default_attention_request", "test_memory_ops")


class TestTpuConformance(PlatformConformance):
    plugin = "tpu"
    plugin_module = "hwcore_tpu.plugin"
    hardware_environ = FAKE_V6E_8
    absent_environ = {"TPU_VISIBLE_CHIPS": ""}  # noqa: RUF012  (hides every chip)

    @pytest.fixture(autouse=True)
    def runtime_needed(self, request: pytest.FixtureRequest) -> None:
        if request.node.name.startswith(NEEDS_TPU_INFERENCE):
            pytest.skip(
                "the Pallas kernels and TPU tensors come from tpu-inference, which runs only "
                "on a TPU VM (pip install tpu-inference on a TPU VM)"
            )
