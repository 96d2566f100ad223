"""hwcore-tpu through a real host: what an engine sees via the facade and ``pm.hook``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import hwcore
import hwcore_tpu.plugin
from hwcore.errors import UnusablePlatformError
from hwcore.plugin_api import AttentionRequest, EngineConfig, ModelConfig
from hwcore.testing import IsolatedHost

HostFactory = Callable[..., dict[str, str]]
TPU_INFERENCE_MISSING = (
    "tpu-inference is not installed, and TPU models run on it (the Pallas attention backends, "
    "KV-cache block copies, free memory): pip install tpu-inference on a TPU VM"
)


@pytest.fixture
def tpu_host() -> Iterator[Callable[[dict[str, str]], IsolatedHost]]:
    """``tpu_host(environ)``: a process-wide host holding only hwcore-tpu, reading
    ``environ``."""
    hosts: list[IsolatedHost] = []

    def start(environ: dict[str, str]) -> IsolatedHost:
        isolated = IsolatedHost(environ)
        isolated.add_platform(hwcore_tpu.plugin, "tpu", distribution="hwcore-tpu", version="0.1.0")
        isolated.install()
        hosts.append(isolated)
        return isolated

    yield start
    for isolated in reversed(hosts):
        isolated.uninstall()


@pytest.fixture
def tpu_inference_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Distribution metadata of tpu-inference on sys.path (nothing importable)."""
    info = tmp_path / "dist" / "tpu_inference-0.32.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tpu-inference\nVersion: 0.32.0\n")
    monkeypatch.syspath_prepend(str(tmp_path / "dist"))


def test_a_v6e_8_host_through_the_facade(host: HostFactory, tpu_host) -> None:  # type: ignore[no-untyped-def]
    platform = tpu_host(host("v6e-8")).platform()
    assert (platform.name, platform.device_type, platform.dispatch_key) == ("tpu", "tpu", "XLA")
    assert platform.provider == "hwcore-tpu 0.1.0"
    assert platform.get_device_count() == 8
    assert platform.get_device_name(7) == "TPU v6e"
    assert platform.get_device_total_memory(0) == 32 << 30
    assert platform.supported_dtypes == ["bfloat16"]
    assert platform.is_pin_memory_available() is False
    assert platform.log_warnings() == [TPU_INFERENCE_MISSING]


def test_disagreements_are_warnings(host: HostFactory, tpu_host) -> None:  # type: ignore[no-untyped-def]
    platform = tpu_host(host("v6e-8", TPU_VISIBLE_CHIPS="0,1")).platform()
    assert platform.log_warnings() == [
        "TPU_CHIPS_PER_HOST_BOUNDS='2,4,1' lays out 8 chips, but TPU_VISIBLE_CHIPS='0,1' makes "
        "2 visible; set it (and TPU_HOST_BOUNDS) to cover exactly the visible chips, e.g. "
        "'1,2,1' and '1,1,1' for two",
        TPU_INFERENCE_MISSING,
    ]


def test_an_unusable_value_fails_resolution_with_its_message(
    host: HostFactory, tpu_host  # type: ignore[no-untyped-def]
) -> None:
    env = host("v6e-8", TPU_VISIBLE_CHIPS="9")
    isolated = tpu_host(env)
    root = Path(env["HWCORE_DEV_ROOT"]).parent
    message = (
        "platform 'tpu' from hwcore-tpu 0.1.0 was chosen (tpu: the only accelerator detected "
        "(TPU environment variables: TPU_ACCELERATOR_TYPE='v6e-8', TPU_WORKER_ID='0', "
        "TPU_WORKER_HOSTNAMES='localhost', TPU_CHIPS_PER_HOST_BOUNDS='2,4,1', "
        "TPU_HOST_BOUNDS='1,1,1'; sysfs: 8 TPU v6e chips on the PCI bus (vendor 0x1ae0) under "
        f"{root}/sys/bus/pci/devices; device nodes: {root}/dev/vfio/0-7)), "
        "but it cannot be used: TPU_VISIBLE_CHIPS='9': entry '9' is not a TPU chip on this "
        "node, which has 8 TPU chips (indices 0-7); set TPU_VISIBLE_CHIPS to comma-separated "
        "TPU chip indices such as TPU_VISIBLE_CHIPS=0,1"
    )
    with pytest.raises(UnusablePlatformError, match=f"^{re.escape(message)}$"):
        isolated.platform().get_device_count()


def test_no_tpu_is_absent_in_the_report(host: HostFactory, tpu_host) -> None:  # type: ignore[no-untyped-def]
    report = tpu_host(host(None)).report
    [tpu] = report.detections
    assert tpu.present is False
    assert tpu.reason is not None and tpu.reason.startswith("no TPU found: none of ")


def test_float16_is_refused_in_tpu_words(host: HostFactory, tpu_host) -> None:  # type: ignore[no-untyped-def]
    platform = tpu_host(host("v5p-8")).platform()
    platform.check_if_supports_dtype("bfloat16")
    message = (
        "float16 is not supported on TPUs, which run models in bfloat16 only (vLLM's TPU "
        "platform turns float16 and float32 models into bfloat16); use bfloat16"
    )
    with pytest.raises(hwcore.UnsupportedDtypeError, match=f"^{re.escape(message)}$"):
        platform.check_if_supports_dtype("float16")


def test_config_validation_through_the_hook_and_the_facade(
    host: HostFactory, tpu_host  # type: ignore[no-untyped-def]
) -> None:
    isolated = tpu_host(host("v6e-8"))
    config = EngineConfig(model=ModelConfig(dtype="float16"))
    checked = isolated.platform().check_and_update_config(config)
    assert checked.config.model.dtype == "bfloat16"
    assert checked.adjustments[0].reason == (
        "TPUs do not run float16 models: the matrix units compute in bfloat16, the one dtype "
        "vLLM's TPU platform runs"
    )
    assert isolated.plugin_manager.hook.check_and_update_config(config=config) == checked


def test_quantization_is_limited_to_vllms_tpu_list(host: HostFactory, tpu_host) -> None:  # type: ignore[no-untyped-def]
    platform = tpu_host(host("v6e-8")).platform()
    platform.verify_quantization("tpu_int8")
    with pytest.raises(hwcore.InvalidConfigError, match="awq"):
        platform.verify_quantization("awq")


def test_selection_without_tpu_inference_names_it(host: HostFactory, tpu_host) -> None:  # type: ignore[no-untyped-def]
    pm = tpu_host(host("v6e-8")).plugin_manager
    request = AttentionRequest(head_size=128, dtype="bfloat16")
    with pytest.raises(hwcore.NoValidBackendError) as raised:
        pm.hook.get_attn_backend_cls(selected_backend=None, request=request)
    message = str(raised.value)
    assert (
        "  PALLAS: required package 'tpu-inference' is not installed (pip install "
        "tpu-inference on a TPU VM)\n"
    ) in message
    assert "TORCH_SDPA" not in message  # no fallback that would run on the host CPU


def test_selection_with_tpu_inference_is_pallas(
    host: HostFactory, tpu_host, tpu_inference_installed: None  # type: ignore[no-untyped-def]
) -> None:
    pm = tpu_host(host("v6e-8")).plugin_manager
    pick = pm.hook.get_attn_backend_cls
    assert pick(selected_backend=None, request=AttentionRequest(128, "bfloat16")) == (
        "tpu_inference.layers.vllm.backends.flash_attn.PallasAttentionBackend"
    )
    mla = AttentionRequest(576, "bfloat16", use_mla=True)
    assert pick(selected_backend=None, request=mla) == (
        "tpu_inference.layers.vllm.backends.flash_attn_mla.PallasMLAttentionBackend"
    )
    message = (
        "No valid attention backend for tpu (platform 'tpu', hwcore-tpu 0.1.0; checked for "
        "device 0 (TPU v6e), the first of 8 visible devices) with head_size=128, "
        "dtype=float16, kv_cache_dtype=auto, block_size=auto. Reasons:\n"
        "  PALLAS: dtype float16 not supported (supports bfloat16)\n"
        "Change what the reasons name: the dtype, KV-cache dtype, block size or head size to "
        "one a backend supports, install a missing package or plugin, or select a backend "
        "explicitly"
    )
    with pytest.raises(hwcore.NoValidBackendError, match=f"^{re.escape(message)}$"):
        pick(selected_backend=None, request=AttentionRequest(128, "float16"))
