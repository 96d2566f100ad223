"""HIP_VISIBLE_DEVICES, CUDA_VISIBLE_DEVICES and ROCR_VISIBLE_DEVICES as pure functions."""

from __future__ import annotations

import re

import pytest

from hwcore.plugin_api import VisibleDevicesError
from hwcore_rocm import visibility
from hwcore_rocm.visibility import VisibilitySettings


@pytest.mark.parametrize(
    ("environ", "settings"),
    [
        ({}, VisibilitySettings(None, None, None)),
        ({"HIP_VISIBLE_DEVICES": "0,1"}, VisibilitySettings(None, "HIP_VISIBLE_DEVICES", "0,1")),
        ({"CUDA_VISIBLE_DEVICES": "2"}, VisibilitySettings(None, "CUDA_VISIBLE_DEVICES", "2")),
        ({"HIP_VISIBLE_DEVICES": "0,1", "CUDA_VISIBLE_DEVICES": "0, 1"},
         VisibilitySettings(None, "HIP_VISIBLE_DEVICES", "0,1")),
        # vLLM's rule: an empty value counts as unset next to a non-empty one.
        ({"HIP_VISIBLE_DEVICES": "", "CUDA_VISIBLE_DEVICES": "3"},
         VisibilitySettings(None, "CUDA_VISIBLE_DEVICES", "3")),
        ({"HIP_VISIBLE_DEVICES": "1", "CUDA_VISIBLE_DEVICES": ""},
         VisibilitySettings(None, "HIP_VISIBLE_DEVICES", "1")),
        # Alone, an empty value hides every GPU (as CUDA_VISIBLE_DEVICES="" does).
        ({"HIP_VISIBLE_DEVICES": ""}, VisibilitySettings(None, "HIP_VISIBLE_DEVICES", "")),
        ({"CUDA_VISIBLE_DEVICES": ""}, VisibilitySettings(None, "CUDA_VISIBLE_DEVICES", "")),
        ({"ROCR_VISIBLE_DEVICES": "4,5,6", "HIP_VISIBLE_DEVICES": "1"},
         VisibilitySettings("4,5,6", "HIP_VISIBLE_DEVICES", "1")),
    ],
)
def test_settings(environ: dict[str, str], settings: VisibilitySettings) -> None:
    assert visibility.read_settings(environ) == settings


def test_hip_and_cuda_that_disagree_are_an_error_naming_both() -> None:
    message = (
        "HIP_VISIBLE_DEVICES='0,1' and CUDA_VISIBLE_DEVICES='2' disagree; HIP reads both, so "
        "they must select the same GPUs: set only one of them, or give both the same value"
    )
    with pytest.raises(visibility.InconsistentVisibilityError, match=f"^{re.escape(message)}$"):
        visibility.read_settings({"HIP_VISIBLE_DEVICES": "0,1", "CUDA_VISIBLE_DEVICES": "2"})


def test_hip_alone_tells_the_engine_to_set_cuda_too() -> None:
    assert visibility.engine_notes({"HIP_VISIBLE_DEVICES": "0,1"}) == [
        "HIP_VISIBLE_DEVICES='0,1' is set and CUDA_VISIBLE_DEVICES is not; vLLM copies the "
        "first into the second when it starts, hwcore writes no environment: set "
        "CUDA_VISIBLE_DEVICES='0,1' as well (and in every worker an engine starts), or the "
        "engine's own device selection may ignore it"
    ]


@pytest.mark.parametrize(
    "environ",
    [{}, {"CUDA_VISIBLE_DEVICES": "1"}, {"HIP_VISIBLE_DEVICES": "1", "CUDA_VISIBLE_DEVICES": "1"},
     {"HIP_VISIBLE_DEVICES": ""}],
)
def test_nothing_to_set_otherwise(environ: dict[str, str]) -> None:
    assert visibility.engine_notes(environ) == []


UUIDS = ["GPU-aaaa000000000000", "GPU-bbbb000000000000", "GPU-cccc000000000000",
         "GPU-dddd000000000000"]
HIP_ORDER = (2, 3, 0, 1)  # HIP numbers physical GPU 2 first


def physical(settings: VisibilitySettings) -> list[tuple[int, int]]:
    found = visibility.visible_devices(settings, HIP_ORDER, UUIDS)
    assert found.note is None
    return [(d.logical_index, d.physical_index) for d in found.devices]


def test_without_variables_every_gpu_in_hip_order() -> None:
    assert physical(VisibilitySettings(None, None, None)) == [(0, 2), (1, 3), (2, 0), (3, 1)]


def test_hip_indices_count_in_hip_order() -> None:
    assert physical(VisibilitySettings(None, "HIP_VISIBLE_DEVICES", "1,0")) == [(0, 3), (1, 2)]


def test_rocr_picks_first_and_hip_counts_what_it_left() -> None:
    settings = VisibilitySettings("GPU-dddd,0", "CUDA_VISIBLE_DEVICES", "1")
    assert physical(settings) == [(0, 2)]  # ROCR leaves [1, 2]; HIP's 1 is physical 2


def test_uuids_name_the_same_gpu_whatever_the_order() -> None:
    assert physical(VisibilitySettings(None, "HIP_VISIBLE_DEVICES", "GPU-bbbb")) == [(0, 1)]


def test_rocr_hiding_everything_is_said_by_rocr() -> None:
    found = visibility.visible_devices(VisibilitySettings("-1", "HIP_VISIBLE_DEVICES", "0"),
                                       HIP_ORDER, UUIDS)
    assert found.devices == ()
    assert found.note == (
        "ROCR_VISIBLE_DEVICES='-1' hides every GPU from this process; unset it to use all 4 "
        "GPUs on this node"
    )


def test_a_bare_uuid_prefix_is_not_an_entry() -> None:
    message = (
        "HIP_VISIBLE_DEVICES='GPU-': entry 'GPU-' is neither a GPU index nor a 'GPU-<uuid>'; "
        "set HIP_VISIBLE_DEVICES to comma-separated GPU indices such as "
        "HIP_VISIBLE_DEVICES=0,1, or to UUIDs from `amd-smi list`"
    )
    with pytest.raises(VisibleDevicesError, match=f"^{re.escape(message)}$"):
        visibility.visible_devices(VisibilitySettings(None, "HIP_VISIBLE_DEVICES", "GPU-"),
                                   HIP_ORDER, UUIDS)
