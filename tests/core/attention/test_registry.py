from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from attention_fakes import FLASH_ATTN, BackendPack, FakeGpu

import hwcore
from hwcore.attention.torch_sdpa import TORCH_SDPA
from hwcore.errors import AttentionBackendError, DuplicateBackendError
from hwcore.host import Host
from hwcore.records import AttentionBackendSpec

TRITON = AttentionBackendSpec(name="TRITON_ATTN", class_path="pack.triton.TritonBackend")


def test_registry_traces_each_backend_to_its_plugin_and_distribution(
    host_factory: Callable[..., Host],
) -> None:
    host = host_factory(FakeGpu(), pack=BackendPack([TRITON]))
    registry = host.attention.registry()
    assert registry.names() == ["FLASH_ATTN", "TORCH_SDPA", "TRITON_ATTN"]
    assert [(e.plugin, e.provider) for e in registry] == [
        ("fakegpu", "fake-dist 1.0"),
        ("hwcore.defaults", "hwcore (core defaults)"),
        ("pack", "pack-dist 2.0"),
    ]
    assert registry.get("TORCH_SDPA").spec is TORCH_SDPA  # type: ignore[union-attr]
    assert "MISSING" not in registry


def test_same_name_from_two_plugins_is_an_error_naming_both(
    host_factory: Callable[..., Host],
) -> None:
    host = host_factory(FakeGpu(), pack=BackendPack([FLASH_ATTN]))
    message = (
        "attention backend 'FLASH_ATTN' is registered by plugin 'fakegpu' (fake-dist 1.0) and "
        "by plugin 'pack' (pack-dist 2.0); a name must have one provider. Uninstall or disable "
        "one of them (HWCORE_PLUGINS lists the plugins to load), or rename the backend in the "
        "plugin you control"
    )
    with pytest.raises(DuplicateBackendError, match=re.escape(message)):
        host.attention.registry()


def test_registry_is_rebuilt_when_an_engine_registers_its_own_backends(
    host_factory: Callable[..., Host],
) -> None:
    host = host_factory(FakeGpu())
    before = host.attention.registry()
    assert host.attention.registry() is before  # cached while nothing changes
    engine = BackendPack([TRITON])
    host.plugin_manager.register(engine, name="engine")
    assert host.attention.registry().names() == ["FLASH_ATTN", "TORCH_SDPA", "TRITON_ATTN"]
    host.plugin_manager.unregister(engine)
    assert host.attention.registry().names() == ["FLASH_ATTN", "TORCH_SDPA"]


def test_a_plugin_returning_something_else_is_named(host_factory: Callable[..., Host]) -> None:
    host = host_factory(FakeGpu(backends=["FLASH_ATTN"]))  # type: ignore[list-item]
    message = (
        "plugin 'fakegpu' (fake-dist 1.0) returned ['FLASH_ATTN'] from "
        "register_attention_backends; it must return a list of AttentionBackendSpec. Report "
        "this to the maintainers of fake-dist 1.0"
    )
    with pytest.raises(AttentionBackendError, match=re.escape(message)):
        host.attention.registry()


def test_importing_the_attention_package_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = "import sys, hwcore, hwcore.attention, hwcore.memory; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
    assert hwcore.attention is not None
