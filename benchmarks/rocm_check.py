"""Check hwcore-rocm on a machine with an AMD GPU; say so and exit 0 where there is none.

    python benchmarks/rocm_check.py

The steps of ``gpu_check.py`` (whose functions it reuses), on ROCm, where torch drives the
GPUs through ``torch.cuda``:

1. detection creates no HIP context (in a fresh subprocess: resolve, query every device,
   then ``torch.cuda.is_initialized()`` must still be False);
2. the device facts hwcore reports (name, capability, gfx architecture, memory) match
   ``torch.cuda.get_device_properties`` (``gcnArchName`` for the architecture);
3. the reference attention backend matches dense causal attention on the GPU;
4. KV-cache block copies device -> pinned host and back are timed against one contiguous
   copy of the same bytes (the ratios are printed);
5. ``hwcore check --json`` (the CLI's own end-to-end steps) passes.

Results go to ``benchmarks/results/rocm_check.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import gpu_check  # the shared steps: a script's own folder is first on sys.path

RESULTS = Path(__file__).parent / "results" / "rocm_check.json"


def main() -> int:
    missing = _why_no_gpu()
    if missing:
        print(f"no AMD GPU: {missing}; nothing to check")
        return 0
    results: dict[str, Any] = {"detection": gpu_check.check_detection_without_context("rocm")}
    results["device_facts"] = check_device_facts(results["detection"]["devices"])
    results["reference_attention"] = gpu_check.check_reference_attention()
    results["block_copies"] = gpu_check.measure_block_copies()
    results["hwcore_check"] = check_cli()
    return gpu_check.write_results(results, RESULTS)


def _why_no_gpu() -> str | None:
    from hwcore.plugin_api import dev_root, sysfs_root
    from hwcore_rocm import inventory

    found = inventory.probe(Path(sysfs_root(os.environ)), Path(dev_root(os.environ)))
    if isinstance(found, inventory.NoGpu):
        return found.reason
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if not torch.version.hip:
        return f"torch {torch.__version__} is not a ROCm build (install torch for your ROCm)"
    if not torch.cuda.is_available():
        return f"torch {torch.__version__} sees no AMD GPU (HIP_VISIBLE_DEVICES? /dev/kfd?)"
    return None


def check_device_facts(devices: list[dict[str, Any]]) -> dict[str, Any]:
    import torch

    if len(devices) != torch.cuda.device_count():
        return {"ok": False, "error": f"hwcore sees {len(devices)} devices, torch "
                f"{torch.cuda.device_count()}"}
    rows = []
    for device in devices:
        props = torch.cuda.get_device_properties(device["index"])
        capability = f"{props.major}.{props.minor}"
        architecture = props.gcnArchName.split(":")[0]
        memory_ratio = props.total_memory / device["total_memory"]
        row = {
            "index": device["index"],
            "name": (device["name"], props.name),
            "capability": (device["capability"], capability),
            "architecture": (device["architecture"], architecture),
            "torch_memory_over_amdsmi": round(memory_ratio, 4),
            # Names differ in spelling between vLLM's table and HIP; the rest must agree.
            "ok": device["capability"] == capability and device["architecture"] == architecture
            and abs(1 - memory_ratio) <= gpu_check.MEMORY_TOLERANCE,
        }
        rows.append(row)
        print(f"device {device['index']}: {props.name} ({device['name']}), {architecture}, "
              f"capability {capability}, torch/amdsmi memory {memory_ratio:.4f}: "
              f"{'ok' if row['ok'] else 'MISMATCH'}")
    return {"ok": all(row["ok"] for row in rows), "devices": rows}


def check_cli() -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "hwcore", "check", "--json"],
        capture_output=True, text=True, check=False, timeout=600,
    )
    report: dict[str, Any] = json.loads(result.stdout)
    ok = result.returncode == 0 and report.get("ok") is True
    print(f"hwcore check: {'ok' if ok else 'FAILED'} (exit {result.returncode})")
    return {"ok": ok, "report": report}


if __name__ == "__main__":
    sys.exit(main())
