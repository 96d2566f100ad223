"""The hwcore class of ``DOCCHIP_ATTN``: hwcore's portable reference backend, reused."""

from __future__ import annotations

from typing import ClassVar

from hwcore.plugin_api import TorchSDPABackend


class DocchipAttention(TorchSDPABackend):
    name: ClassVar[str] = "DOCCHIP_ATTN"
