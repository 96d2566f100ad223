"""``CUDA_VISIBLE_DEVICES`` mapping, as a pure function: every accepted form, every error."""

from __future__ import annotations

import re

import pytest

from hwcore_cuda.visibility import (
    PhysicalDevice,
    Visibility,
    VisibleDevice,
    VisibleDevicesError,
    map_visible_devices,
)

GPUS = [
    PhysicalDevice(0, "GPU-0a1b2c3d-0000-0000-0000-000000000000"),
    PhysicalDevice(1, "GPU-0a1b9999-0000-0000-0000-000000000001"),
    PhysicalDevice(2, "GPU-77777777-0000-0000-0000-000000000002",
                   mig_uuids=("MIG-11111111-2222-3333-4444-555555555555",
                              "MIG-66666666-2222-3333-4444-555555555555")),
    PhysicalDevice(3, "GPU-88888888-0000-0000-0000-000000000003"),
]
FIX = (
    "set CUDA_VISIBLE_DEVICES to comma-separated GPU indices such as CUDA_VISIBLE_DEVICES=0,1,"
    " or to UUIDs from `nvidia-smi -L`"
)


def physical(value: str | None) -> list[int]:
    return [d.physical_index for d in map_visible_devices(value, GPUS).devices]


def test_unset_is_every_gpu_in_physical_order() -> None:
    assert map_visible_devices(None, GPUS) == Visibility(
        tuple(VisibleDevice(i, i) for i in range(4))
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3,1", [3, 1]), ("2", [2]), (" 1 , 0 ", [1, 0]), ("0,1,2,3", [0, 1, 2, 3])],
)
def test_integer_entries_map_in_the_listed_order(value: str, expected: list[int]) -> None:
    assert physical(value) == expected


def test_gpu_uuid_prefixes_map_like_cuda() -> None:
    assert physical("GPU-88888888-0000-0000-0000-000000000003,GPU-0a1b2") == [3, 0]
    assert physical("GPU-7777") == [2]


def test_mig_entries_map_to_their_parent_gpu() -> None:
    visibility = map_visible_devices("MIG-66666666-2222-3333-4444-555555555555,3", GPUS)
    assert visibility.devices == (
        VisibleDevice(0, 2, mig_uuid="MIG-66666666-2222-3333-4444-555555555555"),
        VisibleDevice(1, 3),
    )


@pytest.mark.parametrize("value", ["", "  ", "-1"])
def test_empty_or_minus_one_hides_every_gpu_with_a_note(value: str) -> None:
    visibility = map_visible_devices(value, GPUS)
    assert visibility.devices == ()
    assert visibility.note == (
        f"CUDA_VISIBLE_DEVICES={value!r} hides every GPU from this process; unset it to use "
        "all 4 GPUs on this node"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0,x", f"CUDA_VISIBLE_DEVICES='0,x': entry 'x' is neither a GPU index, a "
                f"'GPU-<uuid>' nor a 'MIG-<uuid>'; {FIX}"),
        ("0,,1", f"CUDA_VISIBLE_DEVICES='0,,1': an empty entry is neither a GPU index, a "
                 f"'GPU-<uuid>' nor a 'MIG-<uuid>'; {FIX}"),
        ("0,-1", f"CUDA_VISIBLE_DEVICES='0,-1': entry '-1' is neither a GPU index, a "
                 f"'GPU-<uuid>' nor a 'MIG-<uuid>'; {FIX}"),
        ("GPU-", f"CUDA_VISIBLE_DEVICES='GPU-': entry 'GPU-' is neither a GPU index, a "
                 f"'GPU-<uuid>' nor a 'MIG-<uuid>'; {FIX}"),
        ("0,7", f"CUDA_VISIBLE_DEVICES='0,7': entry '7' is not a GPU on this node, which has "
                f"4 GPUs (indices 0-3); {FIX}"),
        ("1,1", "CUDA_VISIBLE_DEVICES='1,1': GPU 1 is listed twice (entries '1' and '1'); "
                "list each GPU once"),
        ("3,GPU-8888", "CUDA_VISIBLE_DEVICES='3,GPU-8888': GPU 3 is listed twice (entries "
                       "'3' and 'GPU-8888'); list each GPU once"),
        ("GPU-0a1b", "CUDA_VISIBLE_DEVICES='GPU-0a1b': entry 'GPU-0a1b' is a prefix of the "
                     "UUIDs of GPUs 0, 1; write more of the UUID (`nvidia-smi -L` lists them)"),
        ("GPU-ffff", f"CUDA_VISIBLE_DEVICES='GPU-ffff': no GPU on this node has a UUID "
                     f"starting with 'GPU-ffff'; {FIX}"),
        ("MIG-123", "CUDA_VISIBLE_DEVICES='MIG-123': no MIG instance on this node has the "
                    "UUID 'MIG-123'; use a MIG UUID listed by `nvidia-smi -L`, or a GPU index"),
    ],
)
def test_values_that_cannot_be_mapped_are_errors(value: str, message: str) -> None:
    with pytest.raises(VisibleDevicesError, match=f"^{re.escape(message)}$"):
        map_visible_devices(value, GPUS)


def test_visibility_error_is_a_value_error() -> None:
    assert issubclass(VisibleDevicesError, ValueError)


def test_a_logical_index_beyond_the_visible_devices_is_an_index_error() -> None:
    visibility = map_visible_devices("3,1", GPUS)
    assert visibility.device(1, "3,1") == VisibleDevice(1, 1)
    with pytest.raises(IndexError, match=re.escape(
        "CUDA device 2 is not visible: CUDA_VISIBLE_DEVICES='3,1' makes 2 GPUs visible; "
        "use a device index below 2"
    )):
        visibility.device(2, "3,1")
    with pytest.raises(IndexError, match=re.escape(
        "CUDA device 4 is not visible: this node has 4 GPUs and CUDA_VISIBLE_DEVICES is "
        "unset; use a device index below 4"
    )):
        map_visible_devices(None, GPUS).device(4, None)
