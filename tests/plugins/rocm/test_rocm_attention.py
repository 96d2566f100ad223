"""Attention priorities: vLLM 0.33 rocm.py ``_get_backend_priorities`` per architecture,
AITER state and request, read from its source, then TORCH_SDPA."""

from __future__ import annotations

import pytest

from hwcore_rocm.attention import backend_priority
from hwcore_rocm.switches import Aiter, AiterSwitches

TAIL = ("TRITON_ATTN", "TURBOQUANT", "ROCM_OCTAVE", "ULTRAQUANT", "TORCH_SDPA")
AITER_MLA = ("ROCM_AITER_MLA", "TRITON_MLA", "ROCM_AITER_TRITON_MLA", "TORCH_SDPA")
TRITON_MLA = ("TRITON_MLA", "TORCH_SDPA")
SPARSE = ("ROCM_AITER_MLA_SPARSE", "TORCH_SDPA")
OFF = AiterSwitches()
ON = AiterSwitches(use_aiter=True)
ON_NO_MHA = AiterSwitches(use_aiter=True, use_aiter_mha=False)
ON_NO_MLA = AiterSwitches(use_aiter=True, use_aiter_mla=False)

# architecture, aiter installed, switches -> (decoder, MLA) priorities
ROWS = [
    # MI300 / MI355 (CDNA3/4): AITER's CK kernels run when the package is there.
    ("gfx942", False, ON, ("ROCM_ATTN", *TAIL), TRITON_MLA),
    ("gfx942", True, OFF, ("ROCM_ATTN", "ROCM_AITER_UNIFIED_ATTN", *TAIL), TRITON_MLA),
    ("gfx942", True, ON,
     ("ROCM_ATTN", "ROCM_AITER_FA", "ROCM_AITER_UNIFIED_ATTN", *TAIL), AITER_MLA),
    ("gfx942", True, ON_NO_MHA, ("ROCM_ATTN", "ROCM_AITER_UNIFIED_ATTN", *TAIL), AITER_MLA),
    ("gfx942", True, ON_NO_MLA,
     ("ROCM_ATTN", "ROCM_AITER_FA", "ROCM_AITER_UNIFIED_ATTN", *TAIL), TRITON_MLA),
    ("gfx950", False, OFF, ("ROCM_ATTN", *TAIL), TRITON_MLA),
    ("gfx950", True, ON,
     ("ROCM_ATTN", "ROCM_AITER_FA", "ROCM_AITER_UNIFIED_ATTN", *TAIL), AITER_MLA),
    ("gfx1250", True, ON,
     ("ROCM_ATTN", "ROCM_AITER_FA", "ROCM_AITER_UNIFIED_ATTN", *TAIL), AITER_MLA),
    # MI200 (CDNA2): below AITER's range whatever the switches say.
    ("gfx90a", True, ON, ("ROCM_ATTN", *TAIL), TRITON_MLA),
    ("gfx90a", False, OFF, ("ROCM_ATTN", *TAIL), TRITON_MLA),
    # RDNA3: no AITER.
    ("gfx1100", True, ON, ("ROCM_ATTN", *TAIL), TRITON_MLA),
    # RDNA4: AITER's Triton unified attention leads, only when switched on.
    ("gfx1201", True, ON, ("ROCM_AITER_UNIFIED_ATTN", "ROCM_ATTN", *TAIL), TRITON_MLA),
    ("gfx1201", True, OFF, ("ROCM_ATTN", *TAIL), TRITON_MLA),
    ("gfx1201", False, ON, ("ROCM_ATTN", *TAIL), TRITON_MLA),
    ("gfx1200", True, ON, ("ROCM_AITER_UNIFIED_ATTN", "ROCM_ATTN", *TAIL), TRITON_MLA),
]


@pytest.mark.parametrize(("architecture", "installed", "switches", "decoder", "mla"), ROWS)
def test_priorities_follow_vllm(
    architecture: str, installed: bool, switches: AiterSwitches, decoder: tuple[str, ...],
    mla: tuple[str, ...],
) -> None:
    aiter = Aiter(switches, installed, architecture)
    assert backend_priority(aiter, use_mla=False, use_sparse=False) == decoder
    assert backend_priority(aiter, use_mla=True, use_sparse=False) == mla
    # Sparse requests have one vLLM candidate, whatever else holds.
    assert backend_priority(aiter, use_mla=True, use_sparse=True) == SPARSE
    assert backend_priority(aiter, use_mla=False, use_sparse=True, use_kv_connector=True) == SPARSE


@pytest.mark.parametrize(
    ("architecture", "installed", "switches", "expected"),
    [
        ("gfx942", True, ON, ("ROCM_AITER_FA", "ROCM_AITER_UNIFIED_ATTN", *TAIL)),
        ("gfx942", False, OFF, TAIL),
        ("gfx1201", True, ON, ("ROCM_AITER_UNIFIED_ATTN", *TAIL)),
    ],
)
def test_kv_connectors_and_encoder_decoder_models_skip_rocm_attn(
    architecture: str, installed: bool, switches: AiterSwitches, expected: tuple[str, ...]
) -> None:
    aiter = Aiter(switches, installed, architecture)
    assert backend_priority(aiter, use_mla=False, use_sparse=False,
                            use_kv_connector=True) == expected
    assert backend_priority(aiter, use_mla=False, use_sparse=False,
                            encoder_decoder=True) == expected
    # MLA lists never hold ROCM_ATTN, so neither rule changes them.
    assert backend_priority(aiter, use_mla=True, use_sparse=False, use_kv_connector=True,
                            encoder_decoder=True) == backend_priority(
        aiter, use_mla=True, use_sparse=False)
