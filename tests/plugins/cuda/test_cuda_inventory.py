"""``Inventory.visible``: ``CUDA_VISIBLE_DEVICES`` mapped onto the node's GPUs with CUDA's
forms (integers, ``GPU-<uuid>`` prefixes, ``MIG-<uuid>`` slices), every accepted form and
every error; ``Inventory.gpu``: the facts of a visible GPU or MIG slice."""

from __future__ import annotations

import re

import pytest

from hwcore.plugin_api import DeviceCapability, Visibility, VisibleDevice, VisibleDevicesError
from hwcore_cuda.inventory import Gpu, Inventory
from hwcore_cuda.nvml import MigInstance

MIG_A = "MIG-11111111-2222-3333-4444-555555555555"
MIG_B = "MIG-66666666-2222-3333-4444-555555555555"
A100 = DeviceCapability(8, 0)
NODE = Inventory(
    source="nvml",
    gpus=(
        Gpu(0, "NVIDIA A100-SXM4-80GB", "GPU-0a1b2c3d-0000-0000-0000-000000000000", A100, 80 << 30),
        Gpu(1, "NVIDIA A100-SXM4-80GB", "GPU-0a1b9999-0000-0000-0000-000000000001", A100, 80 << 30),
        Gpu(2, "NVIDIA A100-SXM4-80GB", "GPU-77777777-0000-0000-0000-000000000002", A100, 80 << 30,
            mig_instances=(MigInstance(MIG_A, 10 << 30), MigInstance(MIG_B, 20 << 30))),
        Gpu(3, "NVIDIA A100-SXM4-80GB", "GPU-88888888-0000-0000-0000-000000000003", A100, 80 << 30),
    ),
    evidence="NVML reports 4 GPUs: 4x NVIDIA A100-SXM4-80GB (driver 580.82.07)",
)
FIX = (
    "set CUDA_VISIBLE_DEVICES to comma-separated GPU indices such as CUDA_VISIBLE_DEVICES=0,1,"
    " or to UUIDs from `nvidia-smi -L`"
)


def visible(value: str | None) -> Visibility:
    return NODE.visible({} if value is None else {"CUDA_VISIBLE_DEVICES": value})


def physical(value: str | None) -> list[int]:
    return [device.physical_index for device in visible(value).devices]


def test_unset_is_every_gpu_in_physical_order() -> None:
    assert visible(None) == Visibility(tuple(VisibleDevice(i, i) for i in range(4)))


def test_only_cuda_visible_devices_is_read() -> None:
    environ = {"HIP_VISIBLE_DEVICES": "1", "ROCR_VISIBLE_DEVICES": "2", "CUDA_DEVICE_ORDER": "x"}
    assert NODE.visible(environ) == visible(None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3,1", [3, 1]), ("2", [2]), (" 1 , 0 ", [1, 0]), ("0,1,2,3", [0, 1, 2, 3])],
)
def test_integer_entries_map_in_the_listed_order(value: str, expected: list[int]) -> None:
    assert physical(value) == expected


def test_gpu_uuid_prefixes_map_like_cuda() -> None:
    assert physical("GPU-88888888-0000-0000-0000-000000000003,GPU-0a1b2") == [3, 0]
    assert physical("GPU-7777") == [2]
    assert physical("GPU-0A1B2C") == [0]  # UUIDs are hex: compared without case


def test_mig_entries_map_to_their_parent_gpu() -> None:
    assert visible(f"{MIG_B},3").devices == (
        VisibleDevice(0, 2, sub_uuid=MIG_B),
        VisibleDevice(1, 3),
    )


def test_a_mig_slice_has_its_own_uuid_and_memory() -> None:
    slice_b, whole = visible(f"{MIG_B},3").devices
    assert NODE.gpu(slice_b) == Gpu(2, "NVIDIA A100-SXM4-80GB", MIG_B, A100, 20 << 30)
    assert NODE.gpu(whole) is NODE.gpus[3]


@pytest.mark.parametrize("value", ["", "  ", "-1"])
def test_empty_or_minus_one_hides_every_gpu_with_a_note(value: str) -> None:
    hidden = visible(value)
    assert hidden.devices == ()
    assert hidden.note == (
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
        (f"{MIG_A},{MIG_A}", f"CUDA_VISIBLE_DEVICES='{MIG_A},{MIG_A}': MIG instance {MIG_A} "
                             f"is listed twice (entries '{MIG_A}' and '{MIG_A}'); list each "
                             "GPU once"),
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
        visible(value)


def test_visibility_error_is_a_value_error() -> None:
    assert issubclass(VisibleDevicesError, ValueError)


def test_a_one_gpu_node_names_no_index_range() -> None:
    jetson = Inventory("tegra", (Gpu(0, "NVIDIA Jetson AGX Orin", None, None, None),), "tegra")
    assert jetson.visible({"CUDA_VISIBLE_DEVICES": "0"}).devices == (VisibleDevice(0, 0),)
    message = (
        "CUDA_VISIBLE_DEVICES='1': entry '1' is not a GPU on this node, which has 1 GPU; "
        f"{FIX}"
    )
    with pytest.raises(VisibleDevicesError, match=f"^{re.escape(message)}$"):
        jetson.visible({"CUDA_VISIBLE_DEVICES": "1"})
    # A GPU without a UUID matches no UUID entry.
    message = (
        "CUDA_VISIBLE_DEVICES='GPU-0': no GPU on this node has a UUID starting with 'GPU-0'; "
        f"{FIX}"
    )
    with pytest.raises(VisibleDevicesError, match=f"^{re.escape(message)}$"):
        jetson.visible({"CUDA_VISIBLE_DEVICES": "GPU-0"})
