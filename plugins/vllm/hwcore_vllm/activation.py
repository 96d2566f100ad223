"""The ``vllm.platform_plugins`` entry point ``hwcore``: vLLM asks, the policy answers.

vLLM calls ``platform_plugin()`` on first access to ``vllm.platforms.current_platform``,
in every process it starts, and twice when the plugin activates (once to see whether it
does, once for the class). The decision is taken once per process and logged once;
resolving hwcore imports neither torch nor a vendor SDK, so the question stays cheap.
"""

from __future__ import annotations

import functools
import logging
import os

from hwcore_vllm.log import LOGGER
from hwcore_vllm.policy import Decision, evaluate


def platform_plugin() -> str | None:
    """``"hwcore_vllm.platform.HwcorePlatform"`` when vLLM should run on hwcore's
    platform, else ``None`` (the policy of ``hwcore_vllm.policy``)."""
    return process_decision().qualname


@functools.cache
def process_decision() -> Decision:
    """This process's decision, taken and logged on first use."""
    import hwcore
    from hwcore_vllm import vllm_api

    decision = evaluate(os.environ, hwcore.current_platform, vllm_api.builtin_platform_detectors())
    LOGGER.log(logging.WARNING if decision.warning else logging.INFO, "%s", decision.message)
    return decision
