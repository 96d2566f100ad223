"""Marketing names of AMD GPUs by PCI device id, vLLM 0.33's ``_ROCM_DEVICE_ID_NAME_MAP``.

amdsmi's ``market_name`` is often a codename or ``"N/A"`` on these parts, and the KFD
topology has no name at all, so the id decides where it is known. vLLM writes the names
with underscores because it uses them in tuned-kernel file names; engines do
``name.replace(" ", "_")`` before such a lookup, which gives back vLLM's exact string.
"""

from __future__ import annotations

NAMES_BY_DEVICE_ID = {
    "0x74a0": "AMD Instinct MI300A",
    "0x74a1": "AMD Instinct MI300X",
    "0x74b5": "AMD Instinct MI300X",  # MI300X virtual function
    "0x74a2": "AMD Instinct MI308X",
    "0x74a5": "AMD Instinct MI325X",
    "0x74b9": "AMD Instinct MI325X",  # MI325X virtual function
    "0x74a9": "AMD Instinct MI300X HF",
    "0x74bd": "AMD Instinct MI300X HF",
    "0x744c": "AMD Radeon RX7900XTX",
    "0x150e": "AMD Radeon 890M",  # gfx1150, Strix Point APU
    "0x1586": "AMD Radeon 8060S",  # gfx1151, Strix Halo APU
    "0x7550": "AMD Radeon RX9070XT",  # gfx1201, Navi 48
    "0x7551": "AMD Radeon R9700",  # gfx1201, Navi 48
}

# APUs: the GPU shares host memory (MI300A, the Strix parts above).
INTEGRATED_DEVICE_IDS = frozenset({"0x74a0", "0x150e", "0x1586"})

_NO_NAME = ("", "N/A")


def integrated(device_id: str | None) -> bool | None:
    """Whether the GPU shares host memory: known for the ids in the table, else ``None``."""
    if device_id in INTEGRATED_DEVICE_IDS:
        return True
    return False if device_id in NAMES_BY_DEVICE_ID else None


def device_id_text(device_id: int | str | None) -> str | None:
    """``"0x74a1"`` from ``29857``, ``"0x74A1"`` or ``"74a1"``; ``None`` if unreadable."""
    if device_id is None:
        return None
    if isinstance(device_id, int):
        return f"0x{device_id:04x}"
    text = device_id.strip().lower()
    text = text[2:] if text.startswith("0x") else text
    try:
        return f"0x{int(text, 16):04x}"
    except ValueError:
        return None


def device_name(device_id: str | None, market_name: str | None, architecture: str) -> str:
    """The name to show for a GPU: the device-id table, then amdsmi's market name, then a
    description built from what is known."""
    if device_id in NAMES_BY_DEVICE_ID:
        return NAMES_BY_DEVICE_ID[device_id]
    if market_name is not None and market_name.strip() not in _NO_NAME:
        return market_name.strip()
    described = f"AMD GPU {architecture}" if architecture else "AMD GPU"
    return f"{described} (device {device_id})" if device_id else described
