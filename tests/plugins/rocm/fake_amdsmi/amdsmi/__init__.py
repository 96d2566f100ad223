"""Test-only stand-in for the ``amdsmi`` package, for subprocesses and the CLI.

Put the directory above this package first on ``PYTHONPATH``: ``import amdsmi`` then
serves the node named by ``HWCORE_FAKE_AMDSMI`` (default ``"8xMI300X"``; see
``hwcore_fake_amdsmi.node``), or fails the way a broken install does (``"missing"``,
``"version-mismatch"``). Like the real wrapper it prints to stdout on import, so a test
also proves that hwcore keeps stdout clean. Product code has no switch for this: it
imports ``amdsmi`` as usual and gets this package.
"""

from __future__ import annotations

import os
import sys

import hwcore_fake_amdsmi  # next to this package, so on PYTHONPATH too

_SPEC = os.environ.get("HWCORE_FAKE_AMDSMI", "8xMI300X")
print(f"fake amdsmi: serving {_SPEC} (the real wrapper prints on import too)")
if _SPEC in hwcore_fake_amdsmi.IMPORT_FAILURES:
    hwcore_fake_amdsmi.fail_import(_SPEC)
hwcore_fake_amdsmi.node(_SPEC).populate(sys.modules[__name__])
