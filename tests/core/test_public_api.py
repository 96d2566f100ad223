"""Lock the public API: a change to ``hwcore.__all__`` must be deliberate."""

from __future__ import annotations

import os
import subprocess
import sys

import hwcore


def test_every_name_in_all_exists():
    for name in hwcore.__all__:
        assert hasattr(hwcore, name), name


def test_all_is_locked():
    assert set(hwcore.__all__) == {
        "CONTRACT_VERSION",
        "AmbiguousPlatformError",
        "AttentionBackendError",
        "AttentionBackendSpec",
        "AttentionRequest",
        "CacheConfig",
        "CompilationConfig",
        "ConfigAdjustment",
        "DetectionReport",
        "DetectionResult",
        "DeviceCapability",
        "DeviceInfo",
        "DuplicateBackendError",
        "DuplicatePluginError",
        "EngineConfig",
        "HwcoreError",
        "HwcoreWarning",
        "InvalidConfigError",
        "InvalidSelectedBackendError",
        "KVTransferConfig",
        "LoRAConfig",
        "MemoryOpError",
        "ModelConfig",
        "NoPlatformError",
        "NoValidBackendError",
        "ParallelConfig",
        "Platform",
        "PlatformAbsent",
        "PlatformError",
        "PlatformInfo",
        "PlatformOverrideError",
        "PluginConflictError",
        "PluginContractError",
        "PluginError",
        "PluginLoadError",
        "PluginRecord",
        "PluginStatus",
        "SchedulerConfig",
        "SpeculativeConfig",
        "UnsupportedDtypeError",
        "UnusablePlatformError",
        "ValidatedConfig",
        "__version__",
        "current_platform",
        "dtype_name",
        "get_plugin_manager",
        "hookimpl",
        "hookspec",
        "reset",
    }


def test_importing_hwcore_imports_no_torch_and_no_vendor_sdk():
    code = (
        "import sys, hwcore, hwcore.cli.main, hwcore.testing; "
        "print(sorted(m for m in ('torch', 'pynvml', 'amdsmi', 'numpy', 'psutil') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_resolving_the_platform_stays_lean():
    # The start-up budget (benchmarks/startup.py): no torch, and none of the heavy standard
    # modules that importlib.metadata would pull in. (NVML's pure-Python binding is
    # allowed: hwcore-cuda's detection is built on it.)
    code = (
        "import sys, hwcore; hwcore.get_plugin_manager(); "
        "print(sorted(m for m in ('torch', 'importlib.metadata', 'email', 'zipfile', "
        "'hwcore.records.config') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWCORE_")}
    env["HWCORE_PLUGINS"] = "cpu,cuda"  # this repository's backends, not the tutorial's
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "[]"
