"""hwcore's conformance suite against hwcore-cuda on a fake 8xH100 node.

In process the real pynvml is patched; the suite's fresh-interpreter probe gets the fake
``pynvml`` through ``PYTHONPATH``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from hwcore.testing.conformance import PlatformConformance

FAKE_NVML_DIR = str(Path(__file__).parent / "fake_nvml")


class TestCudaConformance(PlatformConformance):
    plugin = "cuda"
    plugin_module = "hwcore_cuda.plugin"
    hardware_environ = {  # noqa: RUF012  (the suite declares it a ClassVar Mapping)
        "PYTHONPATH": os.pathsep.join(
            p for p in (FAKE_NVML_DIR, os.environ.get("PYTHONPATH")) if p
        ),
        "HWCORE_FAKE_NVML": "8xH100",
    }
    absent_environ = {"CUDA_VISIBLE_DEVICES": ""}  # noqa: RUF012  (hides every GPU)

    @pytest.fixture(autouse=True)
    def fake_node(self, fake_nvml: Callable[..., object], request: pytest.FixtureRequest) -> None:
        # The memory tests move bytes through real CUDA tensors: a fake node has none.
        if request.node.name.startswith("test_memory_ops") and not _torch_has_cuda():
            pytest.skip("the memory-op conformance tests need a CUDA build of torch and a GPU")
        fake_nvml("8xH100")


def _torch_has_cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())
