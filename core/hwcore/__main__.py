"""``python -m hwcore``: the same as the ``hwcore`` command."""

from __future__ import annotations

import sys

from hwcore.cli.main import main

sys.exit(main())
