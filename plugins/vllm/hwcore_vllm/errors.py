"""What the bridge raises when something cannot cross between vLLM and hwcore.

```
ValueError
└── BridgeError                  hwcore-vllm cannot carry something between vLLM and hwcore
    ├── UntranslatableError      a vLLM value hwcore's records cannot express (a selector
    │                            field, a config value), or an adjustment vLLM's config
    │                            cannot take
    └── NotRunnableByVllmError   hwcore chose a class (attention backend, communicator)
                                 that vLLM cannot run
```

They are ``ValueError``s because vLLM reports a config or backend it cannot use that way
(a ``ValueError`` raised while a ``VllmConfig`` is built reaches the user inside pydantic's
``ValidationError``, message intact). Each message names the vLLM side, the hwcore side and
what to do.
"""

from __future__ import annotations

__all__ = ["BridgeError", "NotRunnableByVllmError", "UntranslatableError"]


class BridgeError(ValueError):
    """Base of the bridge's own errors."""


class UntranslatableError(BridgeError):
    """A value of vLLM's has no counterpart in hwcore's records, or hwcore adjusted a
    field vLLM's live config cannot take."""


class NotRunnableByVllmError(BridgeError):
    """hwcore's answer names a class that is not vLLM's kind of class and has no vLLM
    counterpart of the same name."""
