"""Attention backends: the registry, selection, the runtime interface and TORCH_SDPA."""
