"""``DocchipVllmBackend``: the vLLM attention backend of ``DOCCHIP_ATTN``.

Docchip's memory is host memory, so vLLM's FlexAttention (plain torch) runs on it; the
class only gives it docchip's name.
"""

from __future__ import annotations

from vllm.v1.attention.backends.flex_attention import FlexAttentionBackend


class DocchipVllmBackend(FlexAttentionBackend):
    @staticmethod
    def get_name() -> str:
        return "DOCCHIP_ATTN"
