"""When the bridge activates: the gating policy, as one function over what it needs.

vLLM lets an out-of-tree platform plugin beat its built-in platforms (one active plugin
wins even when a built-in detector also fired), so an ungated bridge backed by hwcore's
host-CPU fallback would take a CUDA machine from vLLM's own ``CudaPlatform``. The policy
(stated for operators in docs/vllm.md) therefore activates on its own only where vLLM
has nothing to offer, and otherwise only when the operator asks:

===========================  ==========================================================
``HWCORE_VLLM_BRIDGE``       the bridge
===========================  ==========================================================
``off``                      declines; hwcore is not even consulted
``auto`` (default, unset)    activates when hwcore resolved a platform that is not its
                             host-CPU fallback, is not named like a vLLM built-in
                             (cuda, rocm, tpu, xpu, cpu) and no vLLM built-in detector
                             claims this machine; declines otherwise
``on``                       activates for whatever platform hwcore resolved
any of them                  declines, with hwcore's error as a warning, when hwcore has
                             no platform (none detected, two at once, a broken override)
===========================  ==========================================================
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hwcore import HwcoreError

if TYPE_CHECKING:
    from hwcore import Platform

VARIABLE = "HWCORE_VLLM_BRIDGE"
PLATFORM_QUALNAME = "hwcore_vllm.platform.HwcorePlatform"

BuiltinDetectors = Mapping[str, Callable[[], object]]
"""vLLM's built-in platform detectors by name (``vllm.platforms.builtin_platform_plugins``):
each returns a class qualname when its hardware is present, else ``None``."""


class Setting(enum.Enum):
    """What the operator asked for through ``HWCORE_VLLM_BRIDGE``."""

    AUTO = "auto"
    ON = "on"
    OFF = "off"


_SPELLINGS = {
    "": Setting.AUTO, "auto": Setting.AUTO,
    "on": Setting.ON, "1": Setting.ON, "true": Setting.ON, "yes": Setting.ON,
    "off": Setting.OFF, "0": Setting.OFF, "false": Setting.OFF, "no": Setting.OFF,
}


def read_setting(environ: Mapping[str, str]) -> Setting:
    """The setting in ``environ``; unset or empty is ``auto``. Anything else raises
    ``ValueError`` naming the variable, the value and the accepted values."""
    raw = environ.get(VARIABLE, "")
    setting = _SPELLINGS.get(raw.strip().lower())
    if setting is None:
        raise ValueError(
            f"{VARIABLE}={raw!r} is not a setting hwcore-vllm knows; use 'auto' (the "
            "default: run vLLM on hwcore's platform only where vLLM has no built-in "
            "platform), 'on' (always) or 'off' (never)"
        )
    return setting


@dataclass(frozen=True)
class Decision:
    """The answer to vLLM's question, and the line to log about it."""

    activate: bool
    message: str
    warning: bool = False  # logged as a warning: the operator has something to fix

    @property
    def qualname(self) -> str | None:
        """What the entry point returns to vLLM: the bridge class, or ``None``."""
        return PLATFORM_QUALNAME if self.activate else None


def evaluate(
    environ: Mapping[str, str],
    resolve: Callable[[], Platform],
    builtin_detectors: BuiltinDetectors,
) -> Decision:
    """Whether vLLM should run on hwcore's platform here, and why.

    ``resolve`` is hwcore's resolution (``hwcore.current_platform``), called only when
    the setting is not ``off``; its ``HwcoreError`` is a declined decision, any other
    exception is a bug and propagates. ``builtin_detectors`` are called only in ``auto``
    mode, for a platform that passed the cheaper checks.
    """
    setting = read_setting(environ)
    if setting is Setting.OFF:
        return _decline(f"{VARIABLE}={environ[VARIABLE]!r} turns the bridge off; vLLM "
                        "chooses its platform itself")
    try:
        platform = resolve()
    except HwcoreError as error:
        return _decline(f"hwcore has no platform to give vLLM: {error}", warning=True)
    described = f"hwcore's platform {platform.name!r} ({platform.provider})"
    if setting is Setting.ON:
        return Decision(True, f"hwcore-vllm activates: vLLM runs on {described}, as "
                              f"{VARIABLE}={environ[VARIABLE]!r} asks")
    opt_in = f"set {VARIABLE}=on to run vLLM on hwcore's platform instead"
    if platform.info.is_fallback:
        return _decline(f"{described} is hwcore's host-CPU fallback, so vLLM's own platform "
                        f"detection keeps this machine; {opt_in}")
    if platform.name in builtin_detectors:
        return _decline(f"vLLM has a built-in {platform.name!r} platform for what "
                        f"{described} runs; {opt_in}")
    claimed = [name for name, detect in builtin_detectors.items() if _detects(detect)]
    if claimed:
        return _decline(f"vLLM's built-in {' and '.join(map(repr, claimed))} platform "
                        f"detects this machine too, and {described} would take it over; "
                        f"{opt_in}")
    return Decision(True, f"hwcore-vllm activates: vLLM runs on {described}, which vLLM "
                          "has no built-in platform for")


def _decline(reason: str, *, warning: bool = False) -> Decision:
    return Decision(False, f"hwcore-vllm declines: {reason}", warning)


def _detects(detect: Callable[[], object]) -> bool:
    # vLLM's own loop treats a detector that raises as absent; so does the policy.
    try:
        return detect() is not None
    except Exception:
        return False
