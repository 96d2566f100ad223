"""XCCL process groups: arguments checked first, XCCL's absence refused with the fix."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from hwcore_xpu import distributed, torch_xpu


@pytest.mark.parametrize(("rank", "size"), [(2, 2), (-1, 2), (0, 0)])
def test_ranks_outside_the_group_are_refused_before_anything_else(rank: int, size: int) -> None:
    with pytest.raises(ValueError, match=re.escape(
        f"group_rank={rank} is not a rank of a group of group_size={size}; ranks run from 0 "
        "to group_size - 1 and group_size must be at least 1"
    )):
        distributed.xccl_process_group(None, rank, size, timedelta(seconds=1))


def test_torch_without_xccl_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch_xpu, "xccl_available", lambda: False)
    monkeypatch.setattr(torch_xpu, "installed_torch_version", lambda: "2.13.0+cpu")
    with pytest.raises(ValueError, match=re.escape(
        "backend 'xccl' is not available: the installed torch (2.13.0+cpu) was built without "
        "XCCL. Install an XPU build of torch 2.8 or newer from the PyTorch XPU wheel index, "
        "or use backend 'gloo' for CPU tensors."
    )):
        distributed.xccl_process_group(None, 0, 1, timedelta(seconds=1))


def test_with_xccl_the_group_is_built_by_the_torch_seam(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[tuple[object, ...]] = []
    monkeypatch.setattr(torch_xpu, "xccl_available", lambda: True)
    monkeypatch.setattr(torch_xpu, "xccl_process_group",
                        lambda *args: built.append(args) or "group")
    timeout = timedelta(seconds=30)
    assert distributed.xccl_process_group("store", 1, 4, timeout) == "group"
    assert built == [("store", 1, 4, timeout)]
