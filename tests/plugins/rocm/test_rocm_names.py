"""Marketing names by PCI device id (vLLM's table), then amdsmi's, then a description."""

from __future__ import annotations

import pytest

from hwcore_rocm import names


@pytest.mark.parametrize(
    ("device_id", "text"),
    [(29857, "0x74a1"), ("0x74A1", "0x74a1"), ("74a1", "0x74a1"), (" 0x744c ", "0x744c"),
     ("0x150e", "0x150e"), (None, None), ("N/A", None)],
)
def test_device_ids_are_normalised(device_id: int | str | None, text: str | None) -> None:
    assert names.device_id_text(device_id) == text


def test_the_table_is_vllms_with_spaces() -> None:
    assert len(names.NAMES_BY_DEVICE_ID) == 13
    assert names.NAMES_BY_DEVICE_ID["0x74b5"] == "AMD Instinct MI300X"  # the virtual function
    # vLLM's tuned-config names come back with name.replace(" ", "_").
    assert names.NAMES_BY_DEVICE_ID["0x744c"].replace(" ", "_") == "AMD_Radeon_RX7900XTX"
    assert names.NAMES_BY_DEVICE_ID["0x74a9"].replace(" ", "_") == "AMD_Instinct_MI300X_HF"


def test_the_table_wins_over_amdsmis_market_name() -> None:
    assert names.device_name("0x74a1", "Aqua Vanjaram", "gfx942") == "AMD Instinct MI300X"


def test_amdsmis_market_name_serves_ids_the_table_lacks() -> None:
    assert names.device_name("0x740f", " AMD Instinct MI210 ", "gfx90a") == "AMD Instinct MI210"


@pytest.mark.parametrize("market_name", [None, "N/A", " "])
def test_without_a_name_the_gpu_is_described(market_name: str | None) -> None:
    assert names.device_name("0x740f", market_name, "gfx90a") == "AMD GPU gfx90a (device 0x740f)"
    assert names.device_name(None, market_name, "gfx90a") == "AMD GPU gfx90a"
