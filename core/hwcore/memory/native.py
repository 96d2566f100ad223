"""The compiled host block-copy loop: ``_hostcopy.so``, built from ``core/native/hostcopy.c``
when the wheel is built, loaded here with ctypes.

Large copies run on the OpenMP threads torch already uses (the process's ``GOMP_parallel``,
exported by the OpenMP runtime torch loaded): on a 2-core VM, a thread of our own woke
up to ~1 ms late and then competed with torch's still-spinning workers for the same cores,
so two of ours copied no faster than one.

The library is optional: a wheel built without a C compiler has none, and host copies then
fall back to one torch ``copy_`` per run. ``host_copy_engine()`` says which one is in use
and why, so ``hwcore check`` can show it.
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

ABI = 1
"""The C interface version this module speaks (``hwcore_hostcopy_abi()`` in the library)."""

LIBRARY_FILE = "_hostcopy.so"
LIBRARY_PATH = os.path.join(os.path.dirname(__file__), LIBRARY_FILE)


@dataclass(frozen=True)
class HostCopyLoop:
    """The loaded library's copy function, and the OpenMP entry point it may run on."""

    copy_blocks: Callable[..., int]
    gomp_parallel: int | None
    """Address of the process's ``GOMP_parallel``, or None: then copies use one thread."""

    def copy(
        self,
        src: torch.Tensor,
        dst: torch.Tensor,
        src_blocks: torch.Tensor,
        dst_blocks: torch.Tensor,
        *,
        block_bytes: int,
        pairs_per_claim: int,
        threads: int,
    ) -> int:
        """Copy block ``src_blocks[i]`` of the host cache ``src`` to block ``dst_blocks[i]``
        of ``dst`` for every ``i``, blocks being ``block_bytes`` long, on up to ``threads``
        threads that take ``pairs_per_claim`` pairs at a time; return the number of blocks
        copied.

        The arguments are trusted: ``hwcore.memory.validation`` checked them. The index
        tensors must be contiguous int64 CPU tensors.
        """
        copied: int = self.copy_blocks(
            dst.data_ptr(),
            src.data_ptr(),
            block_bytes,
            src_blocks.data_ptr(),
            dst_blocks.data_ptr(),
            src_blocks.numel(),
            pairs_per_claim,
            self.gomp_parallel,
            threads,
        )
        return copied


def host_copy_loop() -> HostCopyLoop | None:
    """The native loop, or None when it is not installed or does not load."""
    return _load()[0]


def host_copy_engine() -> str:
    """Which engine host-to-host block copies use, and why, in one line."""
    loop, reason = _load()
    if loop is None:
        return f"one torch copy_ per run ({reason})"
    if loop.gomp_parallel is None:
        return f"native copy loop ({LIBRARY_FILE}), one thread: no OpenMP runtime is loaded"
    return f"native copy loop ({LIBRARY_FILE}) on torch's OpenMP threads"


@functools.cache
def _load() -> tuple[HostCopyLoop | None, str]:
    if not os.path.exists(LIBRARY_PATH):
        return None, (
            f"{LIBRARY_FILE} is not installed: hwcore was built without a C compiler or with "
            "HWCORE_BUILD_NATIVE=skip; reinstall hwcore where a C compiler is available"
        )
    try:
        library = ctypes.CDLL(LIBRARY_PATH)
        version = library.hwcore_hostcopy_abi
        copy_blocks = library.hwcore_copy_blocks
    except (OSError, AttributeError) as error:
        return None, f"loading {LIBRARY_PATH} failed: {error}; reinstall hwcore"
    version.argtypes, version.restype = [], ctypes.c_int64
    found = version()
    if found != ABI:
        return None, (
            f"{LIBRARY_PATH} speaks copy interface {found}, this hwcore needs {ABI}: it is "
            "left from another version; reinstall hwcore"
        )
    pointer, integer = ctypes.c_void_p, ctypes.c_int64
    # dst, src, block_bytes, src_blocks, dst_blocks, pair_count, pairs_per_claim,
    # gomp_parallel, threads: hwcore_copy_blocks in hostcopy.c.
    copy_blocks.argtypes = [
        pointer, pointer, integer, pointer, pointer, integer, integer, pointer, integer
    ]
    copy_blocks.restype = integer
    return HostCopyLoop(copy_blocks, openmp_entry_point()), ""


def openmp_entry_point() -> int | None:
    """The address of ``GOMP_parallel`` in the process's global symbols, or None.

    torch loads its OpenMP runtime with global symbols, so once torch is imported this finds
    torch's runtime (libgomp, or LLVM's or Intel's, which provide the same entry point).
    """
    try:
        entry = ctypes.CDLL(None).GOMP_parallel
    except (OSError, AttributeError, TypeError):  # TypeError: no global scope (Windows)
        return None
    address = ctypes.cast(entry, ctypes.c_void_p).value
    return int(address) if address else None
