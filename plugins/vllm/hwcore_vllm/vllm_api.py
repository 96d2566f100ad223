"""The seam to vLLM: every name the bridge reads from vLLM outside its platform class.

Imported only inside vLLM processes (vLLM is the caller), each function imports what it
needs when called. Tests of the translations replace these with plain values.
"""

from __future__ import annotations

import importlib
from typing import Any

from hwcore_vllm.attention import AttentionView
from hwcore_vllm.engine_config import VllmTypes
from hwcore_vllm.policy import BuiltinDetectors


def builtin_platform_detectors() -> BuiltinDetectors:
    """vLLM's built-in platform detectors by name, as vLLM itself holds them."""
    from vllm import platforms

    return platforms.builtin_platform_plugins  # type: ignore[no-any-return]


def attention_view() -> AttentionView:
    """What the attention mapping needs to know about vLLM's backends."""
    return AttentionView(registered_path=_registered_attention_path,
                         is_vllm_backend=_is_vllm_attention_backend)


def config_types() -> VllmTypes:
    """vLLM's and torch's types that adjusted values are written back as."""
    import torch
    from vllm.config.compilation import CompilationMode, CUDAGraphMode

    return VllmTypes(compilation_mode=CompilationMode, cudagraph_mode=CUDAGraphMode,
                     torch_dtype=lambda name: getattr(torch, name))


def is_vllm_communicator(class_path: str) -> bool:
    """Whether ``class_path`` is a vLLM device communicator (raises ``ImportError``
    naming the cause when it does not import)."""
    from vllm.distributed.device_communicators.base_device_communicator import (
        DeviceCommunicatorBase,
    )

    return _is_subclass(class_path, DeviceCommunicatorBase)


def _registered_attention_path(name: str) -> str | None:
    from vllm.v1.attention.backends.registry import AttentionBackendEnum

    member = AttentionBackendEnum.__members__.get(name)
    if member is None:
        return None
    try:
        return str(member.get_path())
    except ValueError:  # a member vLLM keeps without a class (TORCH_SDPA, CUSTOM)
        return ""


def _is_vllm_attention_backend(class_path: str) -> bool:
    from vllm.v1.attention.backend import AttentionBackend

    return _is_subclass(class_path, AttentionBackend)


def _is_subclass(class_path: str, base: type) -> bool:
    module_name, _, class_name = class_path.rpartition(".")
    try:
        found: Any = getattr(importlib.import_module(module_name), class_name)
    except Exception as error:  # a class path may fail to import in any way; say how
        raise ImportError(f"{class_path} does not import: {type(error).__name__}: {error}") \
            from error
    return isinstance(found, type) and issubclass(found, base)
