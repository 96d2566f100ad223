"""Meta-tests of the contract: every hook is documented as a contract and exercised by a test."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from hwcore import hookspecs

TESTS = Path(__file__).parents[1]
SPECS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if callable(value) and hasattr(value, "hwcore_spec")
)


def test_the_contract_has_every_group_of_hooks():
    for hook in (
        "detect_platform",
        "get_current_memory_usage",
        "check_and_update_config",
        "register_attention_backends",
        "get_attn_backend_cls",
        "get_attn_backend_priority",
        "insert_blocks_to_device",
        "swap_out_blocks_to_host",
        "stateless_init_device_torch_dist_pg",
    ):
        assert hook in SPECS


@pytest.mark.parametrize("name", SPECS)
def test_every_hookspec_docstring_is_a_contract(name):
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    assert len(doc) > 80, f"{name}: the docstring must state the contract"
    assert "None" in doc, f"{name}: say what returning (or receiving) None means"


@pytest.mark.parametrize("name", SPECS)
def test_every_hook_is_exercised_by_a_test(name):
    sources = [
        p.read_text() for p in TESTS.rglob("test_*.py") if p.resolve() != Path(__file__).resolve()
    ]
    assert any(name in source for source in sources), f"no test mentions the hook {name}"
