"""KV-cache block copies between the host and a simulated device.

A simulated device's memory is host memory, so both copies are host-to-host copies done
by the core's validated primitive: every argument is checked before the first byte moves.
"""

from __future__ import annotations

from typing import Any

DEVICE_TYPE = "cpu"  # the torch device that holds simulated device memory


def insert_blocks(src_cache: Any, dst_cache: Any, src_indices: Any, dst_indices: Any) -> Any:
    # Imported here: the copy code is needed once an engine copies, never to detect.
    from hwcore.plugin_api import insert_blocks_to_device

    return insert_blocks_to_device(
        src_cache, dst_cache, src_indices, dst_indices, device_type=DEVICE_TYPE
    )


def swap_out_blocks(src_cache: Any, dst_cache: Any, src_indices: Any, dst_indices: Any) -> Any:
    from hwcore.plugin_api import swap_out_blocks_to_host

    return swap_out_blocks_to_host(
        src_cache, dst_cache, src_indices, dst_indices, device_type=DEVICE_TYPE
    )
