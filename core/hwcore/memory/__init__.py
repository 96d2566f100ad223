"""KV-cache memory ops: validated, coalesced block copies between host and device."""

from __future__ import annotations

from hwcore.memory.copy import copy_blocks, insert_blocks_to_device, swap_out_blocks_to_host
from hwcore.memory.runs import coalesce_runs
from hwcore.memory.validation import validate_block_copy, validate_devices

__all__ = [
    "coalesce_runs",
    "copy_blocks",
    "insert_blocks_to_device",
    "swap_out_blocks_to_host",
    "validate_block_copy",
    "validate_devices",
]
