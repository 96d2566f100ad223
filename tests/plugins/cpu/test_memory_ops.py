"""The plugin's memory-op hooks go through the core primitives with ``device_type="cpu"``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

import hwcore
from hwcore.errors import MemoryOpError
from hwcore.host import Host

InstallHost = Callable[..., Host]


def test_swap_out_and_insert_copy_exactly_the_named_blocks(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    platform = hwcore.current_platform()
    device = torch.randn(8, 4, 2, 16).to(torch.bfloat16)
    host = torch.zeros(3, 4, 2, 16, dtype=torch.bfloat16)
    platform.swap_out_blocks_to_host(device, host, torch.tensor([5, 0, 7]), torch.tensor([0, 1, 2]))
    assert torch.equal(host, device[[5, 0, 7]])
    back = torch.zeros_like(device)
    platform.insert_blocks_to_device(host, back, torch.tensor([2, 0]), torch.tensor([1, 6]))
    assert torch.equal(back[1], device[7])
    assert torch.equal(back[6], device[5])
    assert not back[[0, 2, 3, 4, 5, 7]].any()


def test_a_bad_call_raises_and_writes_nothing(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    device = torch.randn(4, 2, 8)
    host = torch.zeros(2, 2, 8)
    with pytest.raises(MemoryOpError):
        hwcore.current_platform().swap_out_blocks_to_host(
            device, host, torch.tensor([0, 9]), torch.tensor([0, 1])
        )
    assert not host.any()
