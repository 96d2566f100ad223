"""TPU memory at run time: what happens with and without JAX and tpu-inference."""

from __future__ import annotations

import importlib.machinery
import re
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from hwcore.plugin_api import MemoryOpError, PlatformInfo
from hwcore_tpu.detection import describe
from hwcore_tpu.inventory import find_tpus
from hwcore_tpu.memory import (
    TpuRuntimeError,
    copy_into_device,
    copy_out_to_host,
    free_memory,
    memory_in_use,
)

HostFactory = Callable[..., dict[str, str]]
GIB = 1 << 30


def platform_info(env: dict[str, str]) -> PlatformInfo:
    info = describe(find_tpus(env), env)
    assert isinstance(info, PlatformInfo)
    return info


class FakeJaxDevice:
    def __init__(self, in_use: int, limit: int) -> None:
        self.stats = {"bytes_in_use": in_use, "bytes_limit": limit}

    def memory_stats(self) -> dict[str, int]:
        return self.stats


@pytest.fixture
def fake_jax(monkeypatch: pytest.MonkeyPatch) -> list[FakeJaxDevice]:
    """A loaded ``jax`` whose local devices are 8 cores with 1..8 GiB in use of 96 GiB."""
    devices = [FakeJaxDevice((i + 1) * GIB, 96 * GIB) for i in range(8)]
    jax = types.ModuleType("jax")
    jax.local_devices = lambda: devices  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "jax", jax)
    return devices


@pytest.fixture
def fake_tpu_inference(monkeypatch: pytest.MonkeyPatch) -> list[list[object]]:
    """A loaded ``tpu_inference`` whose ``utils.hbm_usage_bytes`` reads the fake devices;
    returns the device lists it was asked about."""
    asked: list[list[object]] = []
    package = types.ModuleType("tpu_inference")
    package.__spec__ = importlib.machinery.ModuleSpec("tpu_inference", None, is_package=True)
    utils = types.ModuleType("tpu_inference.utils")

    def hbm_usage_bytes(devices: list[FakeJaxDevice]) -> list[tuple[int, int]]:
        asked.append(list(devices))
        return [(d.stats["bytes_in_use"], d.stats["bytes_limit"]) for d in devices]

    utils.hbm_usage_bytes = hbm_usage_bytes  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tpu_inference", package)
    monkeypatch.setitem(sys.modules, "tpu_inference.utils", utils)
    return asked


def test_memory_in_use_needs_jax_imported(host: HostFactory) -> None:
    info = platform_info(host("v6e-8"))
    message = (
        "memory in use on TPU chip 0 is read through JAX, which this process has not "
        "imported; hwcore does not import it (that starts the TPU runtime and claims the "
        "chips): ask after the engine has started JAX, as tpu-inference does"
    )
    with pytest.raises(TpuRuntimeError, match=f"^{re.escape(message)}$"):
        memory_in_use(0, info)
    assert "jax" not in sys.modules


def test_memory_in_use_sums_the_cores_of_a_chip(
    host: HostFactory, fake_jax: list[FakeJaxDevice]
) -> None:
    assert memory_in_use(1, platform_info(host("v6e-8"))) == 2 * GIB  # one core per chip
    assert memory_in_use(1, platform_info(host("7x-8"))) == (3 + 4) * GIB  # cores 2 and 3


def test_a_chip_that_is_not_visible(host: HostFactory, fake_jax: list[FakeJaxDevice]) -> None:
    message = "TPU chip 4 is not visible: this process sees 4 chip(s); use an index below 4"
    with pytest.raises(IndexError, match=f"^{re.escape(message)}$"):
        memory_in_use(4, platform_info(host("v5p-8")))


def test_free_memory_needs_tpu_inference(host: HostFactory, fake_jax: list[FakeJaxDevice]) -> None:
    message = (
        "free memory on TPU chip 0 is measured by tpu-inference, which is not installed: pip "
        "install tpu-inference on a TPU VM"
    )
    with pytest.raises(TpuRuntimeError, match=f"^{re.escape(message)}$"):
        free_memory(0, platform_info(host("v6e-8")))


def test_free_memory_is_tpu_inferences_measure(
    host: HostFactory, fake_jax: list[FakeJaxDevice], fake_tpu_inference: list[list[object]]
) -> None:
    assert free_memory(0, platform_info(host("7x-8"))) == (95 + 94) * GIB
    assert fake_tpu_inference == [fake_jax[0:2]]


def test_free_memory_needs_jax_imported_too(
    host: HostFactory, fake_tpu_inference: list[list[object]]
) -> None:
    message = (
        "free memory on TPU chip 0 is read through JAX, which this process has not imported; "
        "hwcore does not import it (that starts the TPU runtime and claims the chips): ask "
        "after the engine has started JAX, as tpu-inference does"
    )
    with pytest.raises(TpuRuntimeError, match=f"^{re.escape(message)}$"):
        free_memory(0, platform_info(host("v6e-8")))


def test_block_copies_need_tpu_inference_and_write_nothing() -> None:
    torch = pytest.importorskip("torch")
    host_cache, device_cache = torch.zeros(4, 2), torch.ones(4, 2)
    message = (
        "KV-cache block copies on TPU run on tpu-inference's device tensors, and tpu-inference "
        "is not installed: pip install tpu-inference on a TPU VM; nothing was copied"
    )
    blocks = torch.tensor([0])
    with pytest.raises(MemoryOpError, match=f"^{re.escape(message)}$"):
        copy_into_device(host_cache, device_cache, blocks, blocks)
    with pytest.raises(MemoryOpError, match=f"^{re.escape(message)}$"):
        copy_out_to_host(device_cache, host_cache, blocks, blocks)
    assert torch.equal(device_cache, torch.ones(4, 2))
    assert torch.equal(host_cache, torch.zeros(4, 2))


def test_block_copies_run_on_torchax_jax_tensors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    (tmp_path / "tpu_inference").mkdir()
    (tmp_path / "tpu_inference" / "__init__.py").write_text("raise AssertionError('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    host_cache, not_a_device_cache = torch.zeros(4, 2), torch.ones(4, 2)
    blocks = torch.tensor([0])
    message = (
        "dst_cache is on device 'cpu', expected a 'jax' tensor; move it with .to('jax') when "
        "the cache is allocated"
    )
    with pytest.raises(MemoryOpError, match=f"^{re.escape(message)}$"):
        copy_into_device(host_cache, not_a_device_cache, blocks, blocks)
    assert torch.equal(not_a_device_cache, torch.ones(4, 2))
