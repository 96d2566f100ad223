"""Block copies on the CPU are the core's defaults with the platform's device type ``cpu``:
hwcore-cpu implements no memory-op hook of its own."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import torch

import hwcore
import hwcore_cpu.plugin
from hwcore.errors import MemoryOpError
from hwcore.host import Host

InstallHost = Callable[..., Host]


def test_the_core_defaults_answer_the_memory_op_hooks(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    hook = hwcore.get_plugin_manager().hook
    for caller in (hook.insert_blocks_to_device, hook.swap_out_blocks_to_host):
        assert [impl.plugin_name for impl in caller.get_hookimpls()] == ["hwcore.defaults"]
    assert not hasattr(hwcore_cpu.plugin, "insert_blocks_to_device")
    assert not hasattr(hwcore_cpu.plugin, "swap_out_blocks_to_host")


def test_swap_out_and_insert_copy_exactly_the_named_blocks(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    platform = hwcore.current_platform()
    device = torch.randn(8, 4, 2, 16).to(torch.bfloat16)
    host = torch.zeros(3, 4, 2, 16, dtype=torch.bfloat16)
    returned = platform.swap_out_blocks_to_host(
        device, host, torch.tensor([5, 0, 7]), torch.tensor([0, 1, 2])
    )
    assert returned is host
    assert torch.equal(host, device[[5, 0, 7]])
    back = torch.zeros_like(device)
    hwcore.get_plugin_manager().hook.insert_blocks_to_device(
        src_cache=host, dst_cache=back,
        src_block_indices=torch.tensor([2, 0]), dst_block_indices=torch.tensor([1, 6]),
    )
    assert torch.equal(back[1], device[7])
    assert torch.equal(back[6], device[5])
    assert not back[[0, 2, 3, 4, 5, 7]].any()


def test_a_bad_call_raises_and_writes_nothing(install_cpu_host: InstallHost) -> None:
    install_cpu_host()
    device = torch.randn(4, 2, 8)
    host = torch.zeros(2, 2, 8)
    message = "src_block_indices contains 9, out of range for src_cache with 4 blocks (valid: 0..3)"
    with pytest.raises(MemoryOpError, match=f"^{re.escape(message)}$"):
        hwcore.current_platform().swap_out_blocks_to_host(
            device, host, torch.tensor([0, 9]), torch.tensor([0, 1])
        )
    assert not host.any()
