"""``hwcore.plugin_api``: the one module a backend imports, locked both ways."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import hwcore.plugin_api as plugin_api

ROOT = Path(__file__).parents[2]
HELPERS = {"annotations", "importlib", "TYPE_CHECKING", "Any"}  # the module's own imports


def test_every_name_in_all_exists_and_loads():
    for name in plugin_api.__all__:
        assert getattr(plugin_api, name) is not None, name


def test_every_public_name_is_in_all():
    for name in plugin_api.__all__:
        getattr(plugin_api, name)  # load the lazy ones into the module's namespace
    public = {
        name
        for name, value in vars(plugin_api).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name not in HELPERS
    }
    assert public == set(plugin_api.__all__)
    assert plugin_api.__all__ == sorted(plugin_api.__all__, key=lambda n: (not n.isupper(), n))


def test_all_is_locked():
    assert set(plugin_api.__all__) == {
        "CONTRACT_VERSION", "REFERENCE_BACKEND", "AttentionBackend", "AttentionBackendError",
        "AttentionBackendSpec", "AttentionRequest", "BackendUnavailableError", "CacheConfig",
        "CollectiveError", "CompilationConfig", "DeviceCommunicator",
        "ConfigAdjustment", "DeviceCapability", "DeviceInfo", "EngineConfig", "HwcoreError",
        "HwcoreWarning", "InvalidConfigError", "InvalidProcessGroupError",
        "InvalidSelectedBackendError",
        "KVTransferConfig", "LoRAConfig", "MemoryOpError", "ModelConfig",
        "NoValidBackendError", "ParallelConfig", "PhysicalDevice", "Platform", "PlatformAbsent",
        "PlatformInfo", "SchedulerConfig", "SpeculativeConfig", "TorchSDPABackend",
        "UnsupportedDtypeError", "ValidatedConfig", "Visibility", "VisibleDevice",
        "VisibleDevicesError", "dev_root", "dtype_name", "format_bytes", "hookimpl",
        "imported_torch", "insert_blocks_to_device", "is_quantized_kv_cache",
        "map_visible_devices", "swap_out_blocks_to_host", "sysfs_root", "torch_memory_in_use",
        "write_kv_cache",
    }


def test_importing_it_loads_no_torch_attention_or_memory_code():
    code = (
        "import sys, hwcore.plugin_api; "
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith(('hwcore.attention', "
        "'hwcore.memory', 'hwcore.records.config', 'hwcore.distributed', 'hwcore.visibility'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_repository_backends_import_only_the_plugin_api():
    # Dogfood: hwcore-cpu, hwcore-cuda and the tutorial use what a third party may use.
    allowed = re.compile(r"^(from|import) hwcore(\.plugin_api|\.testing[\w.]*)?( |$)")
    offenders = []
    for folder in ("plugins", "docs/tutorial"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                stripped = line.strip()
                if re.match(r"^(from|import) hwcore\b", stripped) and not allowed.match(stripped):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")
    assert offenders == []
