"""Attention-backend selection on the CPU: a priority list walked by the core's selector."""

from __future__ import annotations

CPU_ATTENTION_PRIORITY = ("TORCH_SDPA",)
"""Best first. hwcore-cpu ships no CPU-tuned backend of its own yet, so the core's portable
``TORCH_SDPA`` reference backend is the one choice; a plugin that adds a faster CPU backend
registers it and an engine can select it by name."""
