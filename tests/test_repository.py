"""The repository keeps its promises: CI runs the README's test command, pins hold."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).parents[1]


def command_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_ci_runs_the_readme_test_command():
    ci = command_lines((ROOT / ".ci" / "run").read_text())
    readme = (ROOT / "README.md").read_text()
    commands = ci[ci.index('cd "$(dirname "$0")/.."') + 1 :]
    test_command = commands[0]
    assert test_command.startswith("python3 -m pip install")
    # What CI runs after it (the vLLM session) is in the README's test section too.
    for command in commands:
        assert f"\n{command}\n" in readme, command


def test_torch_is_pinned_and_never_a_hard_dependency():
    constraints = command_lines((ROOT / "constraints" / "torch.txt").read_text())
    assert constraints == ["torch==2.13.0"]
    for pyproject in [ROOT / "pyproject.toml", *ROOT.glob("plugins/*/pyproject.toml")]:
        project = tomllib.loads(pyproject.read_text())["project"]
        names = {re.split(r"[\s<>=!~;\[]", requirement)[0] for requirement in project["dependencies"]}
        assert "torch" not in names, f"{pyproject}: torch is a peer dependency, never a hard one"
        assert "pynvml" not in names, f"{pyproject}: depend on nvidia-ml-py, never pynvml"


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s<>=!~;\[]", requirement)[0] for requirement in requirements}


def test_no_test_extra_names_torch(tmp_path):
    """A ``[test]`` extra is installed into fresh environments (``pip install -e '.[test]'``),
    where any ``torch`` requirement fetches the newest CUDA build: the backends, the tutorial
    plugin and what ``hwcore new-plugin`` writes leave torch to the user (the tutorial and
    the template name it in no extra at all)."""
    from hwcore.cli.new_plugin import plan, write

    generated = plan("acmechip", tmp_path)
    write(generated)
    written_by_docs = [*ROOT.glob("docs/tutorial/*/pyproject.toml"),
                       generated.folder / "pyproject.toml"]
    for pyproject in [*ROOT.glob("plugins/*/pyproject.toml"), *written_by_docs]:
        extras = tomllib.loads(pyproject.read_text())["project"].get("optional-dependencies", {})
        for extra, requirements in extras.items():
            if extra == "test" or pyproject in written_by_docs:
                assert "torch" not in _requirement_names(requirements), f"{pyproject} [{extra}]"
    assert len(written_by_docs) == 2


def test_the_tutorial_build_output_is_ignored_by_git():
    """docs/tutorial.md builds the plugin's wheel into its own dist/ folder."""
    ignored = [line.strip() for line in (ROOT / ".gitignore").read_text().splitlines()]
    assert "/docs/tutorial/*/dist/" in ignored
    assert "dist/" not in ignored  # that would also hide tests/dist
