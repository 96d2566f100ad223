"""hwcore-vllm: vLLM 0.33 runs on whatever platform hwcore resolved.

vLLM asks the ``vllm.platform_plugins`` entry point ``hwcore``
(``hwcore_vllm.activation.platform_plugin``) whether to activate; when it does, vLLM's
``current_platform`` is ``hwcore_vllm.platform.HwcorePlatform``, whose answers come from
hwcore's active platform. Only that module imports vLLM and torch; the translations it
uses (``policy``, ``attributes``, ``attention``, ``engine_config``) are plain functions
over hwcore's records, testable without vLLM.
"""

from __future__ import annotations

__version__ = "0.1.0"
