"""The conformance suite a backend runs against its own distribution.

```
class TestMyChip(hwcore.testing.conformance.PlatformConformance):
    plugin = "mychip"
```

See ``PlatformConformance`` for the knobs and ``docs/writing-a-backend.md`` for the rules
each test enforces.
"""

from __future__ import annotations

from hwcore.testing.conformance.detection_checks import DETECTION_IMPORTS_TORCH_ATTRIBUTE
from hwcore.testing.conformance.suite import PlatformConformance

__all__ = ["DETECTION_IMPORTS_TORCH_ATTRIBUTE", "PlatformConformance"]
