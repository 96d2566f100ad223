"""Attention-backend priorities on NVIDIA GPUs, against vLLM 0.33.0, and selection with them.

``VLLM_0_33`` is the parity table: the order in which vLLM 0.33.0's
``_get_backend_priorities`` (``vllm/platforms/cuda.py``) tries the backends, written out as
data for every combination of compute capability, MLA, KV-cache dtype, head count,
multimodal prefix and non-causal attention (``ANY`` marks a column vLLM does not look at for
that row), plus the head-size-512 sparse tail. hwcore appends ``TORCH_SDPA``, its portable
reference. The table is compared with ``hwcore_cuda.attention.backend_priority``, with the
plugin's hook, and with the candidates ``hwcore explain --json`` lists in a subprocess on a
fake node of each GPU generation.

Selection then runs with stand-ins for the vendor backends registered under vLLM's names
(``hwcore_cuda_test_backends``): each GPU picks what vLLM picks; without them, non-MLA
requests fall back to TORCH_SDPA and MLA requests say what would provide a backend.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

import hwcore
from hwcore.cli.main import main
from hwcore.errors import InvalidSelectedBackendError, NoValidBackendError
from hwcore.plugin_api import AttentionRequest, DeviceCapability, DeviceInfo
from hwcore_cuda import plugin
from hwcore_cuda.attention import backend_priority
from hwcore_cuda.backend_hints import PROVIDER_HINTS

CudaPlatform = Callable[..., hwcore.Platform]
ANY = object()  # a column vLLM does not look at for that row

# ------------------------------------------------------------------ the parity table

DENSE = ["FLASH_ATTN", "FLASHINFER", "TRITON_ATTN", "FLEX_ATTENTION", "TURBOQUANT"]
DENSE_BLACKWELL = ["FLASHINFER", "FLASH_ATTN", "TRITON_ATTN", "FLEX_ATTENTION", "TURBOQUANT"]
MLA = ["FLASH_ATTN_MLA", "FLASHMLA", "FLASHINFER_MLA", "TRITON_MLA"]
MLA_BLACKWELL = [
    "FLASHINFER_MLA", "TOKENSPEED_MLA", "CUTLASS_MLA", "FLASH_ATTN_MLA", "FLASHMLA", "TRITON_MLA",
]
PRE_BLACKWELL = ("7.5", "8.0", "8.6", "8.9")

CAPABILITIES = ("7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "12.0")
KV_CACHE_DTYPES = ("auto", "fp8")
NUM_HEADS = (8, 128)
SWITCHES = (False, True)

# capabilities, use_mla, kv_cache_dtype, num_heads, use_mm_prefix, use_non_causal: order
VLLM_0_33: list[tuple[tuple[str, ...], bool, Any, Any, Any, Any, list[str]]] = [
    ((*PRE_BLACKWELL, "12.0"), False, ANY, ANY, ANY, ANY, DENSE),
    (("9.0",), False, ANY, ANY, False, ANY, DENSE),
    (("9.0",), False, ANY, ANY, True, ANY, ["TRITON_FLASH_ATTN", *DENSE]),
    (("10.0",), False, ANY, ANY, False, False, DENSE_BLACKWELL),
    (("10.0",), False, ANY, ANY, True, False, ["TRITON_FLASHINFER", *DENSE_BLACKWELL]),
    # FlashInfer's non-causal path has known problems on SM100: FlashAttention leads.
    (("10.0",), False, ANY, ANY, ANY, True, DENSE),
    ((*PRE_BLACKWELL, "9.0"), True, ANY, ANY, ANY, ANY,
     [*MLA, "FLASH_ATTN_MLA_SPARSE", "FLASHMLA_SPARSE", "FLASHINFER_MLA_SPARSE_SM90"]),
    (("10.0",), True, "fp8", ANY, ANY, ANY,
     [*MLA_BLACKWELL, "FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE"]),
    (("10.0",), True, "auto", 8, ANY, ANY,
     [*MLA_BLACKWELL, "FLASH_ATTN_MLA_SPARSE_FA4", "FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE"]),
    (("10.0",), True, "auto", 128, ANY, ANY,
     [*MLA_BLACKWELL, "FLASHMLA_SPARSE", "FLASHINFER_MLA_SPARSE"]),
    (("12.0",), True, ANY, ANY, ANY, ANY, ["TRITON_MLA", "FLASHINFER_MLA_SPARSE_SM120"]),
]

# FlashInfer's SM90 sparse MLA kernel leads the sparse tail for 512-wide heads (and only
# there: vLLM reads head_size in no other branch). capability, kv_cache_dtype, num_heads.
HEAD_512_SM90 = [*MLA, "FLASHINFER_MLA_SPARSE_SM90", "FLASH_ATTN_MLA_SPARSE", "FLASHMLA_SPARSE"]
HEAD_512: list[tuple[str, str, int, list[str]]] = [
    ("9.0", "auto", 8, HEAD_512_SM90),
    ("9.0", "auto", 128, HEAD_512_SM90),
    ("9.0", "fp8", 8, HEAD_512_SM90),
    ("9.0", "fp8", 128, HEAD_512_SM90),
    ("8.0", "auto", 128, HEAD_512_SM90),
    ("10.0", "auto", 128, [*MLA_BLACKWELL, "FLASHMLA_SPARSE", "FLASHINFER_MLA_SPARSE"]),
    ("12.0", "fp8", 8, ["TRITON_MLA", "FLASHINFER_MLA_SPARSE_SM120"]),
]

Combination = tuple[str, bool, str, int, bool, bool]


def combinations() -> Iterator[Combination]:
    """Every (capability, use_mla, kv_cache_dtype, num_heads, mm_prefix, non_causal)."""
    return itertools.product(CAPABILITIES, SWITCHES, KV_CACHE_DTYPES, NUM_HEADS, SWITCHES, SWITCHES)


def matching_rows(combination: Combination) -> list[list[str]]:
    capability, *values = combination
    return [
        order for capabilities, *columns, order in VLLM_0_33
        if capability in capabilities
        and all(column is ANY or column == value for column, value in zip(columns, values, strict=True))
    ]


def vllm_order(combination: Combination) -> list[str]:
    [order] = matching_rows(combination)
    return [*order, "TORCH_SDPA"]


def request_for(combination: Combination, head_size: int | None = None) -> AttentionRequest:
    _, use_mla, kv_cache_dtype, num_heads, mm_prefix, non_causal = combination
    return AttentionRequest(
        head_size=head_size or (576 if use_mla else 128), dtype="bfloat16",
        kv_cache_dtype=kv_cache_dtype, num_heads=num_heads, use_mla=use_mla,
        use_mm_prefix=mm_prefix, use_non_causal=non_causal,
    )


def gpu_with(capability: str) -> DeviceInfo:
    return DeviceInfo(index=0, physical_index=0, name=f"SM {capability} GPU",
                      capability=DeviceCapability.parse(capability))


def test_the_table_names_one_order_for_every_combination() -> None:
    ambiguous = {c: len(matching_rows(c)) for c in combinations() if len(matching_rows(c)) != 1}
    assert ambiguous == {}
    assert sum(1 for _ in combinations()) == 224


@pytest.mark.parametrize("use_mla", SWITCHES, ids=["dense", "mla"])
@pytest.mark.parametrize("capability", CAPABILITIES)
def test_backend_priority_is_vllms(capability: str, use_mla: bool) -> None:
    cases = [c for c in combinations() if c[:2] == (capability, use_mla)]
    cap = DeviceCapability.parse(capability)
    assert {c: list(backend_priority(cap, request_for(c))) for c in cases} == {
        c: vllm_order(c) for c in cases
    }


@pytest.mark.parametrize("use_mla", SWITCHES, ids=["dense", "mla"])
@pytest.mark.parametrize("capability", CAPABILITIES)
def test_the_priority_hook_is_vllms_order_for_the_selection_device(
    capability: str, use_mla: bool
) -> None:
    cases = [c for c in combinations() if c[:2] == (capability, use_mla)]
    device = gpu_with(capability)
    assert {
        c: list(plugin.get_attn_backend_priority(request=request_for(c), device=device))
        for c in cases
    } == {c: vllm_order(c) for c in cases}


@pytest.mark.parametrize(("capability", "kv_cache_dtype", "num_heads", "order"), HEAD_512)
def test_the_head_size_512_sparse_tail(
    capability: str, kv_cache_dtype: str, num_heads: int, order: list[str]
) -> None:
    request = AttentionRequest(head_size=512, dtype="bfloat16", kv_cache_dtype=kv_cache_dtype,
                               num_heads=num_heads, use_mla=True)
    assert list(backend_priority(DeviceCapability.parse(capability), request)) == [
        *order, "TORCH_SDPA"
    ]


@pytest.mark.parametrize(
    ("num_heads", "kv_cache_dtype", "tail"),
    [
        (16, "auto", ["FLASH_ATTN_MLA_SPARSE_FA4", "FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE"]),
        (17, "auto", ["FLASHMLA_SPARSE", "FLASHINFER_MLA_SPARSE"]),
        (None, "auto", ["FLASHMLA_SPARSE", "FLASHINFER_MLA_SPARSE"]),  # vLLM: unknown count
        (8, "bfloat16", ["FLASH_ATTN_MLA_SPARSE_FA4", "FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE"]),
        (8, "float16", ["FLASH_ATTN_MLA_SPARSE_FA4", "FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE"]),
        (8, "fp8_e4m3", ["FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE"]),
        (8, "fp8_ds_mla", ["FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE"]),
        (8, "nvfp4", ["FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE"]),
        (8, "turboquant_k8v4", ["FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE"]),
        (128, "int8_per_token_head", ["FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE"]),
    ],
)
def test_blackwell_sparse_tail_edges(
    num_heads: int | None, kv_cache_dtype: str, tail: list[str]
) -> None:
    # vLLM's rule: a quantized KV cache prefers FlashInfer; 16 heads or fewer prefer FA4.
    request = AttentionRequest(head_size=576, dtype="bfloat16", kv_cache_dtype=kv_cache_dtype,
                               num_heads=num_heads, use_mla=True)
    assert list(backend_priority(DeviceCapability(10, 0), request)) == [
        *MLA_BLACKWELL, *tail, "TORCH_SDPA"
    ]


@pytest.mark.parametrize(
    ("capability", "same_as"),
    [("10.3", "10.0"), ("12.1", "12.0"), ("8.7", "8.0"), ("9.9", "9.0"), ("11.0", "8.0")],
)
def test_vllm_reads_only_the_major_version(capability: str, same_as: str) -> None:
    # B300 (10.3) runs Blackwell's order, GB10 (12.1) SM120's, Jetson Orin (8.7) and Thor
    # (11.0) the order of neither Hopper nor Blackwell.
    for combination in combinations():
        if combination[0] == same_as:
            request = request_for(combination)
            assert backend_priority(DeviceCapability.parse(capability), request) == tuple(
                vllm_order(combination)
            ), combination


def test_an_unknown_capability_gets_the_generic_order() -> None:
    for use_mla, mm_prefix in itertools.product(SWITCHES, SWITCHES):
        combination = ("8.0", use_mla, "auto", 128, mm_prefix, False)
        assert list(backend_priority(None, request_for(combination))) == (
            vllm_order(combination)
        )
        assert list(plugin.get_attn_backend_priority(
            request=request_for(combination), device=None
        )) == vllm_order(combination)


# --------------------------------------------------------- hwcore explain, per GPU

NODE_OF = {"7.5": "T4", "8.0": "A100", "8.6": "RTX3090", "8.9": "L4", "9.0": "H100",
           "10.0": "B200", "12.0": "RTX5090"}

# One interpreter runs every request of a node through the CLI's main (one interpreter
# per request would start Python 240 times); each answer is the JSON `explain` printed.
EXPLAIN_EACH = (
    "import contextlib, io, json, sys\n"
    "from hwcore.cli.main import main\n"
    "answers = []\n"
    "for argv in json.load(sys.stdin):\n"
    "    printed = io.StringIO()\n"
    "    with contextlib.redirect_stdout(printed):\n"
    "        code = main(['explain', '--json', *argv])\n"
    "    answers.append({'code': code, 'document': json.loads(printed.getvalue())})\n"
    "json.dump(answers, sys.stdout)\n"
)


def explain_argv(request: AttentionRequest) -> list[str]:
    argv = ["--head-size", str(request.head_size), "--dtype", request.dtype,
            "--kv-cache-dtype", request.kv_cache_dtype, "--num-heads", str(request.num_heads)]
    flags = {"use_mla": "--use-mla", "use_mm_prefix": "--use-mm-prefix",
             "use_non_causal": "--use-non-causal"}
    return argv + [flag for field, flag in flags.items() if getattr(request, field)]


def cases_of(capability: str) -> list[AttentionRequest]:
    requests = [request_for(c) for c in combinations() if c[0] == capability]
    requests += [
        AttentionRequest(head_size=512, dtype="bfloat16", kv_cache_dtype=kv, num_heads=heads,
                         use_mla=True)
        for cap, kv, heads, _ in HEAD_512 if cap == capability
    ]
    return requests


@pytest.fixture(scope="module")
def explained(
    fake_nvml_env: Callable[[str], dict[str, str]],
) -> dict[str, list[dict[str, Any]]]:
    """``hwcore explain --json`` for every case, per capability, from one subprocess per fake
    node; the subprocesses run side by side."""
    running = {
        capability: subprocess.Popen(
            [sys.executable, "-c", EXPLAIN_EACH], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=fake_nvml_env(NODE_OF[capability]),
        )
        for capability in CAPABILITIES
    }
    answers = {}
    for capability, process in running.items():
        argvs = [explain_argv(request) for request in cases_of(capability)]
        stdout, stderr = process.communicate(json.dumps(argvs), timeout=120)
        assert process.returncode == 0, stderr
        answers[capability] = json.loads(stdout)
    return answers


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_explain_lists_vllms_order_as_candidates(
    explained: dict[str, list[dict[str, Any]]], capability: str
) -> None:
    requests = cases_of(capability)
    expected_512 = {(cap, kv, heads): order for cap, kv, heads, order in HEAD_512}
    listed, wanted = {}, {}
    for request, answer in zip(requests, explained[capability], strict=True):
        selection = answer["document"]["selection"]
        assert selection["request"] == request.to_dict()
        assert selection["capability"] == capability
        listed[request] = [candidate["name"] for candidate in selection["candidates"]]
        if request.head_size == 512:
            wanted[request] = [
                *expected_512[(capability, request.kv_cache_dtype, request.num_heads)],
                "TORCH_SDPA",
            ]
        else:
            combination = (capability, request.use_mla, request.kv_cache_dtype,
                           request.num_heads, request.use_mm_prefix, request.use_non_causal)
            wanted[request] = vllm_order(combination)
    assert listed == wanted


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_explain_on_a_bare_node_chooses_torch_sdpa_or_says_why_not(
    explained: dict[str, list[dict[str, Any]]], capability: str, fakes: ModuleType
) -> None:
    # Only hwcore's TORCH_SDPA is registered in the subprocess: it runs decoder attention,
    # causal or not, over an unquantized cache, and neither MLA nor a multimodal prefix.
    node = fakes.MODELS[NODE_OF[capability]][0]
    label = (
        f"No valid attention backend for cuda (platform 'cuda', hwcore-cuda 0.1.0; checked for "
        f"device 0 ({node}, compute capability {capability}), the only visible device) with "
    )
    for request, answer in zip(cases_of(capability), explained[capability], strict=True):
        selection = answer["document"]["selection"]
        assert selection["device"]["name"] == node
        plain = not (request.use_mla or request.use_mm_prefix)
        if plain and request.kv_cache_dtype == "auto":
            assert (answer["code"], selection["error"]) == (0, None)
            assert selection["chosen"] == "hwcore.attention.torch_sdpa.TorchSDPABackend"
        else:
            assert (answer["code"], selection["chosen"]) == (1, None)
            assert selection["error"].startswith(label + request.describe() + ". Reasons:\n")


# ------------------------------------------------------- selection with stand-ins

# GPU, what a dense bfloat16 (float16 on the T4) request picks, what an MLA request picks.
SELECTION = [
    ("T4", "FLASHINFER", "TRITON_MLA"),
    ("A100", "FLASH_ATTN", "TRITON_MLA"),
    ("RTX3090", "FLASH_ATTN", "TRITON_MLA"),
    ("L4", "FLASH_ATTN", "TRITON_MLA"),
    ("H100", "FLASH_ATTN", "FLASH_ATTN_MLA"),
    ("B200", "FLASHINFER", "FLASHINFER_MLA"),
    ("RTX5090", "FLASH_ATTN", "TRITON_MLA"),
]


@pytest.mark.parametrize(("gpu", "chosen", "mla_chosen"), SELECTION)
def test_selection_with_vendor_backends_registered(
    cuda_platform: CudaPlatform, vendor_backends: tuple[str, object],
    gpu: str, chosen: str, mla_chosen: str,
) -> None:
    platform = cuda_platform(gpu, vendor_backends, environ={})
    dtype = "float16" if gpu == "T4" else "bfloat16"
    dense = AttentionRequest(head_size=128, dtype=dtype)
    mla = AttentionRequest(head_size=576, dtype=dtype, use_mla=True)
    assert platform.get_attn_backend_cls(None, dense) == f"hwcore_cuda_test_backends.{chosen}"
    assert platform.get_attn_backend_cls(None, mla) == f"hwcore_cuda_test_backends.{mla_chosen}"
    hook = hwcore.get_plugin_manager().hook
    assert hook.get_attn_backend_cls(selected_backend=None, request=mla) == (
        f"hwcore_cuda_test_backends.{mla_chosen}"
    )
    assert platform.get_attn_backend_spec(None, dense).name == chosen


def test_non_causal_on_blackwell_prefers_flash_attention(
    cuda_platform: CudaPlatform, vendor_backends: tuple[str, object],
) -> None:
    platform = cuda_platform("B200", vendor_backends, environ={})
    # The stand-ins declare no non-causal support, as FlashAttention does in vLLM; give it.
    request = AttentionRequest(head_size=128, dtype="bfloat16", use_non_causal=True)
    assert platform.get_attn_backend_priority(request)[:2] == ["FLASH_ATTN", "FLASHINFER"]


def test_float32_skips_the_half_precision_kernels(
    cuda_platform: CudaPlatform, vendor_backends: tuple[str, object],
) -> None:
    platform = cuda_platform("H100", vendor_backends, environ={})
    assert platform.get_attn_backend_cls(None, AttentionRequest(128, "float32")) == (
        "hwcore_cuda_test_backends.TRITON_ATTN"
    )


@pytest.mark.parametrize("gpu", ["T4", "A100", "H100", "B200", "RTX5090"])
def test_without_vendor_backends_torch_sdpa_runs(cuda_platform: CudaPlatform, gpu: str) -> None:
    platform = cuda_platform(gpu, environ={})
    assert platform.get_attn_backend_cls(None, AttentionRequest(128, "float16")) == (
        "hwcore.attention.torch_sdpa.TorchSDPABackend"
    )


def hinted(name: str) -> str:
    return f"  {name}: not registered by any installed plugin (provided by e.g. {PROVIDER_HINTS[name]})"


def test_mla_without_vendor_backends_names_what_would_provide_them(
    cuda_platform: CudaPlatform,
) -> None:
    platform = cuda_platform("H100", environ={})
    message = "\n".join([
        "No valid attention backend for cuda (platform 'cuda', hwcore-cuda 0.1.0; checked for "
        "device 0 (NVIDIA H100 80GB HBM3, compute capability 9.0), the only visible device) "
        "with head_size=576, dtype=bfloat16, kv_cache_dtype=auto, block_size=auto, "
        "use_mla=True. Reasons:",
        *(hinted(name) for name in (*MLA, "FLASH_ATTN_MLA_SPARSE", "FLASHMLA_SPARSE",
                                    "FLASHINFER_MLA_SPARSE_SM90")),
        "  TORCH_SDPA: MLA not supported",
        "Change what the reasons name: the dtype, KV-cache dtype, block size or head size "
        "to one a backend supports, install a missing package or plugin, or select a "
        "backend explicitly",
    ])
    with pytest.raises(NoValidBackendError, match=f"^{re.escape(message)}$"):
        platform.get_attn_backend_cls(None, AttentionRequest(576, "bfloat16", use_mla=True))


def test_an_explicit_backend_that_cannot_run_is_an_error(
    cuda_platform: CudaPlatform, vendor_backends: tuple[str, object],
) -> None:
    platform = cuda_platform("T4", vendor_backends, environ={})
    message = (
        "Selected attention backend FLASH_ATTN cannot run this request on cuda (platform "
        "'cuda', hwcore-cuda 0.1.0; checked for device 0 (Tesla T4, compute capability 7.5), "
        "the only visible device) with head_size=128, dtype=float16, kv_cache_dtype=auto, "
        "block_size=auto: compute capability 7.5 below 8.0. hwcore does not fall back from an "
        "explicit choice; change the request or select another backend (valid here: "
        "FLASHINFER, TRITON_ATTN, FLEX_ATTENTION, TORCH_SDPA)"
    )
    with pytest.raises(InvalidSelectedBackendError, match=f"^{re.escape(message)}$"):
        platform.get_attn_backend_cls("FLASH_ATTN", AttentionRequest(128, "float16"))
    assert platform.get_attn_backend_cls("TRITON_ATTN", AttentionRequest(128, "float16")) == (
        "hwcore_cuda_test_backends.TRITON_ATTN"
    )


def test_an_unknown_capability_rules_out_backends_with_a_range(
    cuda_platform: CudaPlatform, vendor_backends: tuple[str, object],
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A Jetson whose device tree names no known model: NVML is missing, the capability too.
    (tmp_path / "sys/class/tegra-firmware").mkdir(parents=True)
    monkeypatch.setattr(plugin, "TEGRA_ROOT", tmp_path)
    platform = cuda_platform("missing", vendor_backends, environ={})
    request = AttentionRequest(128, "bfloat16")
    assert platform.get_attn_backend_cls(None, request) == "hwcore_cuda_test_backends.TRITON_ATTN"
    message = (
        "Selected attention backend FLASH_ATTN cannot run this request on cuda (platform "
        "'cuda', hwcore-cuda 0.1.0; checked for device 0 (NVIDIA Jetson (unknown model)), "
        "the only visible device) with head_size=128, dtype=bfloat16, kv_cache_dtype=auto, "
        "block_size=auto: compute capability unknown (the platform reports none). hwcore does "
        "not fall back from an explicit choice; change the request or select another backend "
        "(valid here: TRITON_ATTN, FLEX_ATTENTION, TORCH_SDPA)"
    )
    with pytest.raises(InvalidSelectedBackendError, match=f"^{re.escape(message)}$"):
        platform.get_attn_backend_cls("FLASH_ATTN", request)


# -------------------------------------------------------------------- sparse MLA

SPARSE = [
    # GPU, head size, KV-cache dtype, heads per rank, chosen backend
    ("H100", 576, "auto", 128, "FLASH_ATTN_MLA_SPARSE"),
    ("H100", 512, "auto", 128, "FLASHINFER_MLA_SPARSE_SM90"),
    ("H100", 576, "fp8", 128, "FLASHMLA_SPARSE"),  # FLASH_ATTN_MLA_SPARSE has no fp8 cache
    ("B200", 576, "fp8", 128, "FLASHINFER_MLA_SPARSE"),
    ("B200", 576, "auto", 8, "FLASH_ATTN_MLA_SPARSE_FA4"),
    ("B200", 576, "auto", 128, "FLASHMLA_SPARSE"),
]


@pytest.mark.parametrize(("gpu", "head_size", "kv_cache_dtype", "num_heads", "chosen"), SPARSE)
def test_sparse_mla_selects_a_registered_sparse_backend(
    cuda_platform: CudaPlatform, vendor_backends: tuple[str, object],
    sparse_backends: tuple[str, object],
    gpu: str, head_size: int, kv_cache_dtype: str, num_heads: int, chosen: str,
) -> None:
    platform = cuda_platform(gpu, vendor_backends, sparse_backends, environ={})
    request = AttentionRequest(head_size, "bfloat16", kv_cache_dtype=kv_cache_dtype,
                               num_heads=num_heads, use_mla=True, use_sparse=True)
    assert platform.get_attn_backend_cls(None, request) == f"hwcore_cuda_test_backends.{chosen}"


@pytest.mark.parametrize(("gpu", "chosen"), [("H100", "FLASH_ATTN_MLA"), ("B200", "FLASHINFER_MLA")])
def test_dense_mla_never_selects_a_sparse_backend(
    cuda_platform: CudaPlatform, vendor_backends: tuple[str, object],
    sparse_backends: tuple[str, object], gpu: str, chosen: str,
) -> None:
    platform = cuda_platform(gpu, vendor_backends, sparse_backends, environ={})
    request = AttentionRequest(576, "bfloat16", num_heads=128, use_mla=True)
    assert platform.get_attn_backend_cls(None, request) == f"hwcore_cuda_test_backends.{chosen}"


def test_sparse_mla_without_a_sparse_backend_says_why(
    cuda_platform: CudaPlatform, vendor_backends: tuple[str, object],
) -> None:
    platform = cuda_platform("B200", vendor_backends, environ={})
    request = AttentionRequest(576, "bfloat16", kv_cache_dtype="fp8", num_heads=128,
                               use_mla=True, use_sparse=True)
    message = "\n".join([
        "No valid attention backend for cuda (platform 'cuda', hwcore-cuda 0.1.0; checked for "
        "device 0 (NVIDIA B200, compute capability 10.0), the only visible device) with "
        "head_size=576, dtype=bfloat16, kv_cache_dtype=fp8, block_size=auto, use_mla=True, "
        "use_sparse=True, num_heads=128. Reasons:",
        "  FLASHINFER_MLA: sparse not supported",
        hinted("TOKENSPEED_MLA"),
        "  CUTLASS_MLA: kv_cache_dtype fp8 not supported (supports auto, float16, bfloat16); "
        "sparse not supported",
        "  FLASH_ATTN_MLA: compute capability 10.0 above 9.0; kv_cache_dtype fp8 not supported "
        "(supports auto, float16, bfloat16); sparse not supported",
        "  FLASHMLA: kv_cache_dtype fp8 not supported (supports auto, float16, bfloat16); "
        "sparse not supported",
        "  TRITON_MLA: kv_cache_dtype fp8 not supported (supports auto, float16, bfloat16); "
        "sparse not supported",
        hinted("FLASHINFER_MLA_SPARSE"),
        hinted("FLASHMLA_SPARSE"),
        "  TORCH_SDPA: kv_cache_dtype fp8 not supported (supports auto, float16, bfloat16, "
        "float32); MLA not supported; sparse not supported",
        "Supported kv_cache_dtype values: auto, bfloat16, float16, float32.",
        "Change what the reasons name: the dtype, KV-cache dtype, block size or head size "
        "to one a backend supports, install a missing package or plugin, or select a "
        "backend explicitly",
    ])
    with pytest.raises(NoValidBackendError, match=f"^{re.escape(message)}$"):
        platform.get_attn_backend_cls(None, request)


# ---------------------------------------------------------- mixed A100 + H100 node

A100_NOTE = (
    "device 0 (NVIDIA A100-SXM4-80GB, compute capability 8.0), the weakest of 2 visible devices"
)


def test_a_mixed_node_selects_for_its_weakest_gpu(
    cuda_platform: CudaPlatform, vendor_backends: tuple[str, object],
) -> None:
    platform = cuda_platform("A100+H100", vendor_backends, environ={})
    mla = AttentionRequest(576, "bfloat16", use_mla=True)
    assert platform.get_attn_backend_cls(None, mla) == "hwcore_cuda_test_backends.TRITON_MLA"
    prefix = AttentionRequest(128, "bfloat16", use_mm_prefix=True)
    assert platform.get_attn_backend_priority(prefix) == [*DENSE, "TORCH_SDPA"]  # no Hopper
    message = (
        "Selected attention backend FLASH_ATTN_MLA cannot run this request on cuda (platform "
        f"'cuda', hwcore-cuda 0.1.0; checked for {A100_NOTE}) with head_size=576, "
        "dtype=bfloat16, kv_cache_dtype=auto, block_size=auto, use_mla=True: compute "
        "capability 8.0 below 9.0. hwcore does not fall back from an explicit choice; change "
        "the request or select another backend (valid here: TRITON_MLA)"
    )
    with pytest.raises(InvalidSelectedBackendError, match=f"^{re.escape(message)}$"):
        platform.get_attn_backend_cls("FLASH_ATTN_MLA", mla)


@pytest.mark.parametrize(
    ("node", "environ", "note", "chosen"),
    [
        ("A100+H100", {}, A100_NOTE, "TRITON_MLA"),
        ("H100+A100", {}, "device 1 (NVIDIA A100-SXM4-80GB, compute capability 8.0), the "
                          "weakest of 2 visible devices", "TRITON_MLA"),
        ("A100+H100", {"CUDA_VISIBLE_DEVICES": "1"}, "device 0 (NVIDIA H100 80GB HBM3, "
         "compute capability 9.0), the only visible device", "FLASH_ATTN_MLA"),
    ],
)
def test_explain_states_the_device_selection_was_checked_for(
    cuda_platform: CudaPlatform, vendor_backends: tuple[str, object],
    capsys: pytest.CaptureFixture[str],
    node: str, environ: dict[str, str], note: str, chosen: str,
) -> None:
    cuda_platform(node, vendor_backends, environ=environ)
    capsys.readouterr()
    assert main(["explain", "--json", "--head-size", "576", "--use-mla"]) == 0
    selection = json.loads(capsys.readouterr().out)["selection"]
    assert selection["device_note"] == note
    assert selection["capability"] == note.split("compute capability ")[1][:3]
    assert selection["chosen"] == f"hwcore_cuda_test_backends.{chosen}"
    assert main(["explain", "--head-size", "576", "--use-mla"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1] == f"  checked for: {note}"
    assert printed[-2:] == [
        f"  chosen: hwcore_cuda_test_backends.{chosen}",
        "  (checked against the backends' records; their classes were not imported: add "
        "--verify to import them)",
    ]


def test_selection_is_cached_per_request(
    cuda_platform: CudaPlatform, vendor_backends: tuple[str, object],
) -> None:
    from hwcore.testing import HookRecorder

    platform = cuda_platform("H100", vendor_backends, environ={})
    request = AttentionRequest(128, "bfloat16", num_heads=32)
    platform.get_attn_backend_cls(None, request)
    with HookRecorder(hwcore.get_plugin_manager()) as recorder:
        for _ in range(3):
            platform.get_attn_backend_cls(None, request)
        platform.get_attn_backend_cls(None, request._replace(num_heads=8))
    priority_calls = [c for c in recorder.calls if c.name == "get_attn_backend_priority"]
    assert [c.kwargs["request"].num_heads for c in priority_calls] == [8]
    assert priority_calls[0].implementations[0] == "cuda"
