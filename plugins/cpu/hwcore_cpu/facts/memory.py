"""Total and available system memory.

Never from ``/sys/devices/system/node/node*/meminfo``: with hot-plugged memory blocks the
per-node totals undercount (measured on a VM: node0 says 8.5 GiB, the system has 23.5 GiB).
"""

from __future__ import annotations

from dataclasses import dataclass

from hwcore_cpu.facts.files import Root, read_text


@dataclass(frozen=True)
class MemorySnapshot:
    """System memory in bytes at one moment; ``available`` is what can be allocated
    without swapping (the kernel's ``MemAvailable``)."""

    total: int
    available: int

    @property
    def used(self) -> int:
        return self.total - self.available


def read_memory(proc_root: Root) -> MemorySnapshot:
    """Read ``<proc>/meminfo``; where it is missing (macOS, Windows) ask psutil.

    On Linux psutil reads the same two lines of the same file, but importing it costs about
    20 ms, more than all of detection; so it is imported only where it is needed.
    """
    try:
        text = read_text(proc_root, "meminfo")
    except OSError:
        return _psutil_memory()
    return parse_meminfo(text)


def parse_meminfo(text: str) -> MemorySnapshot:
    """``MemTotal`` and ``MemAvailable`` of a meminfo text, in bytes.

    Kernels before 3.14 have no ``MemAvailable``; there ``MemFree + Buffers + Cached`` is
    the usual estimate. Raises ``ValueError`` when ``MemTotal`` is missing.
    """
    kib = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        fields = rest.split()
        if fields and fields[0].isdigit():
            kib[key.strip()] = int(fields[0])
    if "MemTotal" not in kib:
        raise ValueError("meminfo has no MemTotal line; cannot tell the system memory")
    available = kib.get("MemAvailable")
    if available is None:
        available = sum(kib.get(k, 0) for k in ("MemFree", "Buffers", "Cached"))
    return MemorySnapshot(total=kib["MemTotal"] * 1024, available=available * 1024)


def _psutil_memory() -> MemorySnapshot:
    import psutil

    memory = psutil.virtual_memory()
    return MemorySnapshot(total=int(memory.total), available=int(memory.available))
