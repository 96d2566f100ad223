"""AITER switches: which of AMD's AITER kernels an engine asks for, and where AITER runs.

A switch comes from the engine config's ``options`` (``"rocm.use_aiter": True``), else
from a ``HWCORE_ROCM_*`` variable (``HWCORE_ROCM_USE_AITER=1``), else vLLM's default.
vLLM's own ``VLLM_ROCM_*`` variables are never read here: hwcore names its switches
itself, and ``ignored_vllm_variables`` says which of vLLM's are set and what to use
instead, so a switch never changes silently between the two.

vLLM's rule for whether AITER is in play at all is kept: the ``aiter`` package must be
importable and the GPU CDNA3 or later (RDNA4 has AITER's Triton kernels only).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, fields

from hwcore_rocm import arch

OPTION_PREFIX = "rocm."
VARIABLE_PREFIX = "HWCORE_ROCM_"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class AiterSwitches:
    """What the engine asks for; each default is vLLM 0.33's for its ``VLLM_ROCM_*`` twin."""

    use_aiter: bool = False
    use_aiter_mha: bool = True
    use_aiter_mla: bool = True
    use_aiter_unified_attention: bool = False
    use_aiter_linear: bool = True
    use_aiter_moe: bool = True
    use_aiter_fusion_shared_experts: bool = False


SWITCH_NAMES = tuple(f.name for f in fields(AiterSwitches))


class SwitchError(ValueError):
    """An AITER switch with a value that is not a boolean, or an unknown ``rocm.`` option."""


def option_key(name: str) -> str:
    """``"rocm.use_aiter"``: the switch's key in ``EngineConfig.options``."""
    return OPTION_PREFIX + name


def variable_name(name: str) -> str:
    """``"HWCORE_ROCM_USE_AITER"``: the switch's environment variable."""
    return VARIABLE_PREFIX + name.upper()


def vllm_variable_name(name: str) -> str:
    """``"VLLM_ROCM_USE_AITER"``: vLLM's variable for the same switch (never read)."""
    return "VLLM_ROCM_" + name.upper()


def read_switches(
    options: Mapping[str, object], environ: Mapping[str, str]
) -> AiterSwitches:
    """The switches ``options`` and ``environ`` set; ``SwitchError`` names a bad one."""
    unknown = sorted(
        key for key in options
        if key.startswith(OPTION_PREFIX) and key[len(OPTION_PREFIX):] not in SWITCH_NAMES
    )
    if unknown:
        known = ", ".join(option_key(name) for name in SWITCH_NAMES)
        raise SwitchError(
            f"unknown hwcore-rocm option {unknown[0]!r}; the rocm options are: {known}"
        )
    defaults = AiterSwitches()
    values = {name: _switch(name, getattr(defaults, name), options, environ)
              for name in SWITCH_NAMES}
    return AiterSwitches(**values)


def switch_sources(
    options: Mapping[str, object], environ: Mapping[str, str]
) -> dict[str, str]:
    """For each switch not at its default: where its value came from, for reports."""
    switches, defaults = read_switches(options, environ), AiterSwitches()
    sources = {}
    for name in SWITCH_NAMES:
        if getattr(switches, name) == getattr(defaults, name):
            continue
        key, variable = option_key(name), variable_name(name)
        sources[name] = f"options[{key!r}]" if key in options else (
            f"{variable}={environ[variable]!r}"
        )
    return sources


def ignored_vllm_variables(environ: Mapping[str, str]) -> list[str]:
    """One sentence per vLLM AITER variable that is set: hwcore ignores it, and what to
    set instead."""
    return [
        f"{vllm_variable_name(name)}={environ[vllm_variable_name(name)]!r} is set, but "
        f"hwcore does not read vLLM's variables: set {variable_name(name)} or the engine "
        f"option {option_key(name)!r} instead"
        for name in SWITCH_NAMES
        if vllm_variable_name(name) in environ
    ]


def aiter_installed() -> bool:
    """Whether the ``aiter`` package can be imported (found, never imported: importing
    it loads HIP)."""
    try:
        return importlib.util.find_spec("aiter") is not None
    except (ImportError, ValueError):  # a broken parent package or a bad __spec__
        return False


@dataclass(frozen=True)
class Aiter:
    """The switches as they apply on one GPU architecture (vLLM's ``rocm_aiter_ops``)."""

    switches: AiterSwitches
    installed: bool
    architecture: str

    @property
    def supported(self) -> bool:
        """AITER's CK kernels can run here (package present, CDNA3 or later)."""
        return self.installed and arch.aiter_architecture(self.architecture)

    @property
    def enabled(self) -> bool:
        return self.supported and self.switches.use_aiter

    @property
    def mha(self) -> bool:
        return self.enabled and self.switches.use_aiter_mha

    @property
    def mla(self) -> bool:
        return self.enabled and self.switches.use_aiter_mla

    @property
    def rdna(self) -> bool:
        """AITER's Triton kernels on RDNA4, which has no CK build."""
        return (
            self.installed and arch.is_rdna4(self.architecture) and self.switches.use_aiter
        )

    @property
    def linear_fp8(self) -> bool:
        return self.enabled and self.switches.use_aiter_linear

    @property
    def fused_moe(self) -> bool:
        return self.enabled and self.switches.use_aiter_moe

    @property
    def fused_shared_experts(self) -> bool:
        return self.fused_moe and self.switches.use_aiter_fusion_shared_experts


def _switch(
    name: str, default: bool, options: Mapping[str, object], environ: Mapping[str, str]
) -> bool:
    key, variable = option_key(name), variable_name(name)
    if key in options:
        value = options[key]
        if not isinstance(value, bool):
            raise SwitchError(
                f"options[{key!r}] must be True or False, got {value!r}; write "
                f"options={{{key!r}: True}}"
            )
        return value
    text = environ.get(variable)
    if text is None:
        return default
    if text.strip().lower() in _TRUE:
        return True
    if text.strip().lower() in _FALSE:
        return False
    raise SwitchError(
        f"{variable}={text!r} is not a boolean; set it to 1 or 0 (or true/false), or unset it "
        f"for the default ({int(default)})"
    )
