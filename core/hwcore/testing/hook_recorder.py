"""``HookRecorder``: every hook call made through a plugin manager, with its answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import pluggy


@dataclass(frozen=True)
class HookCall:
    """One ``pm.hook.<name>(**kwargs)`` call.

    ``implementations`` names the plugins that could answer, in the order pluggy calls
    them (a ``firstresult`` hook stops at the first non-``None`` answer).
    """

    name: str
    kwargs: Mapping[str, Any]
    implementations: tuple[str, ...]
    result: Any = None
    exception: BaseException | None = field(default=None)


class HookRecorder:
    """Records the hook calls made through ``plugin_manager`` while started.

    Built on pluggy's ``add_hookcall_monitoring``; use it as a context manager or call
    ``start``/``stop``. Every hook call goes through pluggy, the host's own included (each
    ``detect_platform``, each plugin's ``register_attention_backends``), so every call is
    recorded; a call on one plugin lists that plugin alone in ``implementations``.
    """

    def __init__(self, plugin_manager: pluggy.PluginManager) -> None:
        self.plugin_manager = plugin_manager
        self.calls: list[HookCall] = []
        self._undo: Callable[[], None] | None = None

    def start(self) -> HookRecorder:
        if self._undo is None:
            self._undo = self.plugin_manager.add_hookcall_monitoring(self._before, self._after)
        return self

    def stop(self) -> None:
        if self._undo is not None:
            self._undo()
            self._undo = None

    def calls_of(self, name: str) -> list[HookCall]:
        """The recorded calls of hook ``name``, oldest first."""
        return [call for call in self.calls if call.name == name]

    @property
    def names(self) -> list[str]:
        """The hook names called, in call order, with repeats."""
        return [call.name for call in self.calls]

    def clear(self) -> None:
        self.calls.clear()

    def __enter__(self) -> HookRecorder:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _before(
        self, hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]
    ) -> None:
        """Nothing to do before the call: ``_after`` sees the same arguments."""

    def _after(
        self,
        outcome: pluggy.Result[Any],
        hook_name: str,
        hook_impls: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        self.calls.append(
            HookCall(
                name=hook_name,
                kwargs=dict(kwargs),
                implementations=tuple(impl.plugin_name for impl in reversed(hook_impls)),
                result=None if outcome.exception is not None else outcome.get_result(),
                exception=outcome.exception,
            )
        )
