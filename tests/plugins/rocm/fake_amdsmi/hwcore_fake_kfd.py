"""Fake KFD topologies: the sysfs tree the amdgpu driver writes, for the GPUs of
``hwcore_fake_amdsmi.MODELS``, plus the ``/dev/kfd`` node that makes them usable.

``write_tree(root, ["MI300X"] * 8)`` returns ``(sysfs, dev)`` roots for
``HWCORE_SYSFS_ROOT`` and ``HWCORE_DEV_ROOT``. Node 0 is the host CPU, as on a real node.
"""

from __future__ import annotations

from pathlib import Path

import hwcore_fake_amdsmi

AMD_VENDOR_ID = 4098
IOLINK_PCIE, IOLINK_XGMI = 2, 11


def target_version(target: str) -> int:
    """``90402`` for ``"gfx942"``: the inverse of the driver's encoding."""
    digits = target[len("gfx"):]
    major, minor, stepping = (digits[0], digits[1], digits[2]) if len(digits) == 3 else (
        digits[:2], digits[2], digits[3]
    )
    return int(major) * 10000 + int(minor, 16) * 100 + int(stepping, 16)


def write_tree(
    root: Path, models: list[str], *, xgmi: bool | None = None, with_dev: bool = True
) -> tuple[Path, Path]:
    """Write a topology of ``models`` under ``root``; ``xgmi`` (default: the models'
    wiring is ``"xgmi"``) links every GPU pair directly."""
    sysfs, dev = root / "sys", root / "dev"
    nodes = sysfs / "class/kfd/kfd/topology/nodes"
    _write(nodes / "0" / "properties", {
        "cpu_cores_count": 96, "simd_count": 0, "gfx_target_version": 0, "vendor_id": 0,
        "device_id": 0,
    })
    if xgmi is None:
        xgmi = all(hwcore_fake_amdsmi.MODELS[m][5] == "xgmi" for m in models)
    for index, model in enumerate(models):
        _write_gpu(sysfs, nodes / str(index + 1), index, model, len(models), xgmi)
    dev.mkdir(parents=True, exist_ok=True)
    if with_dev:
        (dev / "kfd").touch()
    return sysfs, dev


def _write_gpu(sysfs: Path, node: Path, index: int, model: str, count: int, xgmi: bool) -> None:
    _, device_id, target, vram_mib, units, _ = hwcore_fake_amdsmi.MODELS[model]
    bus = 0x0C + 0x10 * index
    _write(node / "properties", {
        "cpu_cores_count": 0, "simd_count": units * 4, "simd_per_cu": 4,
        "gfx_target_version": target_version(target), "vendor_id": AMD_VENDOR_ID,
        "device_id": int(device_id, 16), "location_id": bus << 8, "domain": 0,
        "unique_id": 0x5A2C3F1E8B7D4C00 + index, "drm_render_minor": 128 + index,
    })
    (node / "name").write_text(f"{target}\n")
    _write(node / "mem_banks/0/properties", {
        "heap_type": 1, "size_in_bytes": vram_mib << 20, "width": 8192,
    })
    _write(node / "io_links/0/properties", {
        "type": IOLINK_PCIE, "node_from": index + 1, "node_to": 0, "weight": 20,
    })
    if xgmi:
        peers = [peer for peer in range(count) if peer != index]
        for slot, peer in enumerate(peers, start=1):
            _write(node / f"io_links/{slot}/properties", {
                "type": IOLINK_XGMI, "node_from": index + 1, "node_to": peer + 1, "weight": 15,
            })
    pci = sysfs / "bus/pci/devices" / f"0000:{bus:02x}:00.0"
    pci.mkdir(parents=True, exist_ok=True)
    (pci / "numa_node").write_text(f"{0 if index < max(1, count // 2) else 1}\n")


def _write(path: Path, values: dict[str, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{key} {value}\n" for key, value in values.items()))
