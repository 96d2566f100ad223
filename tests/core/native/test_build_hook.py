from __future__ import annotations

import ctypes
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _hook_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "hwcore_native_build_hook", ROOT / "core" / "native" / "build_hook.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _hook_module()


@pytest.mark.parametrize(("value", "mode"), [(None, "auto"), ("", "auto"), (" Require ", "require"), ("skip", "skip")])
def test_build_mode_reads_hwcore_build_native(
    monkeypatch: pytest.MonkeyPatch, value: str | None, mode: str
) -> None:
    if value is None:
        monkeypatch.delenv("HWCORE_BUILD_NATIVE", raising=False)
    else:
        monkeypatch.setenv("HWCORE_BUILD_NATIVE", value)
    assert hook.build_mode() == mode


def test_a_misspelt_build_mode_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWCORE_BUILD_NATIVE", "yes")
    with pytest.raises(ValueError, match=r"^HWCORE_BUILD_NATIVE=") as caught:
        hook.build_mode()
    assert str(caught.value) == (
        "HWCORE_BUILD_NATIVE='yes' is not one of auto, require, skip; unset it to build the "
        "native copy loop when a compiler works"
    )


def test_the_source_compiles_into_a_library_of_the_current_interface(tmp_path: Path) -> None:
    from hwcore.memory import native

    output = tmp_path / "_hostcopy.so"
    assert hook.compile_library(ROOT / hook.SOURCE, output) is None
    library = ctypes.CDLL(str(output))
    library.hwcore_hostcopy_abi.restype = ctypes.c_int64
    assert library.hwcore_hostcopy_abi() == native.ABI


def test_a_missing_compiler_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CC", "/nonexistent/cc -O1")
    assert hook.c_compiler() == ["/nonexistent/cc", "-O1"]
    assert hook.compile_library(ROOT / hook.SOURCE, tmp_path / "x.so") == (
        "no C compiler found (looked for '/nonexistent/cc'; set CC to use another)"
    )


def test_a_compile_error_is_reported_with_the_command(tmp_path: Path) -> None:
    source = tmp_path / "broken.c"
    source.write_text("this is not C\n")
    problem = hook.compile_library(source, tmp_path / "x.so")
    assert problem.startswith("compiling broken.c failed (")
    assert f"-o {tmp_path / 'x.so'} {source}" in problem
    assert "error" in problem


def test_the_platform_tag_is_this_machines_without_a_python_abi() -> None:
    import platform
    import sysconfig

    tag = hook.platform_tag()
    assert tag == sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert "." not in tag and "-" not in tag
    if platform.system() == "Linux":
        assert tag == f"linux_{platform.machine()}"
