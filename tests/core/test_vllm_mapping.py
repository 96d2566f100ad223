"""``docs/vllm-mapping.md`` stays in step with ``hwcore.hookspecs``.

The page maps every member of vLLM's ``Platform`` to hwcore. These tests parse its tables
and check that every hook is mapped, that no row is left blank, that no vLLM member appears
twice, and that every bare name in the ``hwcore`` column (the page's notation for a hook) is
a real hook.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import hwcore.hookspecs

DOC = Path(__file__).resolve().parents[2] / "docs" / "vllm-mapping.md"
HEADER = ["vLLM member", "kind", "hwcore", "notes"]
KINDS = {"attribute", "property", "method"}
EMPTY = {"", "—", "-"}

_CODE = re.compile(r"`([^`]*)`")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BARE_HOOK_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _rows() -> list[dict[str, str]]:
    """Every body row of every table whose header is ``HEADER``."""
    rows: list[dict[str, str]] = []
    lines = DOC.read_text(encoding="utf-8").splitlines()
    in_table = False
    for number, line in enumerate(lines, start=1):
        if not line.lstrip().startswith("|"):
            in_table = False
            continue
        cells = _cells(line)
        if cells == HEADER:
            in_table = True
            continue
        if not in_table or set("".join(cells)) <= set("-: "):
            continue
        assert len(cells) == len(HEADER), f"line {number}: expected 4 cells, got {cells}"
        rows.append({"line": str(number), **dict(zip(HEADER, cells, strict=True))})
    return rows


def _hook_names() -> set[str]:
    return {
        name
        for name in dir(hwcore.hookspecs)
        if getattr(getattr(hwcore.hookspecs, name), "hwcore_spec", None) is not None
    }


def _member(row: dict[str, str]) -> str:
    match = _CODE.fullmatch(row["vLLM member"])
    assert match, f"line {row['line']}: the vLLM member must be one name in backticks"
    return match.group(1)


ROWS = _rows()


def test_the_page_has_both_tables() -> None:
    members = {_member(row) for row in ROWS}
    assert {"get_attn_backend_cls", "_enum", "__getattr__", "current_device"} <= members
    assert len(ROWS) > 100


def test_there_are_hookspecs_to_check() -> None:
    assert {"detect_platform", "get_attn_backend_cls", "check_and_update_config"} <= _hook_names()


def test_every_hookspec_appears_in_the_hwcore_column() -> None:
    mentioned: set[str] = set()
    for row in ROWS:
        for code in _CODE.findall(row["hwcore"]):
            mentioned.update(_IDENTIFIER.findall(code))
    missing = sorted(_hook_names() - mentioned)
    assert not missing, f"hooks not mapped in {DOC.name}: {missing}"


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row["vLLM member"].strip("`"))
def test_every_row_says_what_covers_it_or_why_not(row: dict[str, str]) -> None:
    assert row["hwcore"] not in EMPTY or row["notes"] not in EMPTY, (
        f"line {row['line']}: give the hwcore counterpart or say why there is none"
    )
    assert row["kind"] in KINDS, f"line {row['line']}: kind must be one of {sorted(KINDS)}"


def test_no_vllm_member_is_listed_twice() -> None:
    seen: dict[str, str] = {}
    for row in ROWS:
        member = _member(row)
        assert member not in seen, f"{member} is listed on lines {seen[member]} and {row['line']}"
        seen[member] = row["line"]


def test_bare_names_in_the_hwcore_column_are_real_hooks() -> None:
    hooks = _hook_names()
    invented = sorted(
        {
            code
            for row in ROWS
            for code in _CODE.findall(row["hwcore"])
            if _BARE_HOOK_NAME.match(code) and code not in hooks
        }
    )
    assert not invented, f"not hooks in hwcore.hookspecs: {invented}"
