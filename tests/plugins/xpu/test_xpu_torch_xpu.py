"""The torch.xpu seam: consulted only when the engine has imported torch."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from types import SimpleNamespace

import pytest

from hwcore_xpu import torch_xpu

GIB = 1 << 30


def test_torch_not_imported() -> None:
    assert torch_xpu.read_device_table() == torch_xpu.TorchXpuUnavailable(
        "torch is not imported (detection never imports it)"
    )
    assert torch_xpu.free_memory(0) is None


def test_initialised_xpu_gives_the_device_properties(
    imported_torch: Callable[..., SimpleNamespace],
) -> None:
    imported_torch(devices=2)
    device = torch_xpu.TorchXpuDevice("Intel(R) Data Center GPU Max 1550", 64 * GIB, False,
                                      "1.6.32224", 512)
    assert torch_xpu.read_device_table() == torch_xpu.TorchXpuTable(
        "2.13.0+xpu", (device, device), properties_read=True
    )
    assert torch_xpu.free_memory(1) == 60 * GIB


def test_uninitialised_xpu_is_counted_but_not_initialised(
    imported_torch: Callable[..., SimpleNamespace],
) -> None:
    torch = imported_torch(devices=1, initialised=False)

    def must_not_be_called(index: int) -> None:
        raise AssertionError("get_device_properties initialises XPU")

    torch.xpu.get_device_properties = must_not_be_called
    assert torch_xpu.read_device_table() == torch_xpu.TorchXpuTable(
        "2.13.0+xpu", (torch_xpu.TorchXpuDevice(),), properties_read=False
    )
    assert torch_xpu.free_memory(0) is None  # mem_get_info would initialise XPU


def test_a_build_without_xpu_reports_none(imported_torch: Callable[..., SimpleNamespace]) -> None:
    imported_torch(devices=0, initialised=False)
    assert torch_xpu.read_device_table() == torch_xpu.TorchXpuUnavailable(
        "torch 2.13.0+xpu reports no XPU device"
    )
    assert torch_xpu.free_memory(0) is None


def test_a_failing_torch_is_reported(imported_torch: Callable[..., SimpleNamespace]) -> None:
    torch = imported_torch()

    def broken() -> int:
        raise RuntimeError("Level Zero driver not found")

    torch.xpu.device_count = broken
    assert torch_xpu.read_device_table() == torch_xpu.TorchXpuUnavailable(
        "torch.xpu cannot be queried (RuntimeError: Level Zero driver not found)"
    )


def test_the_real_cpu_build_of_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch_xpu, "imported_torch", lambda: torch)
    assert torch_xpu.read_device_table() == torch_xpu.TorchXpuUnavailable(
        f"torch {torch.__version__} reports no XPU device"
    )
    assert torch_xpu.free_memory(0) is None


def test_the_real_seam_reads_sys_modules_and_never_imports_torch() -> None:
    script = (
        "import sys\nfrom hwcore_xpu import torch_xpu\n"
        "print(torch_xpu.read_device_table().reason, 'torch' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "torch is not imported (detection never imports it) False\n"
