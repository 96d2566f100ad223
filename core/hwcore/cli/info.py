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
        "supported_dtypes": platform.supported_dtypes,
        "supports_fp8": platform.supports_fp8(),
        "pin_memory_available": platform.is_pin_memory_available(),
        "warnings": platform.log_warnings(),
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
        f"  dtypes            {', '.join(payload['supported_dtypes'])}",
        f"  fp8               {'yes' if payload['supports_fp8'] else 'no'}",
        f"  pinned memory     {'yes' if payload['pin_memory_available'] else 'no'}",
        f"  detected because  {'; '.join(info['evidence'])}",
    ]
    lines += [f"  {key:<17} {value}" for key, value in info["details"].items()]
    lines.append(f"Devices ({len(payload['devices'])}):")
    for device in payload["devices"]:
        capability = f", capability {device['capability']}" if device["capability"] else ""
        physical = (
            f" (physical {device['physical_index']})"
            if device["physical_index"] != device["index"]
            else ""
        )
        lines.append(
            f"  [{device['index']}]{physical} {device['name']}, "
            f"{format_bytes(device['total_memory'])}{capability}"
        )
    lines += [f"warning: {message}" for message in payload["warnings"]]
    return "\n".join(lines)
