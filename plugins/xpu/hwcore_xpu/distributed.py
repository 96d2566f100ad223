"""XCCL process groups for Intel GPUs, and a clear refusal where torch has no XCCL.

torch gained the XCCL backend (oneCCL on XPU) in 2.8; CPU and CUDA builds lack it, and
``torch.distributed`` then fails only when the first collective runs. Here the request is
refused up front, naming the fix.
"""

from __future__ import annotations

from typing import Any

from hwcore_xpu import torch_xpu


def xccl_process_group(prefix_store: Any, group_rank: int, group_size: int, timeout: Any) -> Any:
    """A stateless XCCL ``ProcessGroup`` for rank ``group_rank`` of ``group_size``."""
    if group_size < 1 or not 0 <= group_rank < group_size:
        raise ValueError(
            f"group_rank={group_rank} is not a rank of a group of group_size={group_size}; "
            "ranks run from 0 to group_size - 1 and group_size must be at least 1"
        )
    if not torch_xpu.xccl_available():
        version = torch_xpu.installed_torch_version()
        raise ValueError(
            f"backend 'xccl' is not available: the installed torch ({version}) was built "
            "without XCCL. Install an XPU build of torch 2.8 or newer from the PyTorch XPU "
            "wheel index, or use backend 'gloo' for CPU tensors."
        )
    return torch_xpu.xccl_process_group(prefix_store, group_rank, group_size, timeout)
