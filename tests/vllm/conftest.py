"""hwcore-vllm under the real vLLM 0.33.0 wheel, for ``nox -s vllm``.

One process resolves one vLLM platform (``vllm.platforms`` caches it), so every case runs
in a fresh interpreter: ``run_vllm(script, env)`` runs a script with a clean environment
(no ``HWCORE_*``, ``VLLM_*`` or ``DOCCHIP_*`` variables of the caller's), offline, with
vLLM's cache in a temporary folder, and returns what the script recorded. A script
records with ``record(name, value)``; ``error_of(call)`` gives an exception's type and
message. No model is downloaded: ``tiny_model`` is a config-only Llama written here.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

VLLM_VERSION = "0.33.0"
RESULT_PREFIX = "RESULT "

# Set up before the script: vLLM configures its log handler only when it builds an engine,
# and the bridge's decision (logged on vllm.hwcore_vllm) comes earlier.
PRELUDE = """\
import json, logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
_results = {}

def record(name, value):
    _results[name] = value

def error_of(call):
    try:
        call()
    except Exception as error:
        return [type(error).__name__, str(error)]
    return None

"""
EPILOGUE = f"\nprint({RESULT_PREFIX!r} + json.dumps(_results, default=repr))\n"

# A two-layer Llama small enough to build a config from; architectures is set so vLLM
# resolves LlamaForCausalLM, as for a real checkpoint.
TINY_LLAMA = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "vocab_size": 256,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 256,
    "torch_dtype": "bfloat16",
}


@pytest.fixture(autouse=True)
def _vllm_installed() -> None:
    try:
        version = importlib.metadata.version("vllm")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"vLLM {VLLM_VERSION} is not installed here: run these through "
                    "`python3 -m nox -s vllm`")
    if version != VLLM_VERSION:
        pytest.skip(f"these tests are for vLLM {VLLM_VERSION}, and {version} is installed: "
                    "run them through `python3 -m nox -s vllm`")


@dataclass
class Run:
    results: dict[str, Any]
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def vllm_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the session: vLLM's model-inspection results are reused."""
    return tmp_path_factory.mktemp("vllm-cache")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("tiny-llama")
    (folder / "config.json").write_text(json.dumps(TINY_LLAMA))
    return str(folder)


@pytest.fixture
def run_vllm(vllm_cache: Path) -> Callable[..., Run]:
    def run(script: str, env: dict[str, str] | None = None) -> Run:
        base = {
            name: value for name, value in os.environ.items()
            if not name.startswith(("HWCORE_", "VLLM_", "DOCCHIP_"))
        }
        base.update({"HF_HUB_OFFLINE": "1", "VLLM_CACHE_ROOT": str(vllm_cache)})
        code = PRELUDE + textwrap.dedent(script) + EPILOGUE
        process = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True,
            env={**base, **(env or {})}, timeout=300,
        )
        lines = [line for line in process.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
        if process.returncode != 0 or not lines:
            raise AssertionError(
                f"the script exited {process.returncode}\nstdout:\n{process.stdout}\n"
                f"stderr:\n{process.stderr}"
            )
        return Run(json.loads(lines[-1][len(RESULT_PREFIX):]), process.stdout, process.stderr)

    return run
