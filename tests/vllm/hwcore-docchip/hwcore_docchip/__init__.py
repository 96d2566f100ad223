"""hwcore-docchip: a backend written from hwcore's docs only (test data)."""

from __future__ import annotations
