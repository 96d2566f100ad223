"""Attention: vLLM's selector config as hwcore's request, hwcore's choice as a vLLM class."""

from __future__ import annotations

import enum
import re
from collections import namedtuple

import hwcore_simulated.plugin
import pytest

from hwcore.records import AttentionBackendSpec, AttentionRequest
from hwcore_vllm.attention import (
    UNEXPRESSED_FIELDS,
    AttentionView,
    request_from_selector,
    vllm_class_path,
)
from hwcore_vllm.errors import NotRunnableByVllmError, UntranslatableError

from .conftest import RecordPlatform, platform_info

# The shape of vLLM 0.33's AttentionSelectorConfig (vllm/v1/attention/selector.py): its
# field names, order and defaults. head_size, dtype, kv_cache_dtype and block_size have no
# default there.
SelectorConfig = namedtuple(
    "SelectorConfig",
    ["head_size", "dtype", "kv_cache_dtype", "block_size", "use_mla", "has_sink",
     "use_sparse", "use_mm_prefix", "use_per_head_quant_scales", "attn_type",
     "has_sliding_window", "use_non_causal", "use_batch_invariant", "use_kv_connector",
     "use_pcp", "use_adaptive_verification", "use_dcp", "use_rswa"],
    defaults=[False, False, False, False, False, "decoder", False, False, False, False,
              False, False, False, False],
)


class AttentionType(str, enum.Enum):  # vLLM's is a str enum too
    DECODER = "decoder"
    ENCODER_ONLY = "encoder_only"


def translate(selector, num_heads=None):
    return request_from_selector(selector._asdict(), SelectorConfig._field_defaults,
                                 num_heads, "mychip")


# ------------------------------------------------------------------- the request


def test_a_default_selector_config_is_the_same_request_with_num_heads():
    selector = SelectorConfig(head_size=128, dtype="bfloat16", kv_cache_dtype=None,
                              block_size=None)
    assert translate(selector, num_heads=32) == AttentionRequest(
        head_size=128, dtype="bfloat16", kv_cache_dtype="auto", num_heads=32
    )


def test_every_shared_field_is_carried_over():
    selector = SelectorConfig(
        head_size=576, dtype="float16", kv_cache_dtype="fp8_e4m3", block_size=64,
        use_mla=True, has_sink=True, use_sparse=True, use_mm_prefix=True,
        attn_type=AttentionType.ENCODER_ONLY, has_sliding_window=True, use_non_causal=True,
        use_batch_invariant=True, use_kv_connector=True,
    )
    assert translate(selector, num_heads=16) == AttentionRequest(
        head_size=576, dtype="float16", kv_cache_dtype="fp8_e4m3", block_size=64,
        use_mla=True, has_sink=True, use_sparse=True, use_mm_prefix=True,
        attn_type="encoder_only", has_sliding_window=True, use_non_causal=True,
        use_batch_invariant=True, use_kv_connector=True, num_heads=16,
    )


def test_a_torch_dtype_becomes_its_name():
    torch = pytest.importorskip("torch")
    selector = SelectorConfig(head_size=64, dtype=torch.bfloat16, kv_cache_dtype="auto",
                              block_size=16)
    assert translate(selector).dtype == "bfloat16"


@pytest.mark.parametrize("field", sorted(UNEXPRESSED_FIELDS))
def test_a_field_hwcore_cannot_express_is_refused_naming_it_and_hwcores_request(field):
    selector = SelectorConfig(head_size=64, dtype="bfloat16", kv_cache_dtype=None,
                              block_size=None, **{field: True})
    message = ("vLLM asks hwcore's platform 'mychip' for an attention backend with "
               f"{field}=True ({UNEXPRESSED_FIELDS[field]}), which hwcore's AttentionRequest "
               "(hook contract 2.0) cannot express, so hwcore cannot choose a backend that "
               "supports it; turn that off to run on this platform")
    with pytest.raises(UntranslatableError, match=re.escape(message)):
        translate(selector)


def test_every_field_it_cannot_express_is_named_at_once():
    selector = SelectorConfig(head_size=64, dtype="bfloat16", kv_cache_dtype=None,
                              block_size=None, use_pcp=True, use_dcp=True)
    message = ("vLLM asks hwcore's platform 'mychip' for an attention backend with use_pcp=True "
               "(prefill context parallelism (prefill_context_parallel_size > 1)) and "
               "use_dcp=True (decode context parallelism (decode_context_parallel_size > 1)), "
               "which hwcore's AttentionRequest (hook contract 2.0) cannot express, so hwcore "
               "cannot choose a backend that supports it; turn those off to run on this "
               "platform")
    with pytest.raises(UntranslatableError, match=re.escape(message)):
        translate(selector)


def test_a_field_a_later_vllm_adds_passes_at_its_default_and_is_refused_otherwise():
    fields = {"head_size": 64, "dtype": "bfloat16", "kv_cache_dtype": None,
              "block_size": None, "use_quantum_attention": False}
    defaults = {"use_quantum_attention": False}
    assert request_from_selector(fields, defaults, None, "mychip").head_size == 64
    message = ("vLLM asks hwcore's platform 'mychip' for an attention backend with "
               "use_quantum_attention=True (a selector field hwcore does not know), which "
               "hwcore's AttentionRequest (hook contract 2.0) cannot express, so hwcore cannot "
               "choose a backend that supports it; turn that off to run on this platform")
    with pytest.raises(UntranslatableError, match=re.escape(message)):
        request_from_selector({**fields, "use_quantum_attention": True}, defaults, None,
                              "mychip")


def test_a_value_hwcores_request_refuses_is_an_error_with_hwcores_reason():
    selector = SelectorConfig(head_size=64, dtype="bfloat16", kv_cache_dtype=None,
                              block_size=None, attn_type="mamba")
    message = ("vLLM's attention selector config cannot be expressed as hwcore's "
               "AttentionRequest: AttentionRequest.attn_type must be one of decoder, encoder, "
               "encoder_only, encoder_decoder, got 'mamba'")
    with pytest.raises(UntranslatableError, match=re.escape(message)):
        translate(selector)


# ---------------------------------------------------------------- the vLLM class

REQUEST = AttentionRequest(head_size=64, dtype="bfloat16", block_size=16)
SPEC = AttentionBackendSpec(name="MYCHIP_ATTN", class_path="hwcore_mychip.attention.MyChip")
CHOSE = ("hwcore's platform 'mychip' chose attention backend MYCHIP_ATTN "
         "(hwcore_mychip.attention.MyChip) for head_size=64, dtype=bfloat16, "
         "kv_cache_dtype=auto, block_size=16")


def view(vllm_classes=(), registered=None):
    """vLLM as seen by the mapping: which class paths are vLLM backends, and its registry."""
    registered = registered or {}
    return AttentionView(registered_path=registered.get,
                         is_vllm_backend=lambda path: path in vllm_classes)


def test_a_vendor_class_that_is_a_vllm_backend_is_returned_as_is():
    found = vllm_class_path(SPEC, REQUEST, "mychip", view(
        vllm_classes={SPEC.class_path},
        registered={"MYCHIP_ATTN": "vllm.other.Backend"},
    ))
    assert found == "hwcore_mychip.attention.MyChip"


def test_otherwise_the_class_vllm_registers_under_the_same_name():
    found = vllm_class_path(SPEC, REQUEST, "mychip", view(
        registered={"MYCHIP_ATTN": "hwcore_mychip.vllm_backend.MyChipVllm"},
    ))
    assert found == "hwcore_mychip.vllm_backend.MyChipVllm"


def test_a_hwcore_only_backend_vllm_has_no_name_for_is_an_error_naming_both():
    message = (f"{CHOSE}, but vLLM cannot run it: that class is not a vLLM attention backend "
               "(vllm.v1.attention.backend.AttentionBackend) and vLLM has no attention "
               "backend named MYCHIP_ATTN. Register a vLLM attention backend under the name "
               "MYCHIP_ATTN (docs/vllm.md, 'Attention'), or select another of the platform's "
               "backends, one vLLM can run, with --attention-backend")
    with pytest.raises(NotRunnableByVllmError, match=re.escape(message)):
        vllm_class_path(SPEC, REQUEST, "mychip", view())


def test_a_name_vllm_keeps_without_a_class_is_an_error_too():
    message = (f"{CHOSE}, but vLLM cannot run it: that class is not a vLLM attention backend "
               "(vllm.v1.attention.backend.AttentionBackend) and vLLM's own MYCHIP_ATTN names "
               "no class it can run (vLLM keeps that name as a tag, e.g. TORCH_SDPA for "
               "vision-encoder attention). Register a vLLM attention backend under the name "
               "MYCHIP_ATTN (docs/vllm.md, 'Attention'), or select another of the platform's "
               "backends, one vLLM can run, with --attention-backend")
    with pytest.raises(NotRunnableByVllmError, match=re.escape(message)):
        vllm_class_path(SPEC, REQUEST, "mychip", view(registered={"MYCHIP_ATTN": ""}))


def test_a_class_that_does_not_import_says_why():
    def broken(path):
        raise ImportError(f"{path} does not import: ModuleNotFoundError: No module named "
                          "'hwcore_mychip'")

    message = (f"{CHOSE}, but vLLM cannot load it: hwcore_mychip.attention.MyChip does not "
               "import: ModuleNotFoundError: No module named 'hwcore_mychip'")
    with pytest.raises(NotRunnableByVllmError, match=re.escape(message)):
        vllm_class_path(SPEC, REQUEST, "mychip",
                        AttentionView(registered_path=lambda name: None, is_vllm_backend=broken))


# ------------------------------------------------- through a real hwcore selection


def test_the_tutorial_plugin_unchanged_gets_the_clear_error(hwcore_host):
    hwcore_host.environ["HWCORE_SIMULATED_DEVICES"] = "2"
    hwcore_host.add_platform(hwcore_simulated.plugin, "simulated")
    platform = hwcore_host.platform()
    selector = SelectorConfig(head_size=64, dtype="bfloat16", kv_cache_dtype="auto",
                              block_size=None)
    request = request_from_selector(selector._asdict(), SelectorConfig._field_defaults, 4,
                                    platform.name)
    spec = platform.get_attn_backend_spec(None, request)
    message = ("hwcore's platform 'simulated' chose attention backend SIMULATED_PAGED "
               "(hwcore_simulated.backend.SimulatedPagedAttention) for head_size=64, "
               "dtype=bfloat16, kv_cache_dtype=auto, block_size=auto, num_heads=4, but vLLM "
               "cannot run it: that class is not a vLLM attention backend "
               "(vllm.v1.attention.backend.AttentionBackend) and vLLM has no attention backend "
               "named SIMULATED_PAGED. Register a vLLM attention backend under the name "
               "SIMULATED_PAGED (docs/vllm.md, 'Attention'), or select another of the "
               "platform's backends, one vLLM can run, with --attention-backend")
    with pytest.raises(NotRunnableByVllmError, match=re.escape(message)):
        vllm_class_path(spec, request, platform.name, view())


def test_an_explicit_selection_reaches_hwcore_by_name(platform_with):
    backends = [AttentionBackendSpec(name=name, class_path=f"hwcore_mychip.attention.{name}",
                                     device_types=("cpu",))
                for name in ("MYCHIP_FAST", "MYCHIP_SAFE")]
    platform = platform_with(RecordPlatform(platform_info("mychip"), backends=backends,
                                            priority=["MYCHIP_FAST", "MYCHIP_SAFE"]))
    request = AttentionRequest(head_size=64, dtype="bfloat16")
    registered = {"MYCHIP_FAST": "vllm_mychip.Fast", "MYCHIP_SAFE": "vllm_mychip.Safe"}
    for selected, expected in ((None, "vllm_mychip.Fast"), ("MYCHIP_SAFE", "vllm_mychip.Safe")):
        spec = platform.get_attn_backend_spec(selected, request)
        assert vllm_class_path(spec, request, "mychip", view(registered=registered)) == expected
