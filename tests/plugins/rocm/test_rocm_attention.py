"""Attention priorities: vLLM 0.33 rocm.py ``_get_backend_priorities`` per architecture,
AITER state and request, read from its source, then TORCH_SDPA."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hwcore.plugin_api import AttentionRequest, NoValidBackendError, Platform
from hwcore_rocm import switches
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


# ---------------------------------------------------------------- through a real host


def test_mi300x_picks_rocm_attn_and_kv_connectors_skip_it(
    rocm_platform: Callable[..., Platform], vendor_backends: object
) -> None:
    platform = rocm_platform("8xMI300X", plugins=[vendor_backends])
    request = AttentionRequest(head_size=128, dtype="bfloat16")
    assert platform.get_attn_backend_cls(None, request) == "hwcore_rocm_test_backends.ROCM_ATTN"
    connector = AttentionRequest(head_size=128, dtype="bfloat16", use_kv_connector=True)
    assert platform.get_attn_backend_cls(None, connector) == (
        "hwcore_rocm_test_backends.TRITON_ATTN")
    mla = AttentionRequest(head_size=576, dtype="bfloat16", use_mla=True)
    assert platform.get_attn_backend_cls(None, mla) == "hwcore_rocm_test_backends.TRITON_MLA"


def test_switches_in_the_environment_steer_selection(
    rocm_platform: Callable[..., Platform], vendor_backends: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(switches, "aiter_installed", lambda: True)
    platform = rocm_platform("8xMI300X", environ={"HWCORE_ROCM_USE_AITER": "1"},
                             plugins=[vendor_backends])
    mla = AttentionRequest(head_size=576, dtype="bfloat16", use_mla=True)
    assert platform.get_attn_backend_priority(mla) == list(AITER_MLA)
    assert platform.get_attn_backend_cls(None, mla) == "hwcore_rocm_test_backends.ROCM_AITER_MLA"
    cross = AttentionRequest(head_size=64, dtype="float16", attn_type="encoder_decoder")
    assert platform.get_attn_backend_priority(cross)[:2] == ["ROCM_AITER_FA",
                                                             "ROCM_AITER_UNIFIED_ATTN"]


def test_a_mixed_node_selects_for_its_weakest_gpu(
    rocm_platform: Callable[..., Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(switches, "aiter_installed", lambda: True)
    platform = rocm_platform("MI210+RX9070XT", environ={"HWCORE_ROCM_USE_AITER": "1"})
    request = AttentionRequest(head_size=128, dtype="float16")
    # The MI210 (9.0) is weaker than the RX 9070 XT (12.0): no RDNA4 AITER lead.
    assert platform.get_attn_backend_priority(request) == ["ROCM_ATTN", *TAIL]


def test_without_vendor_backends_the_reference_backend_runs(
    rocm_platform: Callable[..., Platform],
) -> None:
    platform = rocm_platform("8xMI300X")
    request = AttentionRequest(head_size=128, dtype="bfloat16")
    assert platform.get_attn_backend_cls(None, request) == (
        "hwcore.attention.torch_sdpa.TorchSDPABackend")


def test_no_valid_backend_names_the_kv_cache_dtypes_that_would_work(
    rocm_platform: Callable[..., Platform], vendor_backends: object
) -> None:
    platform = rocm_platform("8xMI300X", plugins=[vendor_backends])
    request = AttentionRequest(head_size=128, dtype="bfloat16", kv_cache_dtype="nvfp4")
    with pytest.raises(NoValidBackendError) as raised:
        platform.get_attn_backend_cls(None, request)
    message = str(raised.value)
    assert message.startswith(
        "No valid attention backend for cuda (platform 'rocm', hwcore-rocm 0.1.0; checked for "
        "device 0 (AMD Instinct MI300X, compute capability 9.4), the weakest of 8 visible "
        "devices) with head_size=128, dtype=bfloat16, kv_cache_dtype=nvfp4, block_size=auto. "
        "Reasons:\n  ROCM_ATTN: kv_cache_dtype"
    )
    assert "\n  TURBOQUANT: not registered" in message
    assert (
        "Supported kv_cache_dtype values: auto, bfloat16, float16, float32, fp8, fp8_e4m3, "
        "fp8_e5m2, fp8_per_token_head, int4_per_token_head, int8_per_token_head.\n"
    ) in message
