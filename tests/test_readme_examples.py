"""README.md's examples, then those of the documents in DOCUMENTS, are what the commands print: each ```text
block that starts with `$ toms ...` is run as written, in that order, with the installed `toms` command in a copy of the project (AWS answered by
moto's server on 127.0.0.1), and its first lines must be the lines README shows before `...`; lines README
shows after a `...` must be the output's last lines. Only what changes from run to run is masked: durations
and the timestamps in a restore drill's names."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.toms.moto_baseline import (
    ENVIRONMENT_TO_CLEAR,
    FAKE_CREDENTIALS,
    build_baseline,
    in_account,
    moto_server,
    stack_config,
)

README = (REPO / "README.md").read_text(encoding="utf-8")
# Documents whose examples run after README's, in this order, against the same project and account.
DOCUMENTS = (REPO / "docs" / "audit-and-drill.md",)
TOMS = Path(sys.executable).parent / "toms"
ELISION = "..."
# What differs between two runs of the same command: durations, and the time in a drill's names.
VARIABLE = [
    (re.compile(r"\b\d+(\.\d+)? s\b"), "<seconds> s"),
    (re.compile(r"\b\d{14}\b"), "<timestamp>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}-\d{2}-\d{2}\b"), "<snapshot time>"),
]
# What the project copy leaves out: virtualenvs, caches and what no command reads.
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "__pycache__", "*_cache", "docs", "out", "build"
)


@dataclass(frozen=True)
class Example:
    """A command and the parts of its output README shows: runs of lines separated by `...`. The first run
    is the output's first lines (unless the block starts with `...`), the last run its last lines (unless the
    block ends with `...`), and the runs between appear in that order."""

    command: str
    shown: list[str]

    @property
    def runs(self) -> list[list[str]]:
        runs: list[list[str]] = [[]]
        for line in self.shown:
            if line == ELISION:
                runs.append([])
            else:
                runs[-1].append(line)
        return runs


def examples(text: str = README) -> list[Example]:
    return [
        Example(command.removeprefix("$ "), shown)
        for command, *shown in (
            block.rstrip("\n").split("\n")
            for block in re.findall(r"^```text\n(\$ toms .*?)^```", text, re.MULTILINE | re.DOTALL)
        )
    ]


def every_example() -> list[Example]:
    """README's examples, then each document's."""
    return [
        *examples(),
        *(example for document in DOCUMENTS for example in examples(document.read_text(encoding="utf-8"))),
    ]


def matches(output: list[str], example: Example) -> bool:
    """Whether `output` shows what README does (see Example)."""
    output, runs = masked(output), [masked(run) for run in example.runs]
    first, *middle, last = runs if len(runs) > 1 else [runs[0], runs[0]]
    if len(runs) == 1:
        return output == first
    if output[: len(first)] != first or (last and output[len(output) - len(last) :] != last):
        return False
    position = len(first)
    for run in middle:
        found = next(
            (
                start
                for start in range(position, len(output) - len(run) + 1)
                if output[start : start + len(run)] == run
            ),
            None,
        )
        if found is None:
            return False
        position = found + len(run)
    return position <= len(output) - len(last)


def masked(lines: list[str]) -> list[str]:
    for pattern, replacement in VARIABLE:
        lines = [pattern.sub(replacement, line) for line in lines]
    return [line.rstrip() for line in lines]


# What README says the reader did before a command, so the command meets the same files.
def _copy_acme_as_beta(project: Path) -> None:
    """README: a copy of acme's stack file as beta, logDays 42 and replicas 1, toms:client not changed."""
    document = yaml.safe_load((project / "stacks" / "Pulumi.acme.yaml").read_text())
    document["config"]["toms:retention"]["logDays"] = 42
    document["config"]["toms:service"]["replicas"] = 1
    (project / "stacks" / "Pulumi.beta.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    shutil.copy(
        project / "stacks" / "policy-config" / "acme.json", project / "stacks" / "policy-config" / "beta.json"
    )


SETUP = {"toms preview --stack beta": _copy_acme_as_beta}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("readme") / "toms"
    shutil.copytree(REPO, copy, ignore=COPY_IGNORE)
    # The program's virtualenv (Pulumi.yaml: runtime.options.virtualenv) is the one `make` built.
    (copy / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return copy


@pytest.fixture(scope="module")
def aws_endpoint() -> Iterator[str]:
    """acme's baseline, built in its own account on moto's server."""
    with moto_server() as url:
        build_baseline(stack_config("acme"))
        yield url


def run_example(command: str, project: Path, endpoint: str) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ENVIRONMENT_TO_CLEAR and not name.startswith("AWS_")
    }
    environment.update(FAKE_CREDENTIALS, AWS_ENDPOINT_URL=endpoint, NO_COLOR="1")
    if command in SETUP:
        SETUP[command](project)
    with in_account(stack_config("acme").account_id):
        return subprocess.run(
            [str(TOMS), *command.split()[1:]],
            cwd=project,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def test_readme_shows_examples() -> None:
    commands = [example.command.split()[1] for example in examples()]
    assert {"preview", "audit", "restore-drill", "report"} <= set(commands), commands


def test_the_audit_document_shows_an_audit_example() -> None:
    (document,) = DOCUMENTS
    assert [example.command for example in examples(document.read_text(encoding="utf-8"))] == [
        "toms audit --client acme"
    ]


def test_each_example_prints_what_readme_shows(project: Path, aws_endpoint: str) -> None:
    """In README order, then the documents': the report reads the evidence the audit and the drill examples
    wrote."""
    for example in every_example():
        completed = run_example(example.command, project, aws_endpoint)
        output = (completed.stdout + completed.stderr).rstrip("\n").split("\n")
        assert matches(output, example), f"$ {example.command}\n" + "\n".join(output)


@pytest.mark.parametrize(
    ("shown", "output", "expected"),
    [
        (["a", "b"], ["a", "b"], True),
        (["a", "b"], ["a", "b", "c"], False),
        (["a", "...", "c"], ["a", "b", "c"], True),
        (["a", "...", "x", "..."], ["a", "b", "x", "c"], True),
        (["a", "...", "x", "...", "c"], ["a", "x", "b"], False),
        (["...", "c"], ["a", "b", "c"], True),
        (["a", "...", "c", "...", "b", "...", "d"], ["a", "b", "c", "d"], False),
        (["took 1.2 s", "..."], ["took 0.7 s", "more"], True),
    ],
)
def test_matching_a_shown_excerpt(shown: list[str], output: list[str], expected: bool) -> None:
    assert matches(output, Example("toms x", shown)) is expected
