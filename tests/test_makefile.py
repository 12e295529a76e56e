"""What the Makefile's targets leave in the checkout: `make clean` removes it and git ignores it, so a
`git status` after `make preview`, `make test`, `make policy-venv` or `make bench` shows only real changes."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import REPO

MAKEFILE = (REPO / "Makefile").read_text(encoding="utf-8")
# Folders the tools themselves create inside the checkout when make runs them: pytest's, mypy's and ruff's
# caches, and the editable install's metadata (setuptools writes <name>.egg-info next to pyproject.toml).
TOOL_FOLDERS = (".pytest_cache", ".mypy_cache", ".ruff_cache", "toms.egg-info", "build")


def expand(text: str) -> str:
    """Make's `$(NAME)` references, from the Makefile's own `NAME := value` lines."""
    variables = dict(re.findall(r"^(\w+) :?= (.+)$", MAKEFILE, re.MULTILINE))
    while match := re.search(r"\$\((\w+)\)", text):
        text = text.replace(match[0], variables[match[1]])
    return text


def created_by_targets() -> set[str]:
    """Every virtualenv a recipe creates (`-m venv DIR`), plus the tools' own folders."""
    venvs = {expand(folder) for folder in re.findall(r"-m venv (\S+)", MAKEFILE)}
    return venvs | set(TOOL_FOLDERS)


def removed_by_clean() -> set[str]:
    (recipe,) = re.findall(r"^clean:\n\trm -rf (.+)$", MAKEFILE, re.MULTILINE)
    return {expand(folder) for folder in recipe.split()}


def test_the_targets_create_both_virtualenvs() -> None:
    assert {".venv", "policies/venv"} <= created_by_targets()


def test_clean_removes_every_folder_a_target_creates() -> None:
    assert created_by_targets() <= removed_by_clean()


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="not a git checkout")
@pytest.mark.parametrize("folder", sorted(created_by_targets() | removed_by_clean()))
def test_git_ignores_every_folder_a_target_creates(folder: str) -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", f"{folder}/"], cwd=REPO, check=False, capture_output=True
    )
    assert ignored.returncode == 0, f"{folder}/ is not in .gitignore"
