from __future__ import annotations

import re

import pytest

from hwcore.errors import InvalidConfigError
from hwcore_cpu.kv_cache_space import default_kv_cache_space, kv_cache_space_from_environ

TOTAL = 16 << 30
FORMS = (
    "Set it to a byte count such as 8589934592, or a number with a binary unit such as "
    "512MiB, 4GiB or '4 GiB' (units: B, KiB, MiB, GiB, TiB)"
)
DEFAULT = ", or unset it to use 40% of the available memory."


@pytest.mark.parametrize(
    ("value", "expected"),
    [("8589934592", 8 << 30), ("4GiB", 4 << 30), ("4 GiB", 4 << 30), ("512MiB", 512 << 20),
     ("16GiB", 16 << 30)],
)
def test_reads_the_variable(value: str, expected: int) -> None:
    assert kv_cache_space_from_environ({"HWCORE_CPU_KVCACHE_SPACE": value}, TOTAL) == expected


@pytest.mark.parametrize("environ", [{}, {"HWCORE_CPU_KVCACHE_SPACE": ""},
                                     {"HWCORE_CPU_KVCACHE_SPACE": "  "}])
def test_unset_or_empty_means_the_default(environ: dict[str, str]) -> None:
    assert kv_cache_space_from_environ(environ, TOTAL) is None


@pytest.mark.parametrize(
    ("value", "why"),
    [("plenty", "it is not a size"), ("4GB", "'GB' is not a binary unit"),
     ("1.5", "a byte count must be a whole number")],
)
def test_a_value_that_is_not_a_size_is_refused_with_the_accepted_forms(
    value: str, why: str
) -> None:
    message = (
        f"HWCORE_CPU_KVCACHE_SPACE={value!r} is not a usable KV-cache size: {why}. "
        f"{FORMS}{DEFAULT}"
    )
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        kv_cache_space_from_environ({"HWCORE_CPU_KVCACHE_SPACE": value}, TOTAL)


@pytest.mark.parametrize("value", ["0", "0GiB", "-4GiB"])
def test_zero_or_a_negative_size_is_refused_without_the_format_help(value: str) -> None:
    message = (
        f"HWCORE_CPU_KVCACHE_SPACE={value!r} is not a usable KV-cache size: it must be greater "
        f"than zero. Set a positive size such as 4GiB{DEFAULT}"
    )
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        kv_cache_space_from_environ({"HWCORE_CPU_KVCACHE_SPACE": value}, TOTAL)


def test_a_size_beyond_the_memory_names_both_sizes_without_the_format_help() -> None:
    message = (
        "HWCORE_CPU_KVCACHE_SPACE='17GiB' is not a usable KV-cache size: it asks for 17.0 GiB, "
        "more than this machine's total memory (16.0 GiB). Set a smaller size, or unset it to "
        "use 40% of the available memory."
    )
    with pytest.raises(InvalidConfigError, match=f"^{re.escape(message)}$"):
        kv_cache_space_from_environ({"HWCORE_CPU_KVCACHE_SPACE": "17GiB"}, TOTAL)


def test_default_is_a_share_of_available_memory_split_between_workers() -> None:
    assert default_kv_cache_space(10 << 30, workers=1) == 4 << 30
    assert default_kv_cache_space(10 << 30, workers=4) == 1 << 30
    assert default_kv_cache_space(10 << 30, workers=3) % (1 << 20) == 0  # whole MiB
    assert default_kv_cache_space(1000, workers=1) == 1 << 20  # never zero
