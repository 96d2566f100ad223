"""Hatchling build hook: compile ``hostcopy.c`` into ``hwcore/memory/_hostcopy.so``.

The library is plain C loaded with ctypes (no Python or torch ABI), so the only build
requirement is a C compiler. ``HWCORE_BUILD_NATIVE`` says what to do without one:

- ``auto`` (default): build it when a compiler works; otherwise warn and build a pure
  wheel, whose host copies fall back to one torch ``copy_`` per run (same bytes; 4.7x
  slower for 256 random 64 KiB blocks on a 2-core VM).
- ``require``: fail the build when the library cannot be compiled (CI uses this).
- ``skip``: do not compile; a pure wheel.

An editable install compiles into the source tree (the package is imported from there);
a wheel gets the library from a temporary directory.

The wheel's tag is ``py3-none-<platform>``: the library is machine code for this platform,
but it uses no Python C API (ctypes loads it), so any Python 3 and ABI can load it. Letting
hatchling infer the tag gave ``cp311-cp311-linux_x86_64``, which claims a CPython ABI the
file does not have, and a package index refuses plain ``linux_*`` wheels: the dist session
turns ``linux_x86_64`` into a ``manylinux`` tag with ``auditwheel repair``, which checks the
glibc symbols the library needs.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MODES = ("auto", "require", "skip")
SOURCE = Path("core") / "native" / "hostcopy.c"
LIBRARY = "hwcore/memory/_hostcopy.so"
FLAGS = ("-O2", "-fPIC", "-shared")


class NativeBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compile the host block-copy loop for the wheel being built."""

    PLUGIN_NAME = "hwcore-native"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        mode = build_mode()
        if mode == "skip":
            self.app.display_info("HWCORE_BUILD_NATIVE=skip: building a pure wheel")
            return
        if version == "editable":
            output = Path(self.root) / "core" / LIBRARY
            output.unlink(missing_ok=True)  # never leave a stale library behind a failure
        else:
            self._scratch = tempfile.mkdtemp(prefix="hwcore-native-")
            output = Path(self._scratch) / Path(LIBRARY).name
        problem = compile_library(Path(self.root) / SOURCE, output)
        if problem is not None:
            if mode == "require":
                raise RuntimeError(f"HWCORE_BUILD_NATIVE=require: {problem}")
            self.app.display_warning(
                f"hwcore: {problem}; building a pure wheel whose host block copies use "
                "torch instead (slower). Install a C compiler and reinstall for the fast path."
            )
            return
        if version != "editable":
            build_data["force_include"][str(output)] = LIBRARY
        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{platform_tag()}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def platform_tag() -> str:
    """This machine's wheel platform tag, as packaging spells it: ``linux_x86_64``,
    ``macosx_14_0_arm64``."""
    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


def build_mode() -> str:
    """``HWCORE_BUILD_NATIVE``, checked: a misspelt mode is an error, not ``auto``."""
    mode = os.environ.get("HWCORE_BUILD_NATIVE", "auto").strip().lower() or "auto"
    if mode not in MODES:
        raise ValueError(
            f"HWCORE_BUILD_NATIVE={os.environ['HWCORE_BUILD_NATIVE']!r} is not one of "
            f"{', '.join(MODES)}; unset it to build the native copy loop when a compiler works"
        )
    return mode


def compile_library(source: Path, output: Path) -> str | None:
    """Compile ``source`` into the shared library ``output``; return why not, or None."""
    compiler = c_compiler()
    if shutil.which(compiler[0]) is None:
        return f"no C compiler found (looked for {compiler[0]!r}; set CC to use another)"
    command = [*compiler, *FLAGS, "-o", str(output), str(source)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip()
        return f"compiling {source.name} failed ({shlex.join(command)}): {detail}"
    return None


def c_compiler() -> list[str]:
    """``CC`` from the environment, else the compiler Python was built with, else ``cc``."""
    configured = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    return shlex.split(str(configured))
