"""The one seam to NVML (``pynvml`` from nvidia-ml-py): plain records in, nothing else out.

Every NVML call of this package goes through this module, so tests fake a whole node by
patching the ``pynvml`` functions (keeping its real ``NVMLError`` classes) or by putting a
fake ``pynvml`` first on ``sys.path`` in a subprocess.

NVML never creates a CUDA context and works on *physical* indices (PCI bus order): it
ignores ``CUDA_VISIBLE_DEVICES``; ``hwcore_cuda.visibility`` maps logical to physical.
``pynvml`` is imported inside each function: importing this module loads no native library.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

# Why NVML may be unusable, by NVML error code; the codes are stable across bindings.
_UNAVAILABLE_REASONS = {
    12: "NVML library not found",  # NVML_ERROR_LIBRARY_NOT_FOUND: no libnvidia-ml.so.1
    9: "NVIDIA driver not loaded",  # NVML_ERROR_DRIVER_NOT_LOADED: container without /dev/nvidia*
    4: "no permission to use NVML",  # NVML_ERROR_NO_PERMISSION
    18: "NVML library and kernel driver versions differ",  # LIB_RM_VERSION_MISMATCH
}


@dataclass(frozen=True)
class MigInstance:
    """A MIG slice of a GPU, as ``CUDA_VISIBLE_DEVICES=MIG-<uuid>`` names it."""

    uuid: str
    total_memory: int | None


@dataclass(frozen=True)
class NvmlDevice:
    """One physical GPU as NVML reports it; ``index`` is the physical (PCI-order) index."""

    index: int
    name: str
    uuid: str
    capability: tuple[int, int] | None
    total_memory: int | None
    mig_instances: tuple[MigInstance, ...] = ()


@dataclass(frozen=True)
class DeviceTable:
    """Every GPU on the node, with the driver that runs them."""

    driver_version: str
    cuda_driver_version: int | None
    devices: tuple[NvmlDevice, ...]


@dataclass(frozen=True)
class NvmlUnavailable:
    """NVML could not be used; ``reason`` is for people, ``error`` the exception class."""

    reason: str
    error: str


def read_device_table() -> DeviceTable | NvmlUnavailable:
    """Read every device through NVML, or say why NVML cannot be used.

    Only ``NVMLError`` is turned into ``NvmlUnavailable``; any other exception is a real
    fault and propagates (vLLM's rule).
    """
    pynvml = _import_pynvml()
    if isinstance(pynvml, NvmlUnavailable):
        return pynvml
    try:
        with _nvml_session(pynvml):
            return DeviceTable(
                driver_version=_text(pynvml.nvmlSystemGetDriverVersion()),
                cuda_driver_version=_optional(pynvml, pynvml.nvmlSystemGetCudaDriverVersion),
                devices=tuple(
                    _read_device(pynvml, index) for index in range(pynvml.nvmlDeviceGetCount())
                ),
            )
    except pynvml.NVMLError as error:
        return _unavailable(error)


def nvlink_fully_connected(physical_ids: Sequence[int]) -> bool:
    """Whether every pair of ``physical_ids`` can talk peer-to-peer over NVLink.

    Any NVML failure answers ``False``: a custom all-reduce on a link that is not there
    would hang, so "unknown" must mean "not connected".
    """
    pynvml = _import_pynvml()
    if isinstance(pynvml, NvmlUnavailable):
        return False
    try:
        with _nvml_session(pynvml):
            handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in physical_ids]
            return all(
                pynvml.nvmlDeviceGetP2PStatus(first, second, pynvml.NVML_P2P_CAPS_INDEX_NVLINK)
                == pynvml.NVML_P2P_STATUS_OK
                for position, first in enumerate(handles)
                for second in handles[position + 1 :]
            )
    except pynvml.NVMLError:
        return False


def _import_pynvml() -> ModuleType | NvmlUnavailable:
    try:
        import pynvml
    except Exception as error:  # a broken binding may raise anything on import
        return NvmlUnavailable(
            f"nvidia-ml-py (module pynvml) cannot be imported ({type(error).__name__}: {error})",
            type(error).__name__,
        )
    module: ModuleType = pynvml
    return module


@contextmanager
def _nvml_session(pynvml: ModuleType) -> Iterator[None]:
    # nvmlShutdown before a successful nvmlInit raises Uninitialized, so init stays outside.
    pynvml.nvmlInit()
    try:
        yield
    finally:
        pynvml.nvmlShutdown()


def _read_device(pynvml: ModuleType, index: int) -> NvmlDevice:
    handle = pynvml.nvmlDeviceGetHandleByIndex(index)
    capability = _optional(pynvml, pynvml.nvmlDeviceGetCudaComputeCapability, handle)
    return NvmlDevice(
        index=index,
        name=_text(pynvml.nvmlDeviceGetName(handle)),
        uuid=_text(pynvml.nvmlDeviceGetUUID(handle)),
        capability=None if capability is None else (int(capability[0]), int(capability[1])),
        total_memory=_total_memory(pynvml, handle),
        mig_instances=_mig_instances(pynvml, handle),
    )


def _total_memory(pynvml: ModuleType, handle: Any) -> int | None:
    # Unified-memory parts (GB10 / DGX Spark) answer NotSupported here.
    memory = _optional(pynvml, pynvml.nvmlDeviceGetMemoryInfo, handle)
    return None if memory is None else int(memory.total)


def _mig_instances(pynvml: ModuleType, handle: Any) -> tuple[MigInstance, ...]:
    mode = _optional(pynvml, pynvml.nvmlDeviceGetMigMode, handle)
    if mode is None or mode[0] != pynvml.NVML_DEVICE_MIG_ENABLE:
        return ()
    instances = []
    for slot in range(pynvml.nvmlDeviceGetMaxMigDeviceCount(handle)):
        mig = _optional(pynvml, pynvml.nvmlDeviceGetMigDeviceHandleByIndex, handle, slot)
        if mig is not None:  # empty slots answer NotFound
            uuid = _text(pynvml.nvmlDeviceGetUUID(mig))
            instances.append(MigInstance(uuid, _total_memory(pynvml, mig)))
    return tuple(instances)


def _optional(pynvml: ModuleType, query: Any, *args: Any) -> Any:
    """``query(*args)``, or ``None`` when NVML says the query is not available here."""
    try:
        return query(*args)
    except pynvml.NVMLError:
        return None


def _unavailable(error: Exception) -> NvmlUnavailable:
    code = getattr(error, "value", None)
    reason = _UNAVAILABLE_REASONS.get(code, "NVML cannot be used") if isinstance(code, int) else (
        "NVML cannot be used"
    )
    return NvmlUnavailable(f"{reason} ({error})", type(error).__name__)


def _text(value: object) -> str:
    # Bindings before 11.515 returned bytes.
    return value.decode() if isinstance(value, bytes) else str(value)


def free_memory(physical_index: int, mig_uuid: str | None = None) -> int | None:
    """Free bytes on GPU ``physical_index`` (or its MIG slice ``mig_uuid``) as NVML reports
    them now, without a CUDA context; ``None`` when NVML cannot tell."""
    pynvml = _import_pynvml()
    if isinstance(pynvml, NvmlUnavailable):
        return None
    try:
        with _nvml_session(pynvml):
            handle = pynvml.nvmlDeviceGetHandleByIndex(physical_index)
            if mig_uuid is not None:
                handle = _mig_handle(pynvml, handle, mig_uuid)
            memory = _optional(pynvml, pynvml.nvmlDeviceGetMemoryInfo, handle)
            return None if memory is None else int(memory.free)
    except pynvml.NVMLError:
        return None


def _mig_handle(pynvml: ModuleType, handle: Any, mig_uuid: str) -> Any:
    for slot in range(pynvml.nvmlDeviceGetMaxMigDeviceCount(handle)):
        mig = _optional(pynvml, pynvml.nvmlDeviceGetMigDeviceHandleByIndex, handle, slot)
        if mig is not None and _text(pynvml.nvmlDeviceGetUUID(mig)).lower() == mig_uuid.lower():
            return mig
    raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_FOUND)
