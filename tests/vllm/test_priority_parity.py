"""hwcore-cuda's and hwcore-rocm's attention priorities against the installed vLLM 0.33.0's
own ``_get_backend_priorities``, over every combination of the inputs they take.

vLLM's platform modules cannot be imported without their GPU runtime
(``vllm/platforms/cuda.py`` loads libcuda, ``rocm.py`` initialises HIP), so each function
is read from the installed source file, compiled alone and run in a namespace holding
vLLM's own ``AttentionBackendEnum`` and ``DeviceCapability``. The CUDA function's
KV-cache helper is vLLM's own (its lazy import runs as written). The ROCm function asks
vLLM's ``rocm_aiter_ops`` for the AITER switches; only what a GPU would tell it is set
here: whether AITER is installed and supported on the architecture (CDNA3 or later,
``get_cdna_version() > 2``), and RDNA4 (gfx1200/gfx1201).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.vllm

LOAD = """
import __future__, ast, importlib.util, itertools, pathlib

from vllm.platforms.interface import DeviceCapability as VllmCapability
from vllm.v1.attention.backends.registry import AttentionBackendEnum


def vllm_function(module, name):
    path = pathlib.Path(importlib.util.find_spec(module).origin)
    tree = ast.parse(path.read_text())
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    node.decorator_list = []
    code = compile(ast.Module([node], []), str(path), "exec",
                   flags=__future__.annotations.compiler_flag, dont_inherit=True)
    namespace = {"AttentionBackendEnum": AttentionBackendEnum,
                 "DeviceCapability": VllmCapability}
    exec(code, namespace)
    return namespace[name]
"""

CUDA = LOAD + """
from hwcore.plugin_api import AttentionRequest, DeviceCapability
from hwcore_cuda.attention import backend_priority

vllm_order = vllm_function("vllm.platforms.cuda", "_get_backend_priorities")
capabilities = [(7, 5), (8, 0), (8, 6), (8, 9), (9, 0), (10, 0), (10, 3), (11, 0), (12, 0),
                (12, 1)]
kv_dtypes = ["auto", "bfloat16", "fp8", "fp8_e4m3", "fp8_ds_mla", "nvfp4", "turboquant_k8v4",
             None]
rows, differ = 0, []
for cap, mla, kv, heads, mm, non_causal, head_size in itertools.product(
    capabilities, [False, True], kv_dtypes, [None, 8, 16, 32, 128], [False, True],
    [False, True], [64, 128, 512],
):
    expected = [backend.name for backend in vllm_order(
        use_mla=mla, device_capability=VllmCapability(*cap), num_heads=heads,
        kv_cache_dtype=kv, use_non_causal=non_causal, head_size=head_size,
        use_mm_prefix=mm,
    )] + ["TORCH_SDPA"]
    request = AttentionRequest(head_size=head_size, dtype="bfloat16", kv_cache_dtype=kv,
                               use_mla=mla, num_heads=heads, use_mm_prefix=mm,
                               use_non_causal=non_causal)
    got = list(backend_priority(DeviceCapability(*cap), request))
    rows += 1
    if got != expected:
        differ.append([cap, mla, kv, heads, mm, non_causal, head_size, expected, got])
record("rows", rows)
record("differ", differ[:5])
"""

ROCM = LOAD + """
import vllm._aiter_ops as aiter_ops

from hwcore_rocm.attention import backend_priority
from hwcore_rocm.switches import Aiter, AiterSwitches

vllm_order = vllm_function("vllm.platforms.rocm", "_get_backend_priorities")
CDNA_VERSION = {"gfx90a": 2, "gfx942": 3, "gfx950": 4, "gfx1250": 5}  # rocm.get_cdna_version
ops = aiter_ops.rocm_aiter_ops
rows, differ = 0, []
for arch, installed, use_aiter, mla_on, mha_on, use_mla, use_sparse, connector in (
    itertools.product(
        ["gfx906", "gfx908", "gfx90a", "gfx942", "gfx950", "gfx1250", "gfx1030", "gfx1100",
         "gfx1151", "gfx1200", "gfx1201"],
        *[[False, True]] * 7,
    )
):
    supported = installed and CDNA_VERSION.get(arch, 0) > 2
    rdna4 = arch in ("gfx1200", "gfx1201")
    aiter_ops.is_aiter_found_and_supported = lambda supported=supported: supported
    ops._AITER_ENABLED, ops._MLA_ENABLED, ops._MHA_ENABLED = use_aiter, mla_on, mha_on
    ops.is_rdna_aiter_enabled = classmethod(
        lambda cls, on=installed and rdna4: on and cls._AITER_ENABLED
    )
    expected = [backend.name for backend in vllm_order(use_mla, use_sparse, connector)]
    expected.append("TORCH_SDPA")
    aiter = Aiter(AiterSwitches(use_aiter=use_aiter, use_aiter_mla=mla_on,
                                use_aiter_mha=mha_on), installed, arch)
    got = list(backend_priority(aiter, use_mla=use_mla, use_sparse=use_sparse,
                                use_kv_connector=connector))
    rows += 1
    if got != expected:
        differ.append([arch, installed, use_aiter, mla_on, mha_on, use_mla, use_sparse,
                       connector, expected, got])
record("rows", rows)
record("differ", differ[:5])
"""


def test_cuda_priorities_equal_vllms_for_every_combination(run_vllm):
    run = run_vllm(CUDA)
    assert run.results == {"rows": 9600, "differ": []}


def test_rocm_priorities_equal_vllms_for_every_combination(run_vllm):
    run = run_vllm(ROCM)
    assert run.results == {"rows": 1408, "differ": []}
