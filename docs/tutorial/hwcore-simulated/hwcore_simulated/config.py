"""Config rules of the simulator: what it adjusts (reported) and what it refuses."""

from __future__ import annotations

from hwcore.plugin_api import ConfigAdjustment, EngineConfig, InvalidConfigError

BLOCK_SIZE = 16


def adjust_config(config: EngineConfig, device_count: int) -> list[ConfigAdjustment]:
    """The adjustments ``config`` needs on ``device_count`` simulated devices.

    Raise ``InvalidConfigError`` for what cannot run here; never change ``config`` itself.
    """
    world_size = config.parallel.world_size
    if world_size > device_count:
        raise InvalidConfigError(
            f"parallel.tensor_parallel_size x pipeline_parallel_size = {world_size}, but "
            f"{device_count} simulated device(s) are visible; lower the parallel sizes or "
            f"raise HWCORE_SIMULATED_DEVICES"
        )
    block_size = config.cache.block_size
    if block_size is not None and block_size % BLOCK_SIZE:
        raise InvalidConfigError(
            f"cache.block_size={block_size} is not a multiple of {BLOCK_SIZE}, which "
            f"SIMULATED_PAGED needs; use {BLOCK_SIZE} or leave it unset"
        )
    if block_size is None:
        return [
            ConfigAdjustment(
                "cache.block_size", None, BLOCK_SIZE, "SIMULATED_PAGED stores 16 tokens per block"
            )
        ]
    return []
