"""Cost of a cached attention-backend selection through the hook, against pluggy's floor.

Run: ``python benchmarks/attention_selection.py [--quick]``. Target: a cached
``pm.hook.get_attn_backend_cls(selected_backend=None, request=...)``, the request built
with a ``torch.dtype`` as an engine builds it, costs at most 1.5x pluggy's own dispatch of
a constant first-result answer to the same hook (the floor: what any hook call costs),
measured side by side in one run.
"""

from __future__ import annotations

from typing import Any

import torch
from _timing import measure, measure_interleaved, parse_args, write_results

import hwcore
from hwcore.host import Candidate, Host, HostPluginManager, install_host
from hwcore.plugin_api import AttentionRequest, DeviceInfo, PlatformInfo, hookimpl
from hwcore.records import PLATFORM_GROUP

REQUEST = AttentionRequest(head_size=128, dtype=torch.bfloat16, block_size=16)
TARGET_RATIO = 1.5


class BenchPlatform:
    """The smallest platform that ranks backends the way real ones do."""

    HWCORE_CONTRACT_VERSION = "2.0"

    @hookimpl
    def detect_platform(self) -> PlatformInfo:
        return PlatformInfo(
            name="bench", device_name="bench", device_type="cpu", dispatch_key="CPU",
            dist_backend="gloo", devices=(DeviceInfo(0, 0, "Bench 0"),), evidence=("benchmark",),
        )

    @hookimpl
    def get_attn_backend_priority(self, request: AttentionRequest) -> tuple[str, ...]:
        return ("FLASH_ATTN", "TORCH_SDPA")


class ConstantAnswer:
    """Answers with a constant: the cost of pluggy's dispatch alone (the floor)."""

    @hookimpl
    def get_attn_backend_cls(self, selected_backend: str | None, request: Any) -> str:
        return "constant.Backend"


def resolved_host() -> Host:
    candidate = Candidate("bench", PLATFORM_GROUP, "x", "bench-dist", "1.0", BenchPlatform)
    host = Host(discover=lambda: [candidate], environ={})
    install_host(host)
    host.resolve()
    return host


def main() -> None:
    args = parse_args(__doc__ or "")
    host = resolved_host()
    hook = host.plugin_manager.hook.get_attn_backend_cls
    platform = hwcore.current_platform()
    floor_manager = HostPluginManager()
    floor_manager.register(ConstantAnswer(), name="constant")
    floor = floor_manager.hook.get_attn_backend_cls
    first = measure(lambda: hook(selected_backend=None, request=REQUEST), repeats=1, warmup=0)
    inner, repeats = (1_000, 20) if args.quick else (20_000, 50)
    timings: dict[str, Any] = measure_interleaved({
        "hook": lambda: hook(selected_backend=None, request=REQUEST),
        "facade": lambda: platform.get_attn_backend_cls(None, REQUEST),
        "pluggy_floor": lambda: floor(selected_backend=None, request=REQUEST),
        "selector": lambda: host.attention.select(None, REQUEST),
    }, repeats=repeats, inner=inner)
    micro = {name: timing.median * 1e6 for name, timing in timings.items()}
    ratio = micro["hook"] / micro["pluggy_floor"]
    print(f"chosen: {hook(selected_backend=None, request=REQUEST)}")
    print(f"  cached pm.hook.get_attn_backend_cls:       {micro['hook']:.2f} µs/call")
    print(f"  pluggy dispatch of a constant answer:      {micro['pluggy_floor']:.2f} µs/call")
    print(f"  ratio hook / floor:                        {ratio:.2f}x (target <= {TARGET_RATIO}x)")
    print(f"  cached Platform.get_attn_backend_cls:      {micro['facade']:.2f} µs/call")
    print(f"  the host's selector alone (no pluggy):     {micro['selector']:.2f} µs/call")
    print(f"  first (uncached) selection:                {first.median * 1e3:.3f} ms")
    path = write_results("attention_selection", {
        **{f"{name}_us": value for name, value in micro.items()},
        "ratio_hook_to_floor": ratio, "target_ratio": TARGET_RATIO,
        "uncached_first_call_ms": first.median * 1e3, "timings": timings,
    })
    print(f"wrote {path}")
    install_host(None)


if __name__ == "__main__":
    main()
