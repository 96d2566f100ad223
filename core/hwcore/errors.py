"""Every error hwcore raises, and when.

```
HwcoreError
├── PluginError                      a plugin distribution is broken or misdeclared
│   ├── PluginLoadError              importing its entry point raised
│   ├── PluginContractError          hookimpl does not match its spec, or contract version is wrong
│   ├── DuplicatePluginError         two distributions offer the same entry-point name
│   └── PluginConflictError          two general plugins answer one first-result hook in
│                                    the same position, so only registration order would decide
├── PlatformError                    no single platform can be chosen
│   ├── NoPlatformError              nothing detected and no fallback installed
│   ├── AmbiguousPlatformError       two or more accelerators detected
│   ├── UnusablePlatformError        the platform's hardware is present but cannot be used as
│   │                                configured (e.g. two visibility variables disagree)
│   └── PlatformOverrideError        HWCORE_PLATFORM / HWCORE_PLUGINS is empty, malformed or unknown
├── InvalidConfigError               an engine config the platform cannot run (also a ValueError)
├── UnsupportedDtypeError            a dtype the device cannot compute in (also a ValueError)
├── AttentionBackendError            attention-backend registry and selection
│   ├── DuplicateBackendError        two plugins register the same backend name
│   ├── InvalidSelectedBackendError  the backend the user asked for cannot run this request
│   └── NoValidBackendError          no backend in the platform's priority list can run it
├── MemoryOpError                    a KV-cache block copy was called wrongly (also a ValueError);
│                                    nothing was written
└── DistributedError                 process groups, collectives, Ray placement; its subclasses
                                     live in hwcore.distributed.errors

HwcoreWarning (UserWarning)          a plugin failed but was not needed, an allowlist name matched
                                     nothing, a platform's own warnings
```

Every message names the plugin and distribution involved, where there is one, and ends by
saying what to do next.
"""

from __future__ import annotations

__all__ = [
    "AmbiguousPlatformError",
    "AttentionBackendError",
    "DuplicateBackendError",
    "DuplicatePluginError",
    "HwcoreError",
    "HwcoreWarning",
    "InvalidConfigError",
    "InvalidSelectedBackendError",
    "MemoryOpError",
    "NoPlatformError",
    "NoValidBackendError",
    "PlatformError",
    "PlatformOverrideError",
    "PluginConflictError",
    "PluginContractError",
    "PluginError",
    "PluginLoadError",
    "UnsupportedDtypeError",
    "UnusablePlatformError",
]


class HwcoreError(Exception):
    """Base of every error raised by hwcore and its backends."""


class PluginError(HwcoreError):
    """A plugin distribution is broken or misdeclared.

    ``plugin`` is the entry-point name and ``distribution`` the installed distribution
    (``"hwcore-cuda 0.1.0"``) so tools can show or filter them.
    """

    def __init__(self, message: str, *, plugin: str, distribution: str) -> None:
        super().__init__(message)
        self.plugin = plugin
        self.distribution = distribution


class PluginLoadError(PluginError):
    """Importing a plugin's entry point raised; the plugin is skipped unless it is needed."""


class PluginContractError(PluginError):
    """A plugin declares no or an incompatible contract version, or a hookimpl that does
    not match its hookspec (unknown hook name, an argument the spec does not have)."""


class DuplicatePluginError(PluginError):
    """Two installed distributions offer the same entry-point name; neither is loaded."""


class PluginConflictError(PluginError):
    """Two or more general plugins implement the same first-result hook with the same
    precedence, so only the order in which they were registered would pick the answer.
    Raised when that hook is called; ``plugin`` and ``distribution`` list every plugin
    involved."""


class PlatformError(HwcoreError):
    """No single platform can be chosen for this process."""


class NoPlatformError(PlatformError):
    """No platform plugin detected its hardware and no host-CPU fallback is installed (or
    ``HWCORE_PLUGINS`` leaves it out). The message ends with the detection report;
    ``summary`` is the message without it, for a tool that prints the report itself."""

    def __init__(self, message: str, *, summary: str | None = None) -> None:
        super().__init__(message)
        self.summary = summary or message.splitlines()[0]


class AmbiguousPlatformError(PlatformError):
    """Two or more accelerator platforms detected their hardware; ``HWCORE_PLATFORM``
    must choose one."""


class UnusablePlatformError(PlatformError):
    """The chosen platform's hardware is present but this process cannot use it as
    configured (``PlatformInfo.unusable_reason``); hwcore refuses it rather than falling
    back to another platform."""


class PlatformOverrideError(PlatformError):
    """``HWCORE_PLATFORM`` or ``HWCORE_PLUGINS`` is empty, malformed, or names a plugin
    that is not installed, failed to load, or is not a platform."""


class InvalidConfigError(HwcoreError, ValueError):
    """The active platform cannot run this engine config; the message names the field."""


class UnsupportedDtypeError(HwcoreError, ValueError):
    """The active device cannot compute in the requested dtype; the message names one
    that works."""


class AttentionBackendError(HwcoreError):
    """Base of the attention-backend registry and selection errors."""


class DuplicateBackendError(AttentionBackendError):
    """Two plugins registered an attention backend under the same name."""


class InvalidSelectedBackendError(AttentionBackendError, ValueError):
    """The explicitly selected attention backend cannot run this request. hwcore never
    falls back silently from an explicit choice."""


class NoValidBackendError(AttentionBackendError, ValueError):
    """No backend in the platform's priority list can run this request; the message lists
    every candidate with all of its reasons."""


class MemoryOpError(HwcoreError, ValueError):
    """A KV-cache block copy was called with arguments that do not fit. Raised before the
    first byte moves, so the destination is unchanged."""


class HwcoreWarning(UserWarning):
    """Something the user should fix that did not stop resolution: a plugin that failed
    but was not needed, an ``HWCORE_PLUGINS`` name that matched nothing."""
