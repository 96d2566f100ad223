"""The ``docchip`` platform plugin: detection from the environment, one config rule, one
attention backend."""

from __future__ import annotations

from collections.abc import Mapping

from hwcore.plugin_api import (
    AttentionBackendSpec,
    AttentionRequest,
    ConfigAdjustment,
    DeviceInfo,
    EngineConfig,
    InvalidConfigError,
    PlatformAbsent,
    PlatformInfo,
    hookimpl,
)

HWCORE_CONTRACT_VERSION = "2.0"

DEVICES_VARIABLE = "DOCCHIP_DEVICES"
BLOCK_SIZE = 32
BACKEND = AttentionBackendSpec(
    name="DOCCHIP_ATTN",
    class_path="hwcore_docchip.backend.DocchipAttention",
    dtypes=("float16", "bfloat16", "float32"),
    block_sizes=(BLOCK_SIZE,),
    default_block_size=BLOCK_SIZE,
    device_types=("cpu",),
    description="paged attention on docchip",
)


@hookimpl
def detect_platform(environ: Mapping[str, str]) -> PlatformInfo | PlatformAbsent:
    raw = environ.get(DEVICES_VARIABLE)
    if raw is None:
        return PlatformAbsent(f"{DEVICES_VARIABLE} is not set")
    if not raw.isdigit() or int(raw) < 1:
        return PlatformAbsent(f"{DEVICES_VARIABLE}={raw!r} asks for no chips")
    count = int(raw)
    return PlatformInfo(
        name="docchip",
        device_name="docchip",
        device_type="cpu",
        dispatch_key="CPU",
        dist_backend="gloo",
        devices=tuple(
            DeviceInfo(index=i, physical_index=i, name=f"DocChip {i}", total_memory=8 * 1024**3)
            for i in range(count)
        ),
        evidence=(f"{DEVICES_VARIABLE}={raw}",),
    )


@hookimpl
def check_and_update_config(config: EngineConfig) -> list[ConfigAdjustment]:
    block_size = config.cache.block_size
    if block_size is None:
        return [ConfigAdjustment("cache.block_size", None, BLOCK_SIZE,
                                 "DOCCHIP_ATTN reads 32-token blocks")]
    if block_size % BLOCK_SIZE:
        raise InvalidConfigError(
            f"cache.block_size={block_size} is not a multiple of {BLOCK_SIZE}, which "
            f"DOCCHIP_ATTN needs; use {BLOCK_SIZE} or leave it unset"
        )
    return []


@hookimpl
def register_attention_backends() -> list[AttentionBackendSpec]:
    return [BACKEND]


@hookimpl
def get_attn_backend_priority(request: AttentionRequest) -> list[str]:
    return ["DOCCHIP_ATTN", "TORCH_SDPA"]
