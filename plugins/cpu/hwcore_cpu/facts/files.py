"""Reading ``/proc`` and ``/sys`` under a root that tests replace.

Plain ``os`` calls rather than ``pathlib``: importing ``pathlib`` (and the ``urllib`` it
pulls in) costs a few milliseconds of every hwcore command's start-up on a 2-core machine,
and these are a handful of small reads. Roots may be ``str`` or any path-like object.
"""

from __future__ import annotations

import os
from typing import Union

Root = Union[str, "os.PathLike[str]"]


def join(root: Root, *parts: str) -> str:
    return os.path.join(os.fspath(root), *parts)


def read_text(root: Root, *parts: str) -> str:
    """The file's text (ASCII, as the kernel writes these files); ``OSError`` if missing."""
    with open(join(root, *parts), encoding="ascii") as handle:
        return handle.read()


def list_names(root: Root, *parts: str) -> list[str]:
    """The entry names of a folder; ``OSError`` if it is missing."""
    return os.listdir(join(root, *parts))
