"""The Pallas backend records and the platform's one-backend priority."""

from __future__ import annotations

from hwcore.plugin_api import AttentionRequest
from hwcore_tpu.attention import backend_priority, backend_specs


def test_the_pallas_backends_need_tpu_inference() -> None:
    pallas, pallas_mla = backend_specs()
    assert (pallas.name, pallas.class_path) == (
        "PALLAS", "tpu_inference.layers.vllm.backends.flash_attn.PallasAttentionBackend"
    )
    assert (pallas_mla.name, pallas_mla.class_path) == (
        "PALLAS_MLA", "tpu_inference.layers.vllm.backends.flash_attn_mla.PallasMLAttentionBackend"
    )
    for spec in (pallas, pallas_mla):
        assert spec.required_packages == ("tpu-inference",)
        assert spec.install_hint == "pip install tpu-inference on a TPU VM"
        assert spec.device_types == ("tpu",)
        assert spec.dtypes == ("bfloat16",)
        assert spec.kv_cache_dtypes == ("auto", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2")
        assert spec.head_sizes == ()  # tpu-inference pads every head to a multiple of 128
    assert (pallas.mla, pallas.sink, pallas.attn_types) == (
        False, True, ("decoder", "encoder_only")
    )
    assert (pallas_mla.mla, pallas_mla.default_block_size) == (True, 1024)


def test_the_priority_holds_only_pallas() -> None:
    assert backend_priority(AttentionRequest(128, "bfloat16")) == ("PALLAS",)
    assert backend_priority(AttentionRequest(576, "bfloat16", use_mla=True)) == ("PALLAS_MLA",)
