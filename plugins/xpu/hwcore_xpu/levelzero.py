"""The one seam to Level Zero Sysman (``pyzes``, Intel's ctypes binding): records out.

Sysman (``zesInit``) enumerates the driver's devices without creating a device context, so
it is safe before ``fork`` (``torch.xpu.device_count`` uses it for the same reason). It
lists every device in discovery order, whatever ``ZE_AFFINITY_MASK`` says
(compute-runtime's ``level_zero/sysman/source/driver/sysman_driver.cpp`` neither sorts nor
masks); ``hwcore_xpu.visibility`` orders the devices as the runtime does and applies the
mask. ``pyzes`` is an optional extra (``hwcore-xpu[levelzero]``) and loads
``libze_loader.so.1`` when imported, raising ``OSError`` where Level Zero is not
installed, so it is imported inside the function and every exception is caught here: any
failure becomes ``LevelZeroUnavailable`` with the reason, and detection moves on to sysfs.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

_FLAG_INTEGRATED = 1 << 0  # ZES_DEVICE_PROPERTY_FLAG_INTEGRATED (zes_device_property_flag_t)
_LOCATION_DEVICE = 1  # ZES_MEM_LOC_DEVICE: the memory module sits on the GPU
_RESULT_NAMES = {  # ze_result_t values a failed enumeration reports (ze_api.h)
    0x70000001: "ZE_RESULT_ERROR_DEVICE_LOST",
    0x70010000: "ZE_RESULT_ERROR_INSUFFICIENT_PERMISSIONS",
    0x70010001: "ZE_RESULT_ERROR_NOT_AVAILABLE",
    0x70020000: "ZE_RESULT_ERROR_DEPENDENCY_UNAVAILABLE",
    0x78000001: "ZE_RESULT_ERROR_UNINITIALIZED",
    0x78000003: "ZE_RESULT_ERROR_UNSUPPORTED_FEATURE",
    0x7FFFFFFE: "ZE_RESULT_ERROR_UNKNOWN",
}


@dataclass(frozen=True)
class ZesDevice:
    """One device as Sysman reports it; ``tile_memory`` has one entry per tile."""

    name: str
    vendor_id: int
    device_id: int
    integrated: bool
    subdevices: int
    driver_version: str | None
    uuid: str | None
    pci_address: str | None
    tile_memory: tuple[int | None, ...]


@dataclass(frozen=True)
class ZesTable:
    """Every GPU of the first Level Zero driver."""

    devices: tuple[ZesDevice, ...]


@dataclass(frozen=True)
class LevelZeroUnavailable:
    """Why Sysman could not be used."""

    reason: str


class _ZesFailure(Exception):
    """A Sysman call returned something other than ZE_RESULT_SUCCESS."""


def read_device_table() -> ZesTable | LevelZeroUnavailable:
    """Every GPU Level Zero Sysman reports, or why it cannot be asked."""
    try:
        import pyzes
    except ModuleNotFoundError as error:
        if error.name != "pyzes":
            return _failed(error)
        return LevelZeroUnavailable(
            "pyzes is not installed (pip install 'hwcore-xpu[levelzero]' for Level Zero)"
        )
    except Exception as error:  # pyzes loads libze_loader.so.1 on import: OSError and more
        return _failed(error)
    try:
        return ZesTable(tuple(_read_devices(pyzes)))
    except _ZesFailure as failure:
        return LevelZeroUnavailable(f"Level Zero Sysman: {failure}")
    except Exception as error:  # a binding older or newer than this code may raise anything
        return _failed(error)


def free_memory(physical_card: int, tiles: tuple[int, ...]) -> int | None:
    """Free device memory, in bytes, of ``tiles`` of Sysman device ``physical_card``;
    ``None`` when Sysman cannot say."""
    try:
        import pyzes

        device = _devices(pyzes)[physical_card]
        properties, _ = _properties(pyzes, device)
        tile_count = max(1, int(properties.numSubdevices))
        states = [(tile, state.free) for tile, state in _memory_states(pyzes, device, tile_count)]
    except Exception:  # the seam's promise: never raise, answer "unknown"
        return None
    chosen = [free for tile, free in states if tile in tiles]
    return sum(chosen) if chosen else None


def _failed(error: BaseException) -> LevelZeroUnavailable:
    return LevelZeroUnavailable(
        f"pyzes cannot be used ({type(error).__name__}: {error})"
    )


def _check(pyzes: ModuleType, result: int, call: str) -> None:
    if result != pyzes.ZE_RESULT_SUCCESS:
        name = _RESULT_NAMES.get(result, f"{result:#x}")
        raise _ZesFailure(f"{call} returned {name}")


def _devices(pyzes: ModuleType) -> list[Any]:
    import ctypes  # here, not at module level: only a working pyzes needs it

    _check(pyzes, pyzes.zesInit(0), "zesInit")
    count = ctypes.c_uint32(0)
    _check(pyzes, pyzes.zesDriverGet(ctypes.byref(count), None), "zesDriverGet")
    if count.value == 0:
        return []
    drivers = (pyzes.zes_driver_handle_t * count.value)()
    _check(pyzes, pyzes.zesDriverGet(ctypes.byref(count), drivers), "zesDriverGet")
    count = ctypes.c_uint32(0)
    _check(pyzes, pyzes.zesDeviceGet(drivers[0], ctypes.byref(count), None), "zesDeviceGet")
    devices = (pyzes.zes_device_handle_t * count.value)()
    _check(pyzes, pyzes.zesDeviceGet(drivers[0], ctypes.byref(count), devices), "zesDeviceGet")
    return list(devices)


def _read_devices(pyzes: ModuleType) -> list[ZesDevice]:
    found = []
    for device in _devices(pyzes):
        properties, extended = _properties(pyzes, device)
        if properties.core.type != pyzes.ZES_DEVICE_TYPE_GPU:
            continue
        tiles = max(1, int(properties.numSubdevices))
        memory: dict[int, int] = {}
        for tile, state in _memory_states(pyzes, device, tiles):
            memory[tile] = memory.get(tile, 0) + int(state.size)
        found.append(ZesDevice(
            name=_text(properties.core.name),
            vendor_id=int(properties.core.vendorId),
            device_id=int(properties.core.deviceId),
            integrated=bool(extended.flags & _FLAG_INTEGRATED),
            subdevices=int(properties.numSubdevices),
            driver_version=_text(properties.driverVersion) or None,
            uuid=_uuid(bytes(properties.core.uuid.id)),
            pci_address=_pci_address(pyzes, device),
            tile_memory=tuple(memory.get(tile) for tile in range(tiles)),
        ))
    return found


def _properties(pyzes: ModuleType, device: Any) -> tuple[Any, Any]:
    import ctypes

    properties = pyzes.zes_device_properties_t()
    properties.stype = pyzes.ZES_STRUCTURE_TYPE_DEVICE_PROPERTIES
    extended = pyzes.zes_device_ext_properties_t()
    extended.stype = pyzes.ZES_STRUCTURE_TYPE_DEVICE_EXT_PROPERTIES
    properties.pNext = ctypes.cast(ctypes.pointer(extended), ctypes.c_void_p)
    _check(pyzes, pyzes.zesDeviceGetProperties(device, ctypes.byref(properties)),
           "zesDeviceGetProperties")
    return properties, extended


def _memory_states(pyzes: ModuleType, device: Any, tiles: int) -> list[tuple[int, Any]]:
    """(tile, zes_mem_state_t) of each on-GPU memory module of a device with ``tiles``
    tiles. On a multi-tile device a module Sysman does not place on a tile is left out:
    which tile holds it is unknown, and an unknown size beats a wrong one."""
    import ctypes

    count = ctypes.c_uint32(0)
    _check(pyzes, pyzes.zesDeviceEnumMemoryModules(device, ctypes.byref(count), None),
           "zesDeviceEnumMemoryModules")
    modules = (pyzes.zes_mem_handle_t * count.value)()
    _check(pyzes, pyzes.zesDeviceEnumMemoryModules(device, ctypes.byref(count), modules),
           "zesDeviceEnumMemoryModules")
    states = []
    for module in modules:
        properties = pyzes.zes_mem_properties_t()
        properties.stype = pyzes.ZES_STRUCTURE_TYPE_MEM_PROPERTIES
        _check(pyzes, pyzes.zesMemoryGetProperties(module, ctypes.byref(properties)),
               "zesMemoryGetProperties")
        if properties.location != _LOCATION_DEVICE:
            continue
        state = pyzes.zes_mem_state_t()
        state.stype = pyzes.ZES_STRUCTURE_TYPE_MEM_STATE
        _check(pyzes, pyzes.zesMemoryGetState(module, ctypes.byref(state)), "zesMemoryGetState")
        if properties.onSubdevice:
            states.append((int(properties.subdeviceId), state))
        elif tiles == 1:
            states.append((0, state))
    return states


def _pci_address(pyzes: ModuleType, device: Any) -> str | None:
    import ctypes

    properties = pyzes.zes_pci_properties_t()
    properties.stype = pyzes.ZES_STRUCTURE_TYPE_PCI_PROPERTIES
    if pyzes.zesDevicePciGetProperties(device, ctypes.byref(properties)) != pyzes.ZE_RESULT_SUCCESS:
        return None  # virtual functions may not answer; the device is still usable
    address = properties.address
    return f"{address.domain:04x}:{address.bus:02x}:{address.device:02x}.{address.function:x}"


def _uuid(raw: bytes) -> str | None:
    if not any(raw):
        return None
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:32]}"


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.split(b"\x00", 1)[0].decode(errors="replace").strip()
    return str(value).strip()

