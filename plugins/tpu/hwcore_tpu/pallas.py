"""The Pallas attention backends of tpu-inference, and the block size they want.

tpu-inference 0.32 registers them with vLLM as ``FLASH_ATTN`` and ``FLASH_ATTN_MLA``
(``tpu_inference/layers/vllm/backends/flash_attn.py`` and ``flash_attn_mla.py``); hwcore
names them ``PALLAS`` and ``PALLAS_MLA``, so they never collide with the CUDA kernels of the
same vLLM names. The classes import JAX, torchax and vLLM: hwcore only names them.
"""

from __future__ import annotations

PALLAS = "PALLAS"
PALLAS_MLA = "PALLAS_MLA"
PALLAS_CLASS = "tpu_inference.layers.vllm.backends.flash_attn.PallasAttentionBackend"
PALLAS_MLA_CLASS = "tpu_inference.layers.vllm.backends.flash_attn_mla.PallasMLAttentionBackend"
# KV-cache dtypes tpu-inference maps to JAX dtypes (utils._DTYPE_STR_ALIAS_TO_JAX_DTYPE).
KV_CACHE_DTYPES = ("auto", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2")

MLA_PAGE_SIZE = 1024  # PallasMLAttentionBackend.get_page_size
_SMEM_BYTES = 1 << 20  # scalar memory per core up to v6e; block tables may use half of it
_MIN_PAGE, _MAX_PAGE = 16, 256


def page_size(max_model_len: int, max_num_seqs: int) -> int:
    """The block size tpu-inference's Pallas backend picks (``get_page_size``, raised to
    ``get_min_page_size``).

    About 16 pages per request keeps the kernel's scalar registers from spilling, within
    16..256, and 16 beyond 8192 tokens (vector memory runs out first); but every running
    request's block table (4 bytes a page) must fit in half of the scalar memory, which
    raises the page size for many long requests.

    >>> page_size(4096, 256), page_size(2048, 256), page_size(16384, 128)
    (256, 128, 16)
    >>> page_size(32768, 1024)  # 1024 block tables of 32768 tokens need 256-token pages
    256
    """
    if max_model_len > 8192:
        wanted = _MIN_PAGE
    else:
        wanted = min(max(_next_power_of_two(max_model_len) // 16, _MIN_PAGE), _MAX_PAGE)
    pages_per_request = _SMEM_BYTES // 2 // max_num_seqs // 4
    smallest = _next_power_of_two(-(-max_model_len // max(pages_per_request, 1)))
    return max(wanted, smallest)


def _next_power_of_two(value: int) -> int:
    return 1 << (value - 1).bit_length() if value > 1 else 1
