"""hwcore's conformance suite against hwcore-rocm on a fake 8xMI300X node.

In process the fake ``amdsmi`` module is put in ``sys.modules``; the suite's fresh-interpreter
probe gets the fake ``amdsmi`` package through ``PYTHONPATH`` (it prints on import, so the
probe also proves detection keeps stdout clean).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from hwcore.testing.conformance import PlatformConformance

FAKE_AMDSMI_DIR = str(Path(__file__).parent / "fake_amdsmi")
NOTHING_HERE = str(Path(__file__).parent / "fake_amdsmi" / "no-such-root")


class TestRocmConformance(PlatformConformance):
    plugin = "rocm"
    plugin_module = "hwcore_rocm.plugin"
    hardware_environ = {  # noqa: RUF012  (the suite declares it a ClassVar Mapping)
        "PYTHONPATH": os.pathsep.join(
            p for p in (FAKE_AMDSMI_DIR, os.environ.get("PYTHONPATH")) if p
        ),
        "HWCORE_FAKE_AMDSMI": "8xMI300X",
        # No KFD fallback from this machine's /sys: the fake node is the only AMD hardware.
        "HWCORE_SYSFS_ROOT": NOTHING_HERE,
        "HWCORE_DEV_ROOT": NOTHING_HERE,
    }
    absent_environ = {"HIP_VISIBLE_DEVICES": ""}  # noqa: RUF012  (hides every GPU)

    @pytest.fixture(autouse=True)
    def fake_node(self, fake_amdsmi: Callable[..., object], request: pytest.FixtureRequest) -> None:
        # The memory tests move bytes through real ROCm tensors: a fake node has none.
        if request.node.name.startswith("test_memory_ops") and not _torch_has_rocm():
            pytest.skip("the memory-op conformance tests need a ROCm build of torch and a GPU")
        fake_amdsmi("8xMI300X")


def _torch_has_rocm() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.version.hip) and bool(torch.cuda.is_available())
