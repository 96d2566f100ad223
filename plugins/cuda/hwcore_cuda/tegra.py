"""Jetson / Tegra boards: an integrated GPU that NVML does not report.

vLLM's rule: when NVML is unusable, ``/etc/nv_tegra_release`` or
``/sys/class/tegra-firmware`` means a Jetson. Facts come from the device tree, never from
torch, so detection still creates no CUDA context. ``root`` is injectable for tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RELEASE_FILE = "etc/nv_tegra_release"
FIRMWARE_DIR = "sys/class/tegra-firmware"
MODEL_FILE = "proc/device-tree/model"
MEMINFO_FILE = "proc/meminfo"

# Compute capability of each Jetson generation's iGPU (CUDA programming guide, table of
# compute capabilities). Matched as substrings of the device-tree model, newest first.
_CAPABILITY_BY_MODEL = (
    ("Thor", (11, 0)),
    ("Orin", (8, 7)),
    ("Xavier", (7, 2)),
    ("TX2", (6, 2)),
    ("Nano", (5, 3)),
    ("TX1", (5, 3)),
)


@dataclass(frozen=True)
class TegraBoard:
    """What the filesystem says about a Jetson board; ``None`` means it does not say."""

    evidence: str
    model: str
    capability: tuple[int, int] | None
    total_memory: int | None


def find_tegra_board(root: Path = Path("/")) -> TegraBoard | None:
    """The Jetson board under ``root``, or ``None`` when neither Tegra marker exists."""
    markers = [root / RELEASE_FILE, root / FIRMWARE_DIR]
    found = [marker for marker in markers if marker.exists()]
    if not found:
        return None
    model = _read(root / MODEL_FILE).rstrip("\x00").strip() or "NVIDIA Jetson (unknown model)"
    return TegraBoard(
        evidence=f"Tegra marker /{found[0].relative_to(root).as_posix()} exists",
        model=model,
        capability=next((cap for key, cap in _CAPABILITY_BY_MODEL if key in model), None),
        total_memory=_memory_total(root / MEMINFO_FILE),
    )


def _memory_total(meminfo: Path) -> int | None:
    # The iGPU shares system memory (unified memory), so its total is MemTotal.
    for line in _read(meminfo).splitlines():
        key, _, value = line.partition(":")
        if key == "MemTotal" and value.strip().endswith("kB"):
            return int(value.split()[0]) * 1024
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""
