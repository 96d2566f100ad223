"""The device communicator vLLM builds its process groups with, from hwcore's record.

``PlatformInfo.device_communicator_cls`` defaults to hwcore's generic communicator over
torch.distributed; vLLM's generic counterpart is ``DeviceCommunicatorBase``, which is what
vLLM's own ``Platform`` answers when a platform names nothing special. A platform that
names its own class must name a vLLM communicator for vLLM to run it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from hwcore import PlatformInfo
from hwcore_vllm.errors import NotRunnableByVllmError

VLLM_COMMUNICATOR_BASE = (
    "vllm.distributed.device_communicators.base_device_communicator.DeviceCommunicatorBase"
)
HWCORE_DEFAULT_COMMUNICATOR = str(next(
    field.default for field in dataclasses.fields(PlatformInfo)
    if field.name == "device_communicator_cls"
))


def vllm_communicator(
    info: PlatformInfo, is_vllm_communicator: Callable[[str], bool]
) -> str:
    """The communicator class path vLLM should build for ``info``'s platform.

    ``is_vllm_communicator(path)`` says whether a class is a vLLM ``DeviceCommunicatorBase``
    and raises ``ImportError`` saying why when it does not import.
    """
    class_path = info.device_communicator_cls
    if class_path == HWCORE_DEFAULT_COMMUNICATOR:
        return VLLM_COMMUNICATOR_BASE
    named = (f"hwcore's platform {info.name!r} names the device communicator {class_path}")
    try:
        if is_vllm_communicator(class_path):
            return class_path
    except ImportError as error:
        raise NotRunnableByVllmError(f"{named}, but vLLM cannot load it: {error}") from error
    raise NotRunnableByVllmError(
        f"{named}, which is not a vLLM device communicator ({VLLM_COMMUNICATOR_BASE}); "
        "vLLM builds its process groups only with one. The platform's vendor can name a "
        "vLLM communicator in PlatformInfo.device_communicator_cls (docs/vllm.md)"
    )
