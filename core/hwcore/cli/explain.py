"""``hwcore explain``: the detection report (each plugin, present or not, why, how long), or
with ``--head-size`` the attention-backend selection (each candidate, valid or not, why)."""

from __future__ import annotations

import argparse

from hwcore.cli.output import print_error, print_json, usage_error

HELP = "show the detection report, or with --head-size the attention-backend selection"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Selection flags mirror ``get_attn_backend_cls``; without ``--head-size`` the command
    shows the detection report."""
    group = parser.add_argument_group("attention-backend selection (needs --head-size)")
    group.add_argument("--head-size", type=int, help="attention head size, e.g. 128")
    group.add_argument("--dtype", default="auto",
                       help="model dtype (default: the platform's preferred one)")
    group.add_argument("--kv-cache-dtype", default=None, help="KV-cache dtype (default: auto)")
    group.add_argument("--block-size", type=int, default=None,
                       help="KV-cache block size (default: auto)")
    group.add_argument("--backend", default=None, help="the backend to select explicitly")
    group.add_argument("--verify", action="store_true",
                       help="also import each valid backend's class (runs its module code)")
    group.add_argument("--num-heads", type=int, default=None,
                       help="query heads per layer on this rank (default: unknown)")
    group.add_argument("--attn-type", default="decoder",
                       choices=("decoder", "encoder", "encoder_only", "encoder_decoder"),
                       help="attention type (default: decoder)")
    group.add_argument("--use-mla", action="store_true", help="the model uses MLA")
    group.add_argument("--has-sink", action="store_true", help="the model uses attention sinks")
    group.add_argument("--use-sparse", action="store_true", help="sparse attention")
    group.add_argument("--use-mm-prefix", action="store_true",
                       help="full attention over a multimodal prefix")
    group.add_argument("--use-non-causal", action="store_true", help="non-causal attention")
    group.add_argument("--has-sliding-window", action="store_true",
                       help="a sliding-window layer")
    group.add_argument("--use-batch-invariant", action="store_true",
                       help="results must not depend on batch composition")
    group.add_argument("--use-kv-connector", action="store_true",
                       help="a KV-transfer connector moves the cache")


def run(args: argparse.Namespace) -> int:
    if args.head_size is not None:
        return _run_selection(args)
    if _selection_flags_given(args):
        return usage_error(
            args, "the attention-selection flags need --head-size (e.g. --head-size 128)"
        )
    return _run_detection(args)


_SWITCHES = ("use_mla", "has_sink", "use_sparse", "use_mm_prefix", "use_non_causal",
             "has_sliding_window", "use_batch_invariant", "use_kv_connector")


def _selection_flags_given(args: argparse.Namespace) -> bool:
    flags = (args.kv_cache_dtype, args.block_size, args.backend, args.num_heads)
    switches = any(getattr(args, name) for name in _SWITCHES)
    return (switches or args.dtype != "auto" or args.attn_type != "decoder"
            or any(flag is not None for flag in flags))


def _run_selection(args: argparse.Namespace) -> int:
    from hwcore.host import get_host
    from hwcore.records import AttentionRequest

    host = get_host()
    dtype = args.dtype
    if dtype == "auto":
        dtype = host.platform_info.supported_dtypes[0]
    try:
        request = AttentionRequest(
            head_size=args.head_size, dtype=dtype, kv_cache_dtype=args.kv_cache_dtype,
            block_size=args.block_size, num_heads=args.num_heads, attn_type=args.attn_type,
            **{name: getattr(args, name) for name in _SWITCHES},
        )
    except ValueError as error:
        return usage_error(args, f"{error} (check the selection flags)")
    report = host.attention.inspect(request, args.backend, verify=args.verify)
    if args.json:
        print_json({"ok": report.chosen is not None, "selection": report.to_dict()})
    else:
        print(report.render())
    return 0 if report.chosen is not None else 1


def _run_detection(args: argparse.Namespace) -> int:
    from hwcore.errors import HwcoreError
    from hwcore.host import get_host

    host = get_host()
    report = host.inspect()
    failure: HwcoreError | None = None
    try:
        host.resolve()
    except HwcoreError as error:
        failure = error
    if args.json:
        payload: dict[str, object] = {"ok": failure is None, "detection": report.to_dict()}
        if failure is not None:
            payload["error"] = {"type": type(failure).__name__, "message": str(failure)}
        print_json(payload)
    else:
        print("Detection report:")
        print(report.render())
        if failure is not None:
            # The report is printed above; a NoPlatformError repeats it, so only its summary.
            print_error(getattr(failure, "summary", None) or str(failure))
    return 0 if failure is None else 1
