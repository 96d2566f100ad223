"""The one seam to amdsmi (AMD's System Management Interface binding): plain records out.

Every amdsmi call of this package goes through this module, so tests fake a whole node by
putting a fake ``amdsmi`` module in ``sys.modules`` (or a fake package first on
``PYTHONPATH`` in a subprocess). amdsmi never creates a HIP context, and its processor
handles ignore ``HIP_VISIBLE_DEVICES``: indices here are physical (amdsmi's order).

amdsmi misbehaves in ways an ``except ImportError`` misses, so each use is wrapped whole:

* without ``libamd_smi.so`` its import *prints* two lines to stdout, then raises
  ``KeyError: 'libamd_smi.so'``, again on every retry;
* a wrapper newer than the installed ROCm raises ``AttributeError: ... undefined symbol``
  at import (it binds all of the library's symbols up front);
* ``amdsmi_init`` raises ``AmdSmiLibraryException`` (status 34 when the amdgpu driver is
  not loaded).

stdout is captured around the import and every session, every exception becomes an
``SmiUnavailable`` with a reason for people, and ``amdsmi_shut_down`` follows every
successful ``amdsmi_init``. The capture swaps ``sys.stdout`` for the whole process for
the length of a session; detection runs once, before an engine starts its threads.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeVar

from hwcore_rocm.links import Link

T = TypeVar("T")

_NOT_AVAILABLE = ("", "N/A")
# Why amdsmi_init may fail, by AMDSMI_STATUS code (stable across amdsmi releases).
_INIT_REASONS = {
    34: "the amdgpu driver is not loaded",  # AMDSMI_STATUS_DRIVER_NOT_LOADED
    10: "no permission to use amdsmi",  # AMDSMI_STATUS_NO_PERM
    18: "amdsmi failed to initialise",  # AMDSMI_STATUS_INIT_ERROR
    4: "amdsmi failed to load a kernel module",  # AMDSMI_STATUS_FAIL_LOAD_MODULE
}
_MATCHING_WRAPPER = (
    "install the amdsmi release of your ROCm (same major.minor) or use the wrapper ROCm "
    "ships in its install folder"
)


@dataclass(frozen=True)
class SmiDevice:
    """One GPU as amdsmi reports it; ``index`` is amdsmi's (physical) order, ``hip_id``
    the HIP ordinal amdsmi 7 reports (``None`` before 7.0). ``None``: not reported."""

    index: int
    architecture: str
    device_id: str | None
    market_name: str | None
    uuid: str | None
    total_memory: int | None
    pci_bus_id: str | None = None
    numa_node: int | None = None
    compute_units: int | None = None
    hip_id: int | None = None
    hip_uuid: str | None = None


@dataclass(frozen=True)
class SmiTable:
    """Every AMD GPU of the node and the links between each pair that amdsmi could read."""

    devices: tuple[SmiDevice, ...]
    links: tuple[Link, ...] = ()
    library_version: str | None = None
    driver_version: str | None = None


@dataclass(frozen=True)
class SmiUnavailable:
    """amdsmi could not be used; ``reason`` is for people, ``error`` the exception class."""

    reason: str
    error: str


# --------------------------------------------------------------------------- the queries


def read_device_table() -> SmiTable | SmiUnavailable:
    """Read every AMD GPU and every pairwise link in one amdsmi session, or say why not."""
    return _in_session(_read_table)


def read_links(physical_ids: list[int]) -> tuple[Link, ...] | SmiUnavailable:
    """The links between each pair of GPUs ``physical_ids``, read now (vLLM asks amdsmi
    each time too: links can go down)."""

    def read(smi: ModuleType) -> tuple[Link, ...]:
        handles = list(smi.amdsmi_get_processor_handles())
        links = _read_links(smi, [handles[i] for i in physical_ids])
        return tuple(
            Link(physical_ids[link.first], physical_ids[link.second], link.hops, link.link_type)
            for link in links
        )

    return _in_session(read)


def memory_used(physical_index: int) -> int | None:
    """VRAM bytes in use on GPU ``physical_index`` (by any process), ``None`` if unknown."""
    answer = _in_session(lambda smi: _vram_used(smi, physical_index))
    return answer if isinstance(answer, int) else None


# ----------------------------------------------------------------------------- sessions


def _in_session(work: Callable[[ModuleType], T]) -> T | SmiUnavailable:
    """``work(amdsmi)`` between ``amdsmi_init`` and ``amdsmi_shut_down``, stdout captured,
    every exception turned into ``SmiUnavailable``."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        smi = _import_amdsmi(printed)
        if isinstance(smi, SmiUnavailable):
            return smi
        try:
            smi.amdsmi_init()
        except Exception as error:  # AmdSmiLibraryException, or anything a broken wrapper raises
            return _init_failure(error)
        try:
            return work(smi)
        except Exception as error:  # a query that fails mid-way: amdsmi is not usable here
            return SmiUnavailable(
                f"amdsmi failed while reading the GPUs ({_describe(error)})", type(error).__name__
            )
        finally:
            with contextlib.suppress(Exception):  # a failed shut-down changes no answer
                smi.amdsmi_shut_down()


def _import_amdsmi(printed: io.StringIO) -> ModuleType | SmiUnavailable:
    try:
        import amdsmi
    except ModuleNotFoundError as error:
        if error.name != "amdsmi":
            return _import_failure(error, printed)
        return SmiUnavailable(
            "amdsmi is not installed (pip install 'hwcore-rocm[amdsmi]', matching your ROCm "
            "release)",
            type(error).__name__,
        )
    except Exception as error:  # KeyError, AttributeError: see the module docstring
        return _import_failure(error, printed)
    module: ModuleType = amdsmi
    return module


def _import_failure(error: Exception, printed: io.StringIO) -> SmiUnavailable:
    said = [line.strip() for line in printed.getvalue().splitlines() if line.strip()]
    detail = f"{_describe(error)}" + (f"; it printed: {said[-1]}" if said else "")
    if isinstance(error, KeyError):
        fix = "install ROCm's amd-smi-lib or point ROCM_PATH at the ROCm install"
        return SmiUnavailable(
            f"amdsmi cannot load libamd_smi.so ({detail}); {fix}", type(error).__name__
        )
    if isinstance(error, AttributeError) and "undefined symbol" in str(error):
        return SmiUnavailable(
            f"the amdsmi wrapper does not match the installed ROCm library ({detail}); "
            f"{_MATCHING_WRAPPER}",
            type(error).__name__,
        )
    return SmiUnavailable(f"amdsmi cannot be imported ({detail})", type(error).__name__)


def _init_failure(error: Exception) -> SmiUnavailable:
    code = getattr(error, "err_code", None)
    reason = _INIT_REASONS.get(code, "amdsmi cannot be initialised") if isinstance(code, int) else (
        "amdsmi cannot be initialised"
    )
    return SmiUnavailable(f"{reason} ({_describe(error)})", type(error).__name__)


def _describe(error: BaseException) -> str:
    # AmdSmiLibraryException's text spans lines ("Error code:\n\t34 | ...").
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# ------------------------------------------------------------------------------ reading


def _read_table(smi: ModuleType) -> SmiTable:
    handles = list(smi.amdsmi_get_processor_handles())
    devices = tuple(_read_device(smi, index, handle) for index, handle in enumerate(handles))
    driver = _optional(smi.amdsmi_get_gpu_driver_info, handles[0]) if handles else None
    return SmiTable(
        devices=devices,
        links=_read_links(smi, handles),
        library_version=_library_version(smi),
        driver_version=_text(driver.get("driver_version")) if isinstance(driver, dict) else None,
    )


def _read_device(smi: ModuleType, index: int, handle: Any) -> SmiDevice:
    asic = smi.amdsmi_get_gpu_asic_info(handle)  # required: without it the GPU is unknown
    enumeration = _optional(getattr(smi, "amdsmi_get_gpu_enumeration_info", None), handle)
    enumeration = enumeration if isinstance(enumeration, dict) else {}
    return SmiDevice(
        index=index,
        architecture=_text(asic.get("target_graphics_version")) or "",
        device_id=_text(asic.get("device_id")),
        market_name=_text(asic.get("market_name")),
        uuid=_text(_optional(smi.amdsmi_get_gpu_device_uuid, handle)),
        total_memory=_bytes(_optional(_vram_total, smi, handle)),
        pci_bus_id=_text(_optional(smi.amdsmi_get_gpu_device_bdf, handle)),
        numa_node=_count(_optional(smi.amdsmi_topo_get_numa_node_number, handle)),
        compute_units=_count(asic.get("num_compute_units")),
        hip_id=_count(enumeration.get("hip_id")),
        hip_uuid=_text(enumeration.get("hip_uuid")),
    )


def _read_links(smi: ModuleType, handles: list[Any]) -> tuple[Link, ...]:
    links = []
    for first, first_handle in enumerate(handles):
        for second in range(first + 1, len(handles)):
            found = _optional(smi.amdsmi_topo_get_link_type, first_handle, handles[second])
            if isinstance(found, dict) and isinstance(found.get("hops"), int):
                links.append(Link(first, second, found["hops"], int(found.get("type", -1))))
    return tuple(links)


def _vram_total(smi: ModuleType, handle: Any) -> Any:
    return smi.amdsmi_get_gpu_memory_total(handle, smi.AmdSmiMemoryType.VRAM)


def _vram_used(smi: ModuleType, physical_index: int) -> int | None:
    handles = list(smi.amdsmi_get_processor_handles())
    if not 0 <= physical_index < len(handles):
        return None
    used = smi.amdsmi_get_gpu_memory_usage(handles[physical_index], smi.AmdSmiMemoryType.VRAM)
    return _bytes(used)


def _library_version(smi: ModuleType) -> str | None:
    version = _optional(getattr(smi, "amdsmi_get_lib_version", None))
    if not isinstance(version, dict):
        return None
    parts = [version.get(key) for key in ("major", "minor", "release")]
    return ".".join(str(p) for p in parts) if all(isinstance(p, int) for p in parts) else None


def _optional(query: Callable[..., Any] | None, *args: Any) -> Any:
    """``query(*args)``, or ``None`` when this amdsmi lacks it (older releases) or it fails
    for this GPU (``AMDSMI_STATUS_NOT_SUPPORTED`` on consumer parts, virtual functions)."""
    if query is None:
        return None
    try:
        return query(*args)
    except Exception:  # an optional fact: any failure means "not reported"
        return None


def _text(value: object) -> str | None:
    if not isinstance(value, str) or value.strip() in _NOT_AVAILABLE:
        return None
    return value.strip()


def _count(value: object) -> int | None:
    # amdsmi reports "N/A" (or UINT32_MAX, on older releases) for a value it does not know.
    return _bounded(value, 0xFFFFFFFF)


def _bytes(value: object) -> int | None:
    return _bounded(value, 0xFFFFFFFFFFFFFFFF)


def _bounded(value: object, unknown: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < unknown:
        return None
    return value
