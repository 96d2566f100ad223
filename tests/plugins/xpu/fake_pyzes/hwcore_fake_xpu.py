"""Fake Intel GPU nodes for tests: a PCI sysfs tree and a ``pyzes`` with the same devices.

A node is a list of ``FakeGpu``, named like ``"Max1550"``, ``"2xA770"`` or
``"MTL+A770+B580"`` (see ``MODELS``). ``write_sysfs(root, gpus)`` writes what the kernel
publishes under ``<root>/bus/pci/devices``; ``fake_pyzes(gpus)`` returns a module with
pyzes's functions over ctypes structures, answering as Level Zero Sysman would. Product
code has no switch for either: the tests point ``HWCORE_SYSFS_ROOT`` at the tree, and put
the module in ``sys.modules`` (in process) or the ``fake_pyzes/`` directory first on
``PYTHONPATH`` (in a subprocess, node named by ``HWCORE_FAKE_PYZES``).
"""

from __future__ import annotations

import ctypes
import os
import types
from ctypes import POINTER, Structure, c_char, c_int32, c_uint8, c_uint32, c_uint64, c_void_p
from dataclasses import dataclass, replace
from pathlib import Path

GIB = 1 << 30
VIRTIO_NET = ("0000:00:03.0", "0x1af4", "0x1000", "0x020000")  # noise every node carries
HOST_BRIDGE = ("0000:00:00.0", "0x8086", "0x1237", "0x060000")  # Intel, but not a GPU


@dataclass(frozen=True)
class FakeGpu:
    """One Intel GPU PCI function and what Level Zero says about it."""

    device_id: int
    class_code: int
    name: str
    tile_bytes: tuple[int | None, ...]  # one per tile; None: the kernel publishes no size
    integrated: bool = False
    driver: str | None = "xe"
    address: str = ""
    numa_node: int = 0
    sysfs_tile_dirs: bool = True  # xe publishes tile<N>/ directories, i915 does not
    memory_on_tiles: bool = True  # Sysman places each memory module on its tile

    @property
    def tiles(self) -> int:
        return len(self.tile_bytes)


MODELS: dict[str, FakeGpu] = {
    "Max1550": FakeGpu(0x0BD5, 0x038000, "Intel(R) Data Center GPU Max 1550", (64 * GIB,) * 2),
    "Max1100": FakeGpu(0x0BDA, 0x038000, "Intel(R) Data Center GPU Max 1100", (48 * GIB,)),
    "Flex170": FakeGpu(0x56C0, 0x038000, "Intel(R) Data Center GPU Flex 170", (16 * GIB,)),
    "A770": FakeGpu(0x56A0, 0x030000, "Intel(R) Arc(TM) A770 Graphics", (16 * GIB,)),
    "B580": FakeGpu(0xE20B, 0x030000, "Intel(R) Arc(TM) B580 Graphics", (12 * GIB,)),
    # Meteor Lake's integrated GPU on i915: no tile directories, no local memory.
    "MTL": FakeGpu(0x7D55, 0x030000, "Intel(R) Arc(TM) Graphics", (None,), integrated=True,
                   driver="i915", sysfs_tile_dirs=False),
    # Alder Lake-S UHD Graphics 770 (Xe-LP): not a PyTorch XPU target.
    "UHD770": FakeGpu(0x4680, 0x030000, "Intel(R) UHD Graphics 770", (None,), integrated=True,
                      driver="i915", sysfs_tile_dirs=False),
    # Meteor Lake's NPU: an Intel accelerator-class function that is not a GPU.
    "NPU": FakeGpu(0x7D1D, 0x120000, "Intel(R) AI Boost", (None,), integrated=True,
                   driver="intel_vpu", sysfs_tile_dirs=False),
}
NODES = {
    "empty": "",
    "laptop": "MTL+NPU",  # integrated GPU only (and an NPU)
    "mixed": "MTL+A770+B580",
    "old-desktop": "UHD770",
}


def gpus(spec: str) -> list[FakeGpu]:
    """``"Max1550"``, ``"2xA770"``, ``"MTL+A770+B580"`` or a ``NODES`` name, with PCI
    addresses: integrated at 0000:00:02.0 (the NPU at 00:0b.0), discrete from bus 0x3a up."""
    spec = NODES.get(spec, spec)
    table: list[FakeGpu] = []
    for part in filter(None, spec.split("+")):
        count, times, model = part.partition("x")
        if not (times and count.isdigit()):
            count, model = "1", part
        table += [MODELS[model]] * int(count)
    placed, bus = [], 0x3A
    for gpu in table:
        if gpu.device_id == 0x7D1D:
            address = "0000:00:0b.0"
        elif gpu.integrated:
            address = "0000:00:02.0"
        else:
            address, bus = f"0000:{bus:02x}:00.0", bus + 0x10
        placed.append(replace(gpu, address=address))
    return placed


# ----------------------------------------------------------------------------- sysfs


def write_sysfs(root: Path, node: list[FakeGpu], *, new_memory_layout: bool = False) -> Path:
    """Write ``node`` (plus a virtio NIC and an Intel host bridge) as ``<root>/bus/pci``."""
    devices = root / "bus" / "pci" / "devices"
    devices.mkdir(parents=True, exist_ok=True)
    for address, vendor, device, class_code in (VIRTIO_NET, HOST_BRIDGE):
        _function(devices / address, vendor, device, class_code, driver=None, numa=-1)
    for gpu in node:
        path = _function(devices / gpu.address, "0x8086", f"0x{gpu.device_id:04x}",
                         f"0x{gpu.class_code:06x}", driver=gpu.driver, numa=gpu.numa_node)
        if gpu.sysfs_tile_dirs:
            for tile, size in enumerate(gpu.tile_bytes):
                folder = path / f"tile{tile}" / ("memory" if new_memory_layout else "")
                folder.mkdir(parents=True, exist_ok=True)
                if size is not None:
                    (folder / "physical_vram_size_bytes").write_text(f"{size}\n")
    return root


def _function(
    path: Path, vendor: str, device: str, class_code: str, driver: str | None, numa: int
) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, value in (("vendor", vendor), ("device", device), ("class", class_code),
                        ("numa_node", str(numa))):
        (path / name).write_text(value + "\n")
    if driver is not None:
        drivers = path.parents[1] / "drivers" / driver
        drivers.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(drivers, path), path / "driver")
    return path


# ---------------------------------------------------------------------------- pyzes
# The structures carry the fields hwcore-xpu reads, with pyzes's names and C types.


class ze_device_uuid_t(Structure):
    _fields_ = [("id", c_uint8 * 16)]


class ze_device_properties_t(Structure):
    _fields_ = [("stype", c_int32), ("pNext", c_void_p), ("type", c_int32),
                ("vendorId", c_uint32), ("deviceId", c_uint32), ("flags", c_uint32),
                ("uuid", ze_device_uuid_t), ("name", c_char * 256)]


class zes_device_properties_t(Structure):
    _fields_ = [("stype", c_int32), ("pNext", c_void_p), ("core", ze_device_properties_t),
                ("numSubdevices", c_uint32), ("driverVersion", c_char * 64)]


class zes_device_ext_properties_t(Structure):
    _fields_ = [("stype", c_int32), ("pNext", c_void_p), ("type", c_int32),
                ("flags", c_uint32)]


class zes_pci_address_t(Structure):
    _fields_ = [("domain", c_uint32), ("bus", c_uint32), ("device", c_uint32),
                ("function", c_uint32)]


class zes_pci_properties_t(Structure):
    _fields_ = [("stype", c_int32), ("pNext", c_void_p), ("address", zes_pci_address_t)]


class zes_mem_properties_t(Structure):
    _fields_ = [("stype", c_int32), ("pNext", c_void_p), ("type", c_int32),
                ("onSubdevice", c_uint8), ("subdeviceId", c_uint32), ("location", c_int32),
                ("physicalSize", c_uint64)]


class zes_mem_state_t(Structure):
    _fields_ = [("stype", c_int32), ("pNext", c_void_p), ("health", c_int32),
                ("free", c_uint64), ("size", c_uint64)]


class zes_driver_handle_t(c_void_p):
    pass


class zes_device_handle_t(c_void_p):
    pass


class zes_mem_handle_t(c_void_p):
    pass


DRIVER_VERSION = "1.6.32224.5"
USED_PER_TILE = 512 << 20  # what each fake tile reports as in use


def fake_pyzes(node: list[FakeGpu], init_result: int = 0) -> types.ModuleType:
    """A ``pyzes`` module whose Sysman reports ``node`` (in the given order);
    ``init_result`` is what ``zesInit`` returns (e.g. 0x78000001, uninitialised)."""
    module = types.ModuleType("pyzes")
    for cls in (ze_device_uuid_t, ze_device_properties_t, zes_device_properties_t,
                zes_device_ext_properties_t, zes_pci_address_t, zes_pci_properties_t,
                zes_mem_properties_t, zes_mem_state_t, zes_driver_handle_t,
                zes_device_handle_t, zes_mem_handle_t):
        setattr(module, cls.__name__, cls)
    constants = {
        "ZE_RESULT_SUCCESS": 0, "ZES_DEVICE_TYPE_GPU": 1,
        "ZES_STRUCTURE_TYPE_DEVICE_PROPERTIES": 0x1, "ZES_STRUCTURE_TYPE_PCI_PROPERTIES": 0x2,
        "ZES_STRUCTURE_TYPE_DEVICE_EXT_PROPERTIES": 0x2D,
        "ZES_STRUCTURE_TYPE_MEM_PROPERTIES": 0xB, "ZES_STRUCTURE_TYPE_MEM_STATE": 0x1E,
    }
    vars(module).update(constants)
    calls: list[str] = []
    module.calls = calls  # type: ignore[attr-defined]
    gpu_list = [gpu for gpu in node if gpu.device_id != 0x7D1D]  # the NPU is not a Sysman GPU

    def gpu(handle: c_void_p) -> FakeGpu:
        return gpu_list[int(handle.value or 0) - 1]

    def modules(g: FakeGpu) -> list[int]:
        return [tile for tile, size in enumerate(g.tile_bytes) if size is not None]

    def zesInit(flags: int) -> int:
        calls.append("zesInit")
        return init_result

    def zesDriverGet(count: ctypes._CArgObject, drivers: object) -> int:
        count._obj.value = 1  # type: ignore[attr-defined]
        if drivers is not None:
            drivers[0] = zes_driver_handle_t(1)  # type: ignore[index]
        return 0

    def zesDeviceGet(driver: c_void_p, count: ctypes._CArgObject, devices: object) -> int:
        count._obj.value = len(gpu_list)  # type: ignore[attr-defined]
        if devices is not None:
            for index in range(len(gpu_list)):
                devices[index] = zes_device_handle_t(index + 1)  # type: ignore[index]
        return 0

    def zesDeviceGetProperties(handle: c_void_p, properties: ctypes._CArgObject) -> int:
        g, props = gpu(handle), properties._obj  # type: ignore[attr-defined]
        props.core.type, props.core.vendorId, props.core.deviceId = 1, 0x8086, g.device_id
        props.core.name = g.name.encode()
        props.core.uuid.id[:] = list(g.device_id.to_bytes(2, "big") + bytes(13)
                                     + bytes([int(handle.value or 0)]))
        props.numSubdevices = g.tiles if g.tiles > 1 else 0
        props.driverVersion = DRIVER_VERSION.encode()
        extended = ctypes.cast(props.pNext, POINTER(zes_device_ext_properties_t)).contents
        extended.flags = 1 if g.integrated else 0
        return 0

    def zesDevicePciGetProperties(handle: c_void_p, properties: ctypes._CArgObject) -> int:
        domain, bus, rest = gpu(handle).address.split(":")
        device, function = rest.split(".")
        address = properties._obj.address  # type: ignore[attr-defined]
        address.domain, address.bus = int(domain, 16), int(bus, 16)
        address.device, address.function = int(device, 16), int(function, 16)
        return 0

    def zesDeviceEnumMemoryModules(
        handle: c_void_p, count: ctypes._CArgObject, handles: object
    ) -> int:
        tiles = modules(gpu(handle))
        count._obj.value = len(tiles)  # type: ignore[attr-defined]
        if handles is not None:
            for slot, tile in enumerate(tiles):
                handles[slot] = zes_mem_handle_t(int(handle.value or 0) * 100 + tile + 1)  # type: ignore[index]
        return 0

    def zesMemoryGetProperties(handle: c_void_p, properties: ctypes._CArgObject) -> int:
        device, tile = divmod(int(handle.value or 0) - 1, 100)
        g, props = gpu_list[device - 1], properties._obj  # type: ignore[attr-defined]
        props.location, props.subdeviceId = 1, tile
        props.onSubdevice = int(g.tiles > 1 and g.memory_on_tiles)
        props.physicalSize = g.tile_bytes[tile] or 0
        return 0

    def zesMemoryGetState(handle: c_void_p, state: ctypes._CArgObject) -> int:
        device, tile = divmod(int(handle.value or 0) - 1, 100)
        size = gpu_list[device - 1].tile_bytes[tile] or 0
        state._obj.size, state._obj.free = size, size - USED_PER_TILE  # type: ignore[attr-defined]
        return 0

    for function in (zesInit, zesDriverGet, zesDeviceGet, zesDeviceGetProperties,
                     zesDevicePciGetProperties, zesDeviceEnumMemoryModules,
                     zesMemoryGetProperties, zesMemoryGetState):
        setattr(module, function.__name__, function)
    return module
