"""Links between GPUs, from amdsmi or the KFD topology, and vLLM's full-connectivity rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

XGMI = 2  # AMDSMI_LINK_TYPE_XGMI (PCIE is 1); the KFD reader translates its own codes


@dataclass(frozen=True)
class Link:
    """How GPUs ``first`` and ``second`` (physical indices) are linked."""

    first: int
    second: int
    hops: int
    link_type: int


def xgmi_fully_connected(links: Sequence[Link], physical_ids: Sequence[int]) -> bool:
    """Whether every pair of ``physical_ids`` is one XGMI hop apart (vLLM's rule).

    A pair without a reading counts as not connected: a custom all-reduce over a link
    that is not there would hang, so "unknown" must mean "no".
    """
    by_pair = {frozenset((link.first, link.second)): link for link in links}
    for position, first in enumerate(physical_ids):
        for second in physical_ids[position + 1 :]:
            link = by_pair.get(frozenset((first, second)))
            if link is None or link.hops != 1 or link.link_type != XGMI:
                return False
    return True
