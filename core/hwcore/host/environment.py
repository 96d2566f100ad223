"""Reading ``HWCORE_PLATFORM`` and ``HWCORE_PLUGINS``, strictly.

A typo in either must never be ignored: an empty or malformed value is an error that
quotes the value and shows the expected form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from hwcore.errors import PlatformOverrideError

PLATFORM_VARIABLE = "HWCORE_PLATFORM"
PLUGINS_VARIABLE = "HWCORE_PLUGINS"
TRACE_VARIABLE = "HWCORE_TRACE_HOOKS"
TIMEOUT_VARIABLE = "HWCORE_DETECT_TIMEOUT"
DEFAULT_DETECT_TIMEOUT = 5.0

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def read_platform_override(environ: Mapping[str, str]) -> str | None:
    """The platform name forced by ``HWCORE_PLATFORM``, or ``None`` when unset."""
    value = environ.get(PLATFORM_VARIABLE)
    if value is None:
        return None
    name = value.strip()
    if not name:
        raise PlatformOverrideError(
            f"{PLATFORM_VARIABLE} is set but empty. Unset it to detect the platform, "
            f"or set it to one platform name, e.g. {PLATFORM_VARIABLE}=cpu "
            "(`hwcore plugins` lists the installed ones)."
        )
    if not _NAME.match(name):
        raise PlatformOverrideError(
            f"{PLATFORM_VARIABLE}={value!r} is not a platform name: it must be a single name "
            f"of letters, digits, '_', '-' or '.', e.g. {PLATFORM_VARIABLE}=cuda "
            "(`hwcore plugins` lists the installed ones)."
        )
    return name


def read_plugin_allowlist(environ: Mapping[str, str]) -> tuple[str, ...] | None:
    """The plugin names allowed by ``HWCORE_PLUGINS`` (comma-separated), or ``None``."""
    value = environ.get(PLUGINS_VARIABLE)
    if value is None:
        return None
    names = tuple(part.strip() for part in value.split(","))
    if not value.strip() or any(not name for name in names):
        raise PlatformOverrideError(
            f"{PLUGINS_VARIABLE}={value!r} has an empty entry. Unset it to load every "
            f"installed plugin, or list names separated by commas, e.g. "
            f"{PLUGINS_VARIABLE}=cpu,my_backends."
        )
    bad = [name for name in names if not _NAME.match(name)]
    if bad:
        raise PlatformOverrideError(
            f"{PLUGINS_VARIABLE}={value!r} holds {bad[0]!r}, which is not a plugin name; "
            f"list entry-point names separated by commas, e.g. {PLUGINS_VARIABLE}=cpu,my_backends."
        )
    return tuple(dict.fromkeys(names))


def read_detect_timeout(environ: Mapping[str, str]) -> float:
    """``HWCORE_DETECT_TIMEOUT``: how many seconds one platform's detection may take
    (default 5)."""
    raw = environ.get(TIMEOUT_VARIABLE)
    if raw is None:
        return DEFAULT_DETECT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise PlatformOverrideError(
            f"{TIMEOUT_VARIABLE}={raw!r} is not a number of seconds above 0; set it to how long "
            f"one platform's detection may take, e.g. {TIMEOUT_VARIABLE}=10, or unset it for "
            f"the default of {DEFAULT_DETECT_TIMEOUT:g} s."
        )
    return value
