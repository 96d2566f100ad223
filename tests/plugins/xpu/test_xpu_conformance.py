"""hwcore's conformance suite against hwcore-xpu on a fake Max 1550 node (a sysfs tree).

The tree is written once for this module; ``HWCORE_SYSFS_ROOT`` points detection at it, in
process and in the suite's fresh-interpreter probe.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hwcore.testing.conformance import PlatformConformance

from .conftest import fake

FAKE_SYSFS = Path(tempfile.gettempdir()) / f"hwcore-xpu-conformance-{os.getpid()}"


@pytest.fixture(scope="module", autouse=True)
def fake_max1550_tree() -> Iterator[None]:
    fake.write_sysfs(FAKE_SYSFS, fake.gpus("Max1550"))
    yield
    shutil.rmtree(FAKE_SYSFS)


class TestXpuConformance(PlatformConformance):
    plugin = "xpu"
    plugin_module = "hwcore_xpu.plugin"
    hardware_environ = {"HWCORE_SYSFS_ROOT": str(FAKE_SYSFS)}  # noqa: RUF012  (a ClassVar Mapping)
    absent_environ = {"ONEAPI_DEVICE_SELECTOR": "opencl:gpu"}  # noqa: RUF012  (hides every GPU)

    @pytest.fixture(autouse=True)
    def real_xpu_for_memory_ops(self, request: pytest.FixtureRequest) -> None:
        # The memory tests move bytes through real XPU tensors: a fake node has none.
        if request.node.name.startswith("test_memory_ops") and not _torch_has_xpu():
            pytest.skip("the memory-op conformance tests need an XPU build of torch and a GPU")


def _torch_has_xpu() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.xpu.is_available())
