"""``hwcore info``: the active platform, its facts and its devices."""

from __future__ import annotations

import argparse
from typing import Any

from hwcore.cli.output import print_json
from hwcore.units import format_bytes

HELP = "show the active platform, its facts and its devices"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options beyond --json and --debug."""


def run(args: argparse.Namespace) -> int:
    from hwcore.facade import current_platform

    platform = current_platform()
    payload = collect(platform)
    if args.json:
        print_json({"ok": True, **payload})
    else:
        print(render(payload))
    return 0


def collect(platform: Any) -> dict[str, Any]:
    """Everything ``info`` shows, as JSON-ready data."""
    return {
        "platform": {**platform.info.to_dict(), "provider": platform.provider},
        "devices": [device.to_dict() for device in platform.devices()],
        "warnings": platform.log_warnings(),
        # What hwcore itself warned about while resolving (skipped plugins, what detectors
        # printed or changed); as text these went to stderr already.
        "host_warnings": list(platform.report.warnings),
    }


def render(payload: dict[str, Any]) -> str:
    info = payload["platform"]
    lines = [
        f"Platform: {info['name']} ({info['provider']})"
        + (", host-CPU fallback" if info["is_fallback"] else ""),
        f"  device type       {info['device_type']} (dispatch key {info['dispatch_key']})",
        f"  distributed       {info['dist_backend']}"
        + (f", Ray resource {info['ray_device_key']!r}" if info["ray_device_key"] else ""),
        f"  visibility        {info['device_control_env_var'] or '-'}",
        f"  dtypes            {', '.join(info['supported_dtypes'])}",
        f"  fp8               {_fp8(info)}",
        f"  pinned memory     {_yes(info['pin_memory'])}",
        f"  links             {_links(info)}",
        f"  detected because  {'; '.join(info['evidence'])}",
    ]
    lines += [f"  {key:<17} {value}" for key, value in info["details"].items()]
    lines.append(f"Devices ({len(payload['devices'])}):")
    lines += [_device_line(device) for device in payload["devices"]]
    lines += [f"warning: {message}" for message in payload["warnings"]]
    return "\n".join(lines)


def _device_line(device: dict[str, Any]) -> str:
    physical = (
        f" (physical {device['physical_index']})"
        if device["physical_index"] != device["index"]
        else ""
    )
    facts = [format_bytes(device["total_memory"])]
    if device["capability"]:
        facts.append(f"capability {device['capability']}")
    if device["architecture"]:
        facts.append(device["architecture"])
    facts.append(f"uuid {device['uuid'] or 'unknown'}")
    facts += [f"{key} {value}" for key, value in device["details"].items()]
    return f"  [{device['index']}]{physical} {device['name']}, {', '.join(facts)}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _fp8(info: dict[str, Any]) -> str:
    if not info["supports_fp8"]:
        return "no"
    return f"yes ({info['fp8_dtype']}{', FNUZ' if info['fp8_fnuz'] else ''})"


def _links(info: dict[str, Any]) -> str:
    connected = {True: "every visible pair directly linked", False: "not fully connected",
                 None: "-"}[info["fully_connected"]]
    return f"{connected}; custom all-reduce {_yes(info['custom_allreduce'])}"
