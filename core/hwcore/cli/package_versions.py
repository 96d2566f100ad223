"""Versions of the packages a bug report needs, read from installed metadata and files.

Nothing here imports the packages it reports on: importing torch takes seconds and starts
its runtime, ``import libtpu`` writes ``TPU_LIBRARY_PATH`` into the environment, ``import
jax`` claims the TPU chips, ``import tpu_inference`` asks the GCE metadata server, and
``pynvml``/``amdsmi``/``pyzes`` load their driver libraries (amdsmi prints and raises
``KeyError`` where ROCm is missing). ``importlib.metadata`` reads the ``*.dist-info``
folders; torch's build versions come from the text of ``torch/version.py``.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import os

REPORTED_DISTRIBUTIONS = (
    "torch",
    "numpy",
    "pluggy",
    "psutil",
    "nvidia-ml-py",  # NVML bindings (import name pynvml), used by hwcore-cuda
    "pynvml",  # the deprecated distribution of the same import name: a known conflict
    "amdsmi",
    "pyzes",
    "libtpu",
    "jax",
    "jaxlib",
    "tpu-inference",
    "intel-extension-for-pytorch",
    "vllm",
    "ray",
)
"""torch, hwcore's one dependency, and every vendor or engine library a backend may use."""

TORCH_BUILD_FIELDS = ("cuda", "hip", "rocm", "xpu", "git_version")


def installed_version(distribution: str) -> str | None:
    """The installed version of ``distribution``, or ``None`` when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def reported_versions() -> dict[str, str | None]:
    """``REPORTED_DISTRIBUTIONS`` with their versions (``None``: not installed)."""
    return {name: installed_version(name) for name in REPORTED_DISTRIBUTIONS}


def torch_build() -> dict[str, str | None]:
    """What the installed torch was built for (``{"cuda": "12.8", "hip": None, ...}``),
    from ``torch/version.py`` read as text; empty when torch is not installed."""
    spec = importlib.util.find_spec("torch")  # a top-level name: searches, never imports
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = os.path.join(next(iter(spec.submodule_search_locations)), "version.py")
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=path)
    values = dict.fromkeys(TORCH_BUILD_FIELDS)
    for node in tree.body:
        target, value = _assignment(node)
        if target in values and value is not None:
            values[target] = _literal(value)
    return values


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return (target.id if isinstance(target, ast.Name) else None), node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _literal(node: ast.expr) -> str | None:
    try:
        value = ast.literal_eval(node)
    except ValueError:  # an expression, not a literal: report it as written
        return ast.unparse(node)
    return None if value is None else str(value)
