"""vLLM's own two out-of-tree platform checks (its tests/plugins_tests/test_platform_plugins.py),
rewritten for the bridge: the tutorial's simulated platform instead of vLLM's dummy one."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.vllm

SIMULATED = {"HWCORE_SIMULATED_DEVICES": "2"}


def test_platform_plugins(run_vllm):
    # vLLM's version runs its offline-inference example without calling main(): the
    # example's imports, then the platform.
    run = run_vllm(
        """
        from vllm import LLM, SamplingParams
        from vllm.platforms import current_platform

        record("device_name", current_platform.device_name)
        """,
        SIMULATED,
    )
    assert run.results == {"device_name": "simulated"}


def test_import_vllm_does_not_resolve_platform(run_vllm):
    run = run_vllm(
        """
        import vllm
        import vllm.platforms as platforms

        record("resolved_by_import", platforms._current_platform is not None)
        from vllm.platforms import current_platform

        record("device_name", current_platform.device_name)
        """,
        SIMULATED,
    )
    assert run.results == {"resolved_by_import": False, "device_name": "simulated"}
