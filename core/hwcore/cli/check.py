"""``hwcore check``: run the active platform end to end, the way an engine would.

Seven steps, each reported pass, fail or skip with its time:

1. **platform**: resolve the platform (``hwcore.current_platform()``) and show its device.
2. **config**: validate a small sample engine config and print every adjustment.
3. **attention backend**: select the backend for the validated config.
4. **KV cache**: allocate a small paged key and value cache on the device.
5. **attention run**: a prefill batch and a decode batch through the chosen backend,
   compared with a float32 dense reference; the max error must stay within a tolerance
   stated per dtype.
6. **swap out** / 7. **swap in**: copy half the blocks to the host and back into other
   device blocks with the platform's memory ops, verify every byte, report bandwidth.

A failed step fails the command (exit 1); the steps that need its result are skipped.
The text report streams: each step's lines are printed as soon as it finishes, and on a
terminal a status line on stderr says what a long step is waiting for (importing torch,
a batch, a copy). torch is imported only here, in ``run``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import math
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hwcore.cli.output import print_json, traceback_would_help
from hwcore.cli.status_line import StatusLine
from hwcore.units import binary_unit, format_bytes, format_bytes_in

if TYPE_CHECKING:
    import torch

    from hwcore.facade import Platform
    from hwcore.records import EngineConfig

HELP = "run the platform end to end: config, attention, KV-cache copies"

# Max |backend - reference| allowed per dtype. Inputs are drawn in the dtype and the
# reference computes in float32 on the same values, so the gap is the backend's own
# rounding: bfloat16 keeps 8 significant bits (2**-8 = 0.004 per operation), float16 11.
TOLERANCES = {"bfloat16": 3e-2, "float16": 4e-3, "float32": 1e-4}

SAMPLE_HEAD_SIZE = 64
SAMPLE_HEADS = 8
SAMPLE_KV_HEADS = 2
DEFAULT_NUM_BLOCKS = 256
SEED = 0
TITLE = "hwcore check: run the active platform end to end"
# Steps that report more than one result: swapping out then in is one step, two copies.
FOLLOWERS = {"swap out": ("swap in",)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend", metavar="NAME", default=None,
        help="check this attention backend (e.g. TORCH_SDPA) instead of the platform's choice",
    )
    parser.add_argument(
        "--dtype", choices=("auto", "bfloat16", "float16", "float32"), default="auto",
        help="model dtype of the sample config (auto: the platform's preferred dtype)",
    )
    parser.add_argument(
        "--num-blocks", type=_positive_even, default=DEFAULT_NUM_BLOCKS, metavar="N",
        help=f"KV-cache blocks to allocate, an even number >= 8 (default {DEFAULT_NUM_BLOCKS})",
    )


def _positive_even(text: str) -> int:
    value = int(text) if text.strip().lstrip("+-").isdigit() else None
    if value is None or value < 8 or value % 2:
        raise argparse.ArgumentTypeError(f"must be an even number >= 8, got {text!r}")
    return value


# ------------------------------------------------------------------------------ steps


@dataclass
class StepResult:
    """One step's outcome: ``status`` is ``pass``, ``fail`` or ``skip``."""

    name: str
    status: str
    seconds: float
    summary: str
    lines: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    traceback_helps: bool = False
    """The step raised an exception whose traceback (``--debug``) says more than its message."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.status == "pass",
            "status": self.status,
            "seconds": round(self.seconds, 6),
            "summary": self.summary,
            "lines": self.lines,
            "details": self.details,
        }


class CheckFailed(Exception):
    """A step ran but its result is wrong (an error above tolerance, a byte mismatch)."""

    def __init__(self, summary: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(summary)
        self.details = details or {}


@dataclass
class StepOutput:
    summary: str
    lines: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckContext:
    """What the steps hand on to each other."""

    args: argparse.Namespace
    platform: Platform | None = None
    torch: Any = None
    device: Any = None
    config: EngineConfig | None = None
    dtype_name: str = ""
    backend_path: str = ""
    key_cache: Any = None
    value_cache: Any = None
    generator: Any = None
    progress: Callable[[str], None] = lambda detail: None
    """Says what the running step is doing now (``"importing torch"``), for the status line."""


Step = Callable[[CheckContext], StepOutput]


def run(args: argparse.Namespace) -> int:
    context = CheckContext(args=args)
    steps: list[tuple[str, Step]] = [
        ("platform", _check_platform),
        ("config", _check_config),
        ("attention backend", _select_backend),
        ("kv cache", _allocate_kv_cache),
        ("attention run", _run_attention),
        ("swap out", _swap_out_and_in),
    ]
    status = StatusLine(sys.stderr)
    if not args.json:
        _print_lines([TITLE, ""])
    started = time.perf_counter()
    results: list[StepResult] = []
    for number, (name, step) in enumerate(steps, start=1):
        failed = next((result.name for result in results if result.status == "fail"), None)
        if failed is not None:
            skipped = (name, *FOLLOWERS.get(name, ()))
            new = [StepResult(n, "skip", 0.0, f"skipped: {failed} failed") for n in skipped]
        else:
            label = f"[{number}/{len(steps)}] {name}"
            context.progress = functools.partial(_show_progress, status, label)
            status.show(f"{label} ...")
            new = _run_step(name, step, context)
            status.clear()
        results.extend(new)
        if not args.json:  # each step as soon as it is known, not all at the end
            _print_lines(line for result in new for line in _result_lines(result))
    total = time.perf_counter() - started
    ok = all(result.status == "pass" for result in results)
    if args.json:
        print_json(_document(context, results, total, ok))
    else:
        _print_lines(_verdict_lines(results, total, ok))
    return 0 if ok else 1


def _show_progress(status: StatusLine, label: str, detail: str) -> None:
    status.show(f"{label}: {detail}")


def _print_lines(lines: Iterable[str]) -> None:
    for line in lines:
        print(line)
    sys.stdout.flush()  # a pipe buffers by default, and the reader waits for each step


def _run_step(name: str, step: Step, context: CheckContext) -> list[StepResult]:
    started = time.perf_counter()
    try:
        output = step(context)
    except CheckFailed as failure:
        return [StepResult(name, "fail", time.perf_counter() - started, str(failure),
                           details=failure.details)]
    except Exception as error:  # every failure of a step is reported, then the next runs
        if context.args.debug:
            traceback.print_exc()
        message = str(error) or type(error).__name__
        return [StepResult(name, "fail", time.perf_counter() - started,
                           f"{type(error).__name__}: {message}",
                           traceback_helps=traceback_would_help(error))]
    elapsed = time.perf_counter() - started
    # The swap step reports two results (out and in), each with its own copy time.
    extra = output.details.pop("_followers", [])
    elapsed = output.details.pop("_seconds", elapsed)
    return [StepResult(name, "pass", elapsed, output.summary, output.lines, output.details),
            *extra]


# ------------------------------------------------------------------ 1. platform


def _check_platform(context: CheckContext) -> StepOutput:
    import hwcore

    context.progress("discovering and detecting platforms")
    platform = hwcore.current_platform()
    context.platform = platform
    device = platform.device(0)
    name, memory = device.name, device.total_memory
    count = platform.get_device_count()
    lines = [f"detected because: {'; '.join(platform.info.evidence)}"]
    lines += [f"warning: {warning}" for warning in platform.log_warnings()]
    role = "host-CPU fallback" if platform.info.is_fallback else "accelerator"
    return StepOutput(
        f"{platform.name} ({role}) from {platform.provider}: {count} device(s), device 0 is "
        f"{name}, {format_bytes(memory)}",
        lines,
        {"name": platform.name, "provider": platform.provider, "device_count": count,
         "device_name": name, "total_memory": memory, "is_fallback": platform.info.is_fallback},
    )


# -------------------------------------------------------------------- 2. config


def _sample_config(dtype: str) -> EngineConfig:
    from hwcore.records import EngineConfig, ModelConfig

    return EngineConfig(
        model=ModelConfig(
            model="hwcore-check-sample", dtype=dtype, max_model_len=2048,
            head_size=SAMPLE_HEAD_SIZE, num_attention_heads=SAMPLE_HEADS,
            num_kv_heads=SAMPLE_KV_HEADS,
        )
    )


def _check_config(context: CheckContext) -> StepOutput:
    platform = _require(context.platform)
    validated = platform.check_and_update_config(_sample_config(context.args.dtype))
    context.config = config = validated.config
    model_dtype = config.model.dtype
    if model_dtype == "auto":
        model_dtype = platform.supported_dtypes[0]
    platform.check_if_supports_dtype(model_dtype)
    cache_dtype = config.cache.cache_dtype
    context.dtype_name = model_dtype if cache_dtype == "auto" else cache_dtype
    count = len(validated.adjustments)
    lines = [f"{adjustment}" for adjustment in validated.adjustments]
    return StepOutput(
        f"sample config (head size {SAMPLE_HEAD_SIZE}, {SAMPLE_HEADS} heads, "
        f"{SAMPLE_KV_HEADS} KV heads, dtype {model_dtype}) is valid; the platform made "
        f"{count} adjustment(s)",
        lines,
        {"adjustments": [a.to_dict() for a in validated.adjustments],
         "model_dtype": model_dtype, "kv_cache_dtype": context.dtype_name},
    )


# ---------------------------------------------------------- 3. attention backend


def _select_backend(context: CheckContext) -> StepOutput:
    from hwcore.records import AttentionRequest

    platform, config = _require(context.platform), _require(context.config)
    request = AttentionRequest.for_config(config, context.dtype_name)
    context.backend_path = platform.get_attn_backend_cls(context.args.backend, request)
    backend_cls = platform.get_attn_backend(context.args.backend, request)
    how = "selected with --backend" if context.args.backend else "chosen by the platform"
    return StepOutput(
        f"{backend_cls.name} ({context.backend_path}), {how}, for {context.dtype_name}, "
        f"head size {config.model.head_size}, block size {config.cache.block_size}",
        details={"name": backend_cls.name, "class_path": context.backend_path},
    )


# ------------------------------------------------------------------ 4. KV cache


def _allocate_kv_cache(context: CheckContext) -> StepOutput:
    context.progress("importing torch")
    started = time.perf_counter()
    import torch

    import_seconds = time.perf_counter() - started
    context.progress("allocating the caches")
    gc.collect()  # the garbage of importing torch, collected here rather than mid-step
    platform, config = _require(context.platform), _require(context.config)
    context.torch = torch
    context.device = torch.device(platform.device_type)
    context.generator = torch.Generator().manual_seed(SEED)
    block_size = config.cache.block_size or 16
    shape = (context.args.num_blocks, block_size, config.model.num_kv_heads,
             config.model.head_size)
    dtype = getattr(torch, context.dtype_name)
    # Random contents, so that every byte the swap steps verify is meaningful.
    context.key_cache = _random(context, shape, dtype)
    context.value_cache = _random(context, shape, dtype)
    size = 2 * context.key_cache.numel() * context.key_cache.element_size()
    return StepOutput(
        f"key + value caches of {shape[0]} blocks x {block_size} tokens x {shape[2]} KV heads "
        f"x {shape[3]} ({context.dtype_name}) = {format_bytes(size)} on {context.device}",
        [f"(the time includes importing torch: {import_seconds * 1000:.0f} ms)"],
        {"shape": list(shape), "dtype": context.dtype_name, "bytes": size,
         "device": str(context.device), "torch_import_seconds": import_seconds},
    )


def _random(context: CheckContext, shape: tuple[int, ...], dtype: Any) -> torch.Tensor:
    values = context.torch.randn(shape, generator=context.generator, dtype=context.torch.float32)
    tensor: torch.Tensor = values.to(dtype).to(context.device)
    return tensor


# -------------------------------------------------------------- 5. attention run


@dataclass(frozen=True)
class _Batch:
    kind: str
    seq_lens: tuple[int, ...]
    query_lens: tuple[int, ...]


def _batches(block_size: int) -> tuple[_Batch, ...]:
    """A prefill batch spanning block boundaries and a decode batch with long contexts."""
    return (
        _Batch("prefill", (block_size + 17, 9), (block_size + 17, 9)),
        _Batch("decode", (2 * block_size + 3, block_size - 1), (1, 1)),
    )


def _run_attention(context: CheckContext) -> StepOutput:
    from hwcore.attention.backend import load_backend_class

    backend = load_backend_class(context.backend_path)()
    tolerance = TOLERANCES[context.dtype_name]
    lines, worst, tokens = [], 0.0, 0
    started = time.perf_counter()
    for batch in _batches(context.key_cache.shape[1]):
        context.progress(f"{batch.kind} batch")
        error = _attention_error(context, backend, batch)
        worst, tokens = max(worst, error), tokens + sum(batch.query_lens)
        lines.append(f"{batch.kind}: {len(batch.seq_lens)} sequences, context lengths "
                     f"{', '.join(map(str, batch.seq_lens))}: max error {error:.2e}")
    elapsed = time.perf_counter() - started
    details = {"max_error": worst, "tolerance": tolerance, "query_tokens": tokens,
               "reference": "float32 dense attention on the same inputs"}
    verdict = f"max error {worst:.2e} {'<=' if worst <= tolerance else '>'} tolerance " \
              f"{tolerance:.0e} ({context.dtype_name}) against a float32 dense reference"
    if not worst <= tolerance:
        raise CheckFailed(f"{verdict}; the backend computes wrong results", details)
    return StepOutput(
        f"{tokens} query tokens in {len(lines)} batches ({elapsed * 1000:.1f} ms, first calls "
        f"included): {verdict}",
        lines, details,
    )


def _attention_error(context: CheckContext, backend: Any, batch: _Batch) -> float:
    torch = context.torch
    key_cache, value_cache = context.key_cache, context.value_cache
    num_blocks, block_size, kv_heads, head_size = key_cache.shape
    tables = _block_tables(context, batch.seq_lens, block_size, num_blocks)
    keys = [_random(context, (n, kv_heads, head_size), key_cache.dtype) for n in batch.seq_lens]
    values = [_random(context, (n, kv_heads, head_size), key_cache.dtype) for n in batch.seq_lens]
    pairs = zip(tables, batch.seq_lens, strict=True)
    slots = torch.cat([_slots(table, length, block_size) for table, length in pairs])
    backend.write_kv_cache(torch.cat(keys), torch.cat(values), key_cache, value_cache,
                           slots.to(context.device))
    heads = SAMPLE_HEADS
    queries = [_random(context, (q, heads, head_size), key_cache.dtype) for q in batch.query_lens]
    output = backend.forward(
        torch.cat(queries), key_cache, value_cache, _pad_tables(tables).to(context.device),
        torch.tensor(batch.seq_lens, device=context.device),
        torch.tensor(batch.query_lens, device=context.device),
    )
    expected = torch.cat([
        _dense_reference(q.float().cpu(), k.float().cpu(), v.float().cpu())
        for q, k, v in zip(queries, keys, values, strict=True)
    ])
    return float((output.float().cpu() - expected).abs().max())


def _block_tables(
    context: CheckContext, seq_lens: tuple[int, ...], block_size: int, num_blocks: int
) -> list[list[int]]:
    """Distinct, shuffled blocks for each sequence, so paging is really exercised."""
    needed = [math.ceil(n / block_size) for n in seq_lens]
    if sum(needed) > num_blocks:
        raise CheckFailed(f"the attention run needs {sum(needed)} blocks; pass --num-blocks "
                          f"{2 * sum(needed)} or more")
    order = context.torch.randperm(num_blocks, generator=context.generator).tolist()
    tables, start = [], 0
    for count in needed:
        tables.append(order[start:start + count])
        start += count
    return tables


def _slots(table: list[int], length: int, block_size: int) -> torch.Tensor:
    import torch

    positions = torch.arange(length)
    blocks = torch.tensor(table)[positions // block_size]
    return blocks * block_size + positions % block_size


def _pad_tables(tables: list[list[int]]) -> torch.Tensor:
    import torch

    width = max(len(table) for table in tables)
    padded: torch.Tensor = torch.tensor([table + [0] * (width - len(table)) for table in tables])
    return padded


def _dense_reference(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """Causal attention of the last ``len(query)`` positions over the whole sequence,
    written out by hand in float32 (no SDPA), so it shares no code with the backend."""
    import torch

    groups = query.shape[1] // key.shape[1]
    key = key.repeat_interleave(groups, dim=1)
    value = value.repeat_interleave(groups, dim=1)
    scores = torch.einsum("qhd,khd->hqk", query, key) / math.sqrt(query.shape[-1])
    first = key.shape[0] - query.shape[0]
    rows = torch.arange(query.shape[0])[:, None] + first
    scores = scores.masked_fill(torch.arange(key.shape[0])[None, :] > rows, float("-inf"))
    output: torch.Tensor = torch.einsum("hqk,khd->qhd", scores.softmax(dim=-1), value)
    return output


# -------------------------------------------------------------- 6./7. swap out, in


def _swap_out_and_in(context: CheckContext) -> StepOutput:
    torch, platform = context.torch, _require(context.platform)
    num_blocks = context.key_cache.shape[0]
    order = torch.randperm(num_blocks, generator=context.generator)
    sources, targets = order[: num_blocks // 2], order[num_blocks // 2:]
    host_slots = torch.arange(num_blocks // 2)
    originals = [cache[sources].cpu() for cache in (context.key_cache, context.value_cache)]
    pin = platform.is_pin_memory_available() and context.device.type != "cpu"
    # zeros, not empty: an engine's host cache is long-lived, so its pages are already
    # mapped; first-touch page faults are not copy bandwidth.
    host = [torch.zeros_like(o, pin_memory=pin) for o in originals]
    # One untimed block each way first: the first call pays for lazy imports and
    # allocator set-up, which is not copy bandwidth. Its bytes are checked like the rest.
    platform.swap_out_blocks_to_host(context.key_cache, host[0], sources[:1], host_slots[:1])
    platform.insert_blocks_to_device(host[0], context.key_cache, host_slots[:1], targets[:1])

    context.progress("swap out")
    out_seconds = _timed(context, lambda: [
        platform.swap_out_blocks_to_host(cache, buffer, sources, host_slots)
        for cache, buffer in zip((context.key_cache, context.value_cache), host, strict=True)
    ])
    _verify(originals, host, "swap out: host copy of device block")
    context.progress("swap in")
    in_seconds = _timed(context, lambda: [
        platform.insert_blocks_to_device(buffer, cache, host_slots, targets)
        for cache, buffer in zip((context.key_cache, context.value_cache), host, strict=True)
    ])
    back = [cache[targets].cpu() for cache in (context.key_cache, context.value_cache)]
    size = sum(o.numel() * o.element_size() for o in originals)
    blocks = len(sources)
    # One unit for both rates, so the two lines compare at a glance.
    unit = binary_unit(min(_rate(size, out_seconds), _rate(size, in_seconds)))
    to_host, to_device = copy_directions(context.device.type)
    swap_in = _copy_result("swap in", to_device, blocks, size, in_seconds, unit)
    try:
        _verify(originals, back, "swap in: device block written from host")
    except CheckFailed as failure:
        swap_in = StepResult("swap in", "fail", in_seconds, str(failure))
    out = _copy_result("swap out", to_host, blocks, size, out_seconds, unit)
    lines, details = [], {**out.details, "_seconds": out_seconds, "_followers": [swap_in]}
    if context.device.type == "cpu":  # host to host: the core's copy loop, or its fallback
        from hwcore.memory.native import host_copy_engine

        details["host_copy_engine"] = host_copy_engine()
        lines.append(f"host copies: {details['host_copy_engine']}")
    return StepOutput(out.summary, lines, details)


def _timed(context: CheckContext, work: Callable[[], object]) -> float:
    # Like timeit: after importing torch a full garbage collection costs ~100 ms here and
    # landed inside the copy, reporting a tenth of the real bandwidth.
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        work()
        if context.device.type != "cpu":
            context.torch.accelerator.synchronize()
        return time.perf_counter() - started
    finally:
        gc.enable()


def _verify(expected: list[Any], actual: list[Any], what: str) -> None:
    """Compare raw bytes (``view(uint8)``), so a NaN pattern or -0.0 must survive too."""
    import torch

    for name, want, got in zip(("key", "value"), expected, actual, strict=True):
        same = (want.view(torch.uint8) == got.view(torch.uint8)).flatten(1).all(dim=1)
        if not bool(same.all()):
            bad = (~same).nonzero().flatten().tolist()
            raise CheckFailed(f"{what}: {len(bad)} {name} block(s) differ (first at slot "
                              f"{bad[0]}); the memory op corrupted data")


def copy_directions(device_type: str) -> tuple[str, str]:
    """How to name the two copies: on a platform whose device memory is host memory (the
    CPU, a simulator) "device -> host" would claim a transfer that does not happen."""
    if device_type == "cpu":
        return ("KV cache -> host swap space (both in host memory)",
                "host swap space -> KV cache (both in host memory)")
    return "device -> host", "host -> device"


def _rate(size: int, seconds: float) -> float:
    return size / seconds if seconds > 0 else float("inf")


def _copy_result(
    name: str, direction: str, blocks: int, size: int, seconds: float, unit: str
) -> StepResult:
    rate = _rate(size, seconds)
    shown = f"{format_bytes_in(rate, unit)}/s" if math.isfinite(rate) else "too fast to time"
    return StepResult(
        name, "pass", seconds,
        f"{blocks} key + {blocks} value blocks ({format_bytes(size)}) {direction} in "
        f"{seconds * 1000:.2f} ms, {shown}; every byte verified",
        details={"blocks": blocks, "bytes": size, "bytes_per_second": rate,
                 "direction": direction},
    )


# ------------------------------------------------------------------------ output


def _result_lines(result: StepResult) -> list[str]:
    mark = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}[result.status]
    return [f"[{mark}] {result.name:<18} {result.seconds * 1000:8.1f} ms  {result.summary}",
            *(f"{'':34}{line}" for line in result.lines)]


def _verdict_lines(results: list[StepResult], total: float, ok: bool) -> list[str]:
    passed = sum(result.status == "pass" for result in results)
    verdict = "OK" if ok else "FAILED"
    lines = ["", f"{verdict}: {passed} of {len(results)} steps passed in {total:.2f} s"]
    if any(result.traceback_helps for result in results):
        lines.append("Run again with --debug for the traceback of a step that raised.")
    return lines


def _document(
    context: CheckContext, results: list[StepResult], total: float, ok: bool
) -> dict[str, Any]:
    platform = None if context.platform is None else context.platform.name
    return {"ok": ok, "platform": platform, "seconds": round(total, 6),
            "steps": [result.to_dict() for result in results]}


def _require(value: Any) -> Any:
    assert value is not None, "a previous step should have set this"
    return value
