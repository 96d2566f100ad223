"""Check hwcore-cuda on a machine with an NVIDIA GPU; say so and exit 0 where there is none.

    python benchmarks/gpu_check.py

1. detection creates no CUDA context (in a fresh subprocess: resolve, query every device,
   then ``torch.cuda.is_initialized()`` must still be False);
2. the device facts hwcore reports (names, capability, memory) match ``torch.cuda``;
3. the reference attention backend (``hwcore.attention.torch_sdpa``) matches dense causal
   attention on the GPU;
4. KV-cache block copies device -> pinned host and back, through the platform hooks, are
   timed against one contiguous copy of the same bytes (the ratios are printed).

Results go to ``benchmarks/results/gpu_check.json``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "gpu_check.json"
MEMORY_TOLERANCE = 0.02  # NVML's total includes a little memory the CUDA runtime hides

DETECT_WITHOUT_CONTEXT = """
import json, torch, hwcore
platform = hwcore.current_platform()
devices = [d.to_dict() for d in platform.devices()]
platform.supported_dtypes, platform.supports_fp8(), platform.use_custom_allreduce()
print(json.dumps({"platform": platform.name, "devices": devices,
                  "cuda_initialized": torch.cuda.is_initialized()}))
"""


def main() -> int:
    # Same numbering as NVML on mixed nodes; must be set before torch touches CUDA.
    os.environ.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")
    missing = _why_no_gpu()
    if missing:
        print(f"no NVIDIA GPU: {missing}; nothing to check")
        return 0
    results: dict[str, Any] = {"detection": check_detection_without_context()}
    results["device_facts"] = check_device_facts(results["detection"]["devices"])
    results["reference_attention"] = check_reference_attention()
    results["block_copies"] = measure_block_copies()
    return write_results(results, RESULTS)


def write_results(results: dict[str, Any], path: Path) -> int:
    """Write ``results`` as JSON to ``path``, print which steps failed; the exit status."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {path}")
    failed = [name for name, part in results.items() if not part.get("ok", True)]
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    print("all checks passed")
    return 0


def _why_no_gpu() -> str | None:
    from hwcore_cuda import nvml

    table = nvml.read_device_table()
    if isinstance(table, nvml.NvmlUnavailable):
        return table.reason
    if not table.devices:
        return "NVML reports no GPUs"
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if not torch.cuda.is_available():
        return f"torch {torch.__version__} cannot use CUDA (a CPU-only build?)"
    return None


def check_detection_without_context(platform_name: str = "cuda") -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", DETECT_WITHOUT_CONTEXT],
        capture_output=True, text=True, check=True, timeout=300,
    )
    found: dict[str, Any] = json.loads(result.stdout)
    found["ok"] = found["platform"] == platform_name and not found["cuda_initialized"]
    print(f"detection: platform {found['platform']}, {len(found['devices'])} device(s), "
          f"CUDA initialised: {found['cuda_initialized']} (must be False)")
    return found


def check_device_facts(devices: list[dict[str, Any]]) -> dict[str, Any]:
    import torch

    rows = []
    if len(devices) != torch.cuda.device_count():
        return {"ok": False, "error": f"hwcore sees {len(devices)} devices, torch "
                f"{torch.cuda.device_count()}"}
    for device in devices:
        props = torch.cuda.get_device_properties(device["index"])
        capability = f"{props.major}.{props.minor}"
        memory_ratio = props.total_memory / device["total_memory"]
        row = {
            "index": device["index"],
            "name": (device["name"], props.name),
            "capability": (device["capability"], capability),
            "torch_memory_over_nvml": round(memory_ratio, 4),
            "ok": device["name"] == props.name and device["capability"] == capability
            and abs(1 - memory_ratio) <= MEMORY_TOLERANCE,
        }
        rows.append(row)
        print(f"device {device['index']}: {props.name}, capability {capability}, "
              f"torch/NVML memory {memory_ratio:.4f}: {'ok' if row['ok'] else 'MISMATCH'}")
    return {"ok": all(row["ok"] for row in rows), "devices": rows}


def check_reference_attention(device_name: str = "cuda") -> dict[str, Any]:
    import torch
    import torch.nn.functional as F

    from hwcore.attention.torch_sdpa import TorchSDPABackend

    torch.manual_seed(0)
    device, dtype = torch.device(device_name, 0), torch.float16
    heads, kv_heads, head_size, block_size = 8, 2, 64, 16
    seq_lens = [37, 20]
    blocks_per_seq = [-(-n // block_size) for n in seq_lens]
    num_blocks = sum(blocks_per_seq) + 3
    # Sequence i owns blocks in a shuffled order, as a real allocator leaves them.
    order = torch.randperm(num_blocks)[: sum(blocks_per_seq)].tolist()
    tables = torch.zeros(len(seq_lens), max(blocks_per_seq), dtype=torch.int32, device=device)
    slots = []
    for i, (length, count) in enumerate(zip(seq_lens, blocks_per_seq, strict=True)):
        owned, order = order[:count], order[count:]
        tables[i, :count] = torch.tensor(owned, dtype=torch.int32)
        slots += [owned[p // block_size] * block_size + p % block_size for p in range(length)]
    tokens = sum(seq_lens)
    query = torch.randn(tokens, heads, head_size, device=device, dtype=dtype)
    key = torch.randn(tokens, kv_heads, head_size, device=device, dtype=dtype)
    value = torch.randn(tokens, kv_heads, head_size, device=device, dtype=dtype)
    cache_shape = (num_blocks, block_size, kv_heads, head_size)
    key_cache = torch.zeros(cache_shape, device=device, dtype=dtype)
    value_cache = torch.zeros(cache_shape, device=device, dtype=dtype)
    backend = TorchSDPABackend()
    slot_mapping = torch.tensor(slots, dtype=torch.int64, device=device)
    backend.write_kv_cache(key, value, key_cache, value_cache, slot_mapping)
    lens = torch.tensor(seq_lens, dtype=torch.int32, device=device)
    output = backend.forward(query, key_cache, value_cache, tables, lens, lens)
    expected = _dense_attention(F, query, key, value, seq_lens, heads // kv_heads)
    error = (output.float() - expected.float()).abs().max().item()
    ok = error < 2e-2
    print(f"reference attention vs dense SDPA (fp16): max abs error {error:.2e}: "
          f"{'ok' if ok else 'MISMATCH'}")
    return {"ok": ok, "max_abs_error": error}


def _dense_attention(F: Any, query: Any, key: Any, value: Any, seq_lens: list[int],
                     group: int) -> Any:
    import torch

    outputs, start = [], 0
    for length in seq_lens:
        span = slice(start, start + length)
        q = query[span].transpose(0, 1)  # [heads, tokens, head_size]
        k = key[span].repeat_interleave(group, dim=1).transpose(0, 1)
        v = value[span].repeat_interleave(group, dim=1).transpose(0, 1)
        outputs.append(F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(0, 1))
        start += length
    return torch.cat(outputs)


def measure_block_copies(num_blocks: int = 2048, repeats: int = 7) -> dict[str, Any]:
    import torch

    import hwcore

    platform = hwcore.current_platform()
    shape = (num_blocks, 16, 8, 128)  # 32 KiB blocks of fp16, 64 MiB per cache
    device_cache = torch.randn(shape, device="cuda", dtype=torch.float16)
    host_cache = torch.empty(shape, dtype=torch.float16, pin_memory=True)
    half = num_blocks // 2
    patterns = {
        "contiguous_half": torch.arange(half),
        "every_other_block": torch.arange(0, num_blocks, 2),  # worst case: runs of one block
    }
    results: dict[str, Any] = {"block_bytes": device_cache[0].numel() * 2}
    for label, blocks in patterns.items():
        nbytes = len(blocks) * results["block_bytes"]
        baseline_out = _timed(
            repeats, lambda n=nbytes: _contiguous_copy(host_cache, device_cache, n)
        )
        swap_out = _timed(repeats, lambda b=blocks: platform.swap_out_blocks_to_host(
            device_cache, host_cache, b, b))
        baseline_in = _timed(
            repeats, lambda n=nbytes: _contiguous_copy(device_cache, host_cache, n)
        )
        swap_in = _timed(repeats, lambda b=blocks: platform.insert_blocks_to_device(
            host_cache, device_cache, b, b))
        row = {
            "bytes": nbytes,
            "device_to_host_gbps": nbytes / swap_out / 1e9,
            "device_to_host_ratio": baseline_out / swap_out,
            "host_to_device_gbps": nbytes / swap_in / 1e9,
            "host_to_device_ratio": baseline_in / swap_in,
        }
        results[label] = row
        print(f"block copies, {label} ({nbytes >> 20} MiB): "
              f"out {row['device_to_host_gbps']:.1f} GB/s ({row['device_to_host_ratio']:.2f}x "
              f"one contiguous copy), in {row['host_to_device_gbps']:.1f} GB/s "
              f"({row['host_to_device_ratio']:.2f}x)")
    return results


def _contiguous_copy(dst: Any, src: Any, nbytes: int) -> None:
    elements = nbytes // 2
    dst.view(-1)[:elements].copy_(src.view(-1)[:elements], non_blocking=True)


def _timed(repeats: int, operation: Any) -> float:
    """Median seconds of ``operation``, each run fenced by ``torch.cuda.synchronize``."""
    import torch

    operation()  # warm-up: first-touch and allocator effects stay out of the numbers
    samples = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        operation()
        torch.cuda.synchronize()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


if __name__ == "__main__":
    sys.exit(main())
