"""HIP_VISIBLE_DEVICES, CUDA_VISIBLE_DEVICES and ROCR_VISIBLE_DEVICES as pure functions."""

from __future__ import annotations

import re

import pytest

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
