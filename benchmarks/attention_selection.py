"""Cost of a cached attention-backend selection through the hook vs a direct call.

Run: ``python benchmarks/attention_selection.py [--quick]``. Target: a cached
``pm.hook.get_attn_backend_cls(...)`` under 3 µs per call.
"""

from __future__ import annotations

from typing import Any

from _timing import measure, measure_interleaved, parse_args, write_results

import hwcore
from hwcore.attention import attention_backend_hookimpl, select_attention_backend
from hwcore.host import Candidate, Host, HostPluginManager, install_host
from hwcore.records import PLATFORM_GROUP, PlatformInfo

PRIORITY = ["TORCH_SDPA"]
REQUEST: dict[str, Any] = {
    "selected_backend": None, "head_size": 128, "dtype": "bfloat16", "kv_cache_dtype": None,
    "block_size": 16, "use_mla": False, "has_sink": False, "use_sparse": False,
}


class BenchPlatform:
    """The smallest platform that answers ``get_attn_backend_cls`` the way real ones do."""

    HWCORE_CONTRACT_VERSION = "1.0"

    @hwcore.hookimpl
    def detect_platform(self) -> PlatformInfo:
        return PlatformInfo(
            name="bench", device_name="bench", device_type="cpu", dispatch_key="CPU",
            dist_backend="gloo", device_count=1, evidence=("benchmark",),
        )

    @hwcore.hookimpl
    def get_attn_backend_cls(
        self, selected_backend: str | None, head_size: int, dtype: Any,
        kv_cache_dtype: str | None, block_size: int | None, use_mla: bool, has_sink: bool,
        use_sparse: bool,
    ) -> str:
        return select_attention_backend(
            PRIORITY, selected_backend=selected_backend, head_size=head_size, dtype=dtype,
            kv_cache_dtype=kv_cache_dtype, block_size=block_size, use_mla=use_mla,
            has_sink=has_sink, use_sparse=use_sparse,
        )


class FactoryPlatform(BenchPlatform):
    """The same platform with the ready-made hookimpl instead of a hand-written one."""

    get_attn_backend_cls = attention_backend_hookimpl(PRIORITY)


class ConstantAnswer:
    """Answers with a constant: the cost of pluggy's dispatch alone (the floor)."""

    @hwcore.hookimpl
    def get_attn_backend_cls(
        self, selected_backend: str | None, head_size: int, dtype: Any,
        kv_cache_dtype: str | None, block_size: int | None, use_mla: bool, has_sink: bool,
        use_sparse: bool,
    ) -> str:
        return "constant.Backend"


def pluggy_floor_hook() -> Any:
    manager = HostPluginManager()
    manager.register(ConstantAnswer(), name="constant")
    return manager.hook.get_attn_backend_cls


def resolved_hook(platform: object) -> Any:
    """``pm.hook.get_attn_backend_cls`` of a fresh host whose only platform is ``platform``."""
    candidate = Candidate("bench", PLATFORM_GROUP, "x", "bench-dist", "1.0", lambda: platform)
    host = Host(discover=lambda: [candidate], environ={})
    install_host(host)
    return host.resolve().hook.get_attn_backend_cls


def main() -> None:
    args = parse_args(__doc__ or "")
    hook = resolved_hook(BenchPlatform())
    inner, repeats = (1_000, 20) if args.quick else (20_000, 50)
    floor = pluggy_floor_hook()
    # Selection reads the process-wide host, which is now the factory's: both hooks share
    # one selection cache, so all four can be timed round-robin.
    factory_hook = resolved_hook(FactoryPlatform())
    timings: dict[str, Any] = measure_interleaved({
        "hook": lambda: hook(**REQUEST),
        "hook_with_factory_hookimpl": lambda: factory_hook(**REQUEST),
        "pluggy_floor": lambda: floor(**REQUEST),
        "direct_select": lambda: select_attention_backend(PRIORITY, **REQUEST),
    }, repeats=repeats, inner=inner)
    hwcore.attention.clear_selection_cache()
    first = measure(lambda: hook(**REQUEST), repeats=1, warmup=0)
    timings["uncached_first_call_ms"] = first.median * 1e3
    factory_us = timings["hook_with_factory_hookimpl"].median * 1e6
    hook_us = timings["hook"].median * 1e6
    direct_us = timings["direct_select"].median * 1e6
    floor_us = timings["pluggy_floor"].median * 1e6
    print(f"chosen: {hook(**REQUEST)}")
    print(f"  cached via pm.hook.get_attn_backend_cls: {hook_us:.2f} µs/call (target < 3 µs)")
    print(f"  cached via the attention_backend_hookimpl factory: {factory_us:.2f} µs/call")
    print(f"  cached direct select_attention_backend:  {direct_us:.2f} µs/call")
    print(f"  pluggy dispatch alone (constant hookimpl): {floor_us:.2f} µs/call")
    print(f"  first (uncached) selection: {timings['uncached_first_call_ms']:.3f} ms")
    path = write_results("attention_selection", {
        "hook_us": hook_us, "hook_factory_us": factory_us, "direct_us": direct_us,
        "pluggy_floor_us": floor_us,
        "timings": timings, "target_us": 3.0,
    })
    print(f"wrote {path}")
    install_host(None)


if __name__ == "__main__":
    main()
