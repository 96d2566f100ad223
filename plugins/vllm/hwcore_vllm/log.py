"""The bridge's logger.

It is a child of vLLM's ``vllm`` logger, which is the one vLLM configures (handler, format,
``VLLM_LOGGING_LEVEL``): the bridge's lines appear among vLLM's, in vLLM's format, without
the bridge touching logging configuration.
"""

from __future__ import annotations

import logging

LOGGER_NAME = "vllm.hwcore_vllm"
LOGGER = logging.getLogger(LOGGER_NAME)
