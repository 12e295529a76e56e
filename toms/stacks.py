"""`python -m toms stacks`: which client stacks a CI run previews or deploys, as JSON for a job matrix.

The users' workflow (.github/workflows/toms.yml) asks this command for its matrix instead of naming
clients, so adding a client is adding its two files. On a pull request (`--changed-since REF`) the run
narrows to the stacks the change touches, but only when every changed file is a stack file or a stack's
pack config: any other file (the program, a component, the pack, requirements) can change every stack, so
every stack is previewed. An empty change narrows nothing either. A stack whose files the change deleted
is gone and is not previewed.

Exit codes: 0 with the JSON list on stdout (and in `$GITHUB_OUTPUT` with `--github-output`), 2 when git
cannot list the changes or the list cannot become a GitHub matrix.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from toms import deploy
from toms.project import project_root

COMMAND = "stacks"
HELP = "List the client stacks as JSON for a CI matrix: every stack, or those a change affects."

# GitHub expands one matrix into at most 256 jobs per workflow run; past that the run fails to start.
GITHUB_MATRIX_LIMIT = 256
# The job output the workflow's matrix reads: `fromJSON(needs.stacks.outputs.stacks)`.
OUTPUT_NAME = "stacks"

_STACK_FILE = re.compile(rf"^{re.escape(str(deploy.STACKS_DIR))}/Pulumi\.(?P<client>[^/]+)\.yaml$")
_PACK_CONFIG_FILE = re.compile(rf"^{re.escape(str(deploy.PACK_CONFIG_DIR))}/(?P<client>[^/]+)\.json$")


class SelectionError(Exception):
    """The change list cannot be read or the selection cannot become a matrix (exit code 2)."""


@dataclass(frozen=True)
class Selection:
    stacks: tuple[str, ...]
    # Why these stacks, in one line for the CI log.
    reason: str


def client_of(path: str) -> str | None:
    """The client a changed file belongs to when it is a stack file or a pack config, else None."""
    match = _STACK_FILE.fullmatch(path) or _PACK_CONFIG_FILE.fullmatch(path)
    return match["client"] if match else None


def affected_stacks(changed: Iterable[str], stacks: Sequence[str]) -> Selection:
    """The stacks a change affects: those whose own files it touches when it touches nothing else,
    otherwise every stack. `changed` holds paths relative to the project root, `/`-separated."""
    paths = sorted(set(changed))
    if not paths:
        return Selection(tuple(stacks), "no changed files: every stack")
    others = [path for path in paths if client_of(path) is None]
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        return Selection(tuple(stacks), f"{shown} can affect every stack: every stack")
    touched = {client_of(path) for path in paths}
    chosen = tuple(stack for stack in stacks if stack in touched)
    gone = sorted(str(client) for client in touched if client not in stacks)
    reason = "only stack files changed"
    if gone:
        reason += f" ({', '.join(gone)} no longer has a stack file)"
    return Selection(chosen, reason)


def _git(root: Path, *args: str) -> str:
    try:
        completed = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise SelectionError(f"cannot run git: {error}") from None
    if completed.returncode != 0:
        raise SelectionError(f"git {' '.join(args)} failed: {completed.stderr.strip()}")
    return completed.stdout


def changed_files(root: Path, since: str) -> list[str]:
    """Files a branch changed since it left `since` (`git diff since...HEAD`), relative to the project
    root. A file outside the project keeps its path from the repository's top, so it counts as 'other'."""
    try:
        diff = _git(root, "diff", "--name-only", "--no-renames", "-z", f"{since}...HEAD", "--")
    except SelectionError as error:
        raise SelectionError(
            f"cannot list the files changed since {since}: {error}. In CI, check out with fetch-depth: 0 "
            "so the base branch and the merge base are present"
        ) from None
    prefix = _git(root, "rev-parse", "--show-prefix").strip()
    return [
        path.removeprefix(prefix) if path.startswith(prefix) else path for path in diff.split("\0") if path
    ]


def client_stacks(root: Path) -> list[str]:
    """Every stack in stacks/; a file whose stack name is not a client name stops the run, since the
    name reaches job names, environments and command lines."""
    stacks = deploy.client_stacks(root)
    for stack in stacks:
        try:
            deploy.client_name(stack)
        except argparse.ArgumentTypeError as error:
            raise SelectionError(f"{deploy.stack_file(stack)}: {error}") from None
    return stacks


def select(root: Path, since: str | None) -> Selection:
    stacks = client_stacks(root)
    if since is None:
        selection = Selection(tuple(stacks), "every stack")
    else:
        selection = affected_stacks(changed_files(root, since), stacks)
    if len(selection.stacks) > GITHUB_MATRIX_LIMIT:
        raise SelectionError(
            f"{len(selection.stacks)} stacks selected, more than the {GITHUB_MATRIX_LIMIT} jobs GitHub "
            "expands one matrix into; run the previews and updates with Pulumi Deployments instead "
            "(docs/deploying.md)"
        )
    return selection


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--changed-since",
        metavar="REF",
        help="only the stacks the changes since REF affect (a pull request's base, e.g. origin/main), "
        "when only stack files and pack configs changed; every stack otherwise",
    )
    parser.add_argument(
        "--github-output",
        action="store_true",
        help=f"also append {OUTPUT_NAME}=<JSON list> to the file named by $GITHUB_OUTPUT",
    )


def run(args: argparse.Namespace) -> int:
    output_file = os.environ.get("GITHUB_OUTPUT") if args.github_output else None
    try:
        if args.github_output and not output_file:
            raise SelectionError("--github-output: $GITHUB_OUTPUT is not set (it is set inside a GitHub job)")
        selection = select(project_root(), args.changed_since)
    except SelectionError as error:
        print(f"toms stacks: {error}", file=sys.stderr)
        return 2
    matrix = json.dumps(list(selection.stacks), separators=(",", ":"))
    print(
        f"{len(selection.stacks)} stack{'s' if len(selection.stacks) != 1 else ''}: {selection.reason}",
        file=sys.stderr,
    )
    print(matrix)
    if output_file:
        with Path(output_file).open("a", encoding="utf-8") as output:
            output.write(f"{OUTPUT_NAME}={matrix}\n")
    return 0
