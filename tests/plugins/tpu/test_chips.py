"""The generation table: PCI ids, accelerator-type names and the figures derived from them."""

from __future__ import annotations

import re

import pytest

from hwcore_tpu import chips

GIB = 1 << 30


@pytest.mark.parametrize(
    ("device", "subsystem", "key"),
    [
        ("0x0027", "0x004e", "v2"),
        ("0x0027", "0x004f", "v3"),
        ("0x005e", "0x005e", "v4"),
        ("0x0063", "0x0063", "v5e"),
        ("0x0062", "0x0062", "v5p"),
        ("0x006f", "0x006f", "v6e"),
        ("0x0076", "0x0076", "7x"),
    ],
)
def test_each_pci_device_id_names_its_generation(device: str, subsystem: str, key: str) -> None:
    generation = chips.generation_by_pci(device, subsystem)
    assert generation is not None
    assert generation.key == key


def test_google_devices_that_are_not_tpus_are_not_chips() -> None:
    assert chips.generation_by_pci("0x0042", "0x0058") is None  # gVNIC shares the vendor id
    assert chips.generation_by_pci("0x0027", "0x0000") is None  # v2/v3 id, unknown subsystem


@pytest.mark.parametrize(
    ("name", "key"),
    [("v2", "v2"), ("v3", "v3"), ("v4", "v4"), ("v5litepod", "v5e"), ("V5E", "v5e"),
     ("v5p", "v5p"), ("v6e", "v6e"), ("7x", "7x"), ("tpu7x", "7x"), ("v7x", "7x")],
)
def test_accelerator_type_names(name: str, key: str) -> None:
    generation = chips.generation_by_type_name(name)
    assert generation is not None
    assert generation.key == key


def test_an_unknown_accelerator_type_name_is_no_generation() -> None:
    assert chips.generation_by_type_name("v9z") is None


@pytest.mark.parametrize(
    ("key", "name", "hbm_gib", "cores", "tensorcores", "node", "fp8"),
    [
        ("v2", "TPU v2", 16, 2, 2, "accel", "float8_e4m3fn"),
        ("v3", "TPU v3", 32, 2, 2, "accel", "float8_e4m3fn"),
        ("v4", "TPU v4", 32, 1, 2, "accel", "float8_e4m3fn"),
        ("v5e", "TPU v5e", 16, 1, 1, "vfio", "float8_e4m3fn"),
        ("v5p", "TPU v5p", 95, 1, 2, "vfio", "float8_e4m3fn"),
        ("v6e", "TPU v6e", 32, 1, 1, "vfio", "float8_e5m2"),
        ("7x", "TPU7x", 192, 2, 2, "vfio", "float8_e4m3fn"),
    ],
)
def test_generation_facts(
    key: str, name: str, hbm_gib: int, cores: int, tensorcores: int, node: str, fp8: str
) -> None:
    generation = chips.by_key(key)
    assert generation.name == name
    assert generation.hbm_bytes == hbm_gib * GIB
    assert generation.cores_per_chip == cores
    assert generation.tensorcores_per_chip == tensorcores
    assert generation.node_kind == node
    assert generation.fp8_dtype == fp8


def test_by_key_refuses_an_unknown_key() -> None:
    with pytest.raises(KeyError, match=re.escape("'v9'")):
        chips.by_key("v9")
