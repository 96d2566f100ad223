"""The vLLM side of ``DOCCHIP_ATTN`` (docs/vllm.md, "Attention"): registered with vLLM
under the same name from a ``vllm.general_plugins`` entry point. Imported by vLLM only."""

from __future__ import annotations


def register() -> None:
    from vllm.v1.attention.backends.registry import AttentionBackendEnum, register_backend

    if "DOCCHIP_ATTN" not in AttentionBackendEnum.__members__:
        register_backend("DOCCHIP_ATTN", "hwcore_docchip.vllm_backend.DocchipVllmBackend")
