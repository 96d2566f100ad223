"""Config validation: adjustments are reported as records, never made on the input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hwcore.errors import HwcoreError
from hwcore.records import ConfigAdjustment, EngineConfig


def config_problem(check: Callable[[EngineConfig], Any], config: EngineConfig) -> str | None:
    """Whether the plugin's ``check_and_update_config`` answers ``config`` by the contract."""
    before = config.to_dict()
    answer = check(config)
    mutated = _changed_fields(before, config.to_dict())
    if mutated:
        return (
            f"check_and_update_config mutated its input ({'; '.join(mutated)}); return "
            "ConfigAdjustment(field, old, new, reason) records instead"
        )
    if answer is None:
        return None
    if not isinstance(answer, (list, tuple)):
        return (
            f"check_and_update_config returned {answer!r}; "
            "return a list of ConfigAdjustment or None"
        )
    for item in answer:
        if not isinstance(item, ConfigAdjustment):
            return (
                f"check_and_update_config returned {item!r} in its list; every item must be a "
                "ConfigAdjustment(field, old, new, reason)"
            )
        if item.old != config.get(item.field):
            return (
                f"check_and_update_config reported '{item}', but {item.field} is "
                f"{config.get(item.field)!r} in the config it was given; old must be that value"
            )
    try:
        config.apply(list(answer))
    except HwcoreError as error:
        return f"check_and_update_config returned adjustments that do not apply: {error}"
    return None


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """``["changed cache.block_size from None to 16"]`` for every field that differs."""
    return [
        f"changed {part}.{name} from {value!r} to {after[part][name]!r}"
        for part, fields in before.items()
        for name, value in fields.items()
        if after[part][name] != value
    ]
