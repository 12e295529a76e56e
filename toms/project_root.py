"""Which toms project a command works on: `--project DIR`, else the nearest folder at or above the working
directory whose `Pulumi.yaml` names the project `toms`.

The installed `toms` command runs from any folder inside a project (`docs/`, `stacks/policy-config/`...).
A command asks for the root only when it needs the project's files (stack files, pack config, the program,
the pack), so `toms restore-drill` runs anywhere. Paths in messages are shown relative to that root, the
way the program names its stack file (`stacks/Pulumi.acme.yaml`), whatever the working directory.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import yaml

PROJECT_NAME = "toms"
PROJECT_FILE = "Pulumi.yaml"


class ProjectNotFound(Exception):
    """No toms project where the command looked: the message says where and what to do (exit code 2)."""


# The folder `--project` named for this command line; None means: look upward from the working directory.
_chosen: Path | None = None


def project_name(folder: Path) -> str | None:
    """The `name:` in `folder`'s Pulumi.yaml; None when there is no Pulumi.yaml or it names nothing."""
    project_file = folder / PROJECT_FILE
    try:
        document = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ProjectNotFound(f"{project_file}: cannot be read as a Pulumi project file: {error}") from None
    name = document.get("name") if isinstance(document, dict) else None
    return name if isinstance(name, str) else None


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding a Pulumi.yaml with `name: toms`. Other projects'
    Pulumi.yaml files on the way (a test fixture, a program checked with --program) are passed by."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if project_name(folder) == PROJECT_NAME:
            return folder
    raise ProjectNotFound(
        f"{start}: not inside a toms project (no folder from here upward holds a {PROJECT_FILE} with "
        f"`name: {PROJECT_NAME}`); run toms inside the project's folder or name it with --project DIR"
    )


def select_project(folder: Path | None) -> None:
    """Make `folder` (from `--project`) the project of this command line, or, with None, look upward from
    the working directory. Raises ProjectNotFound when the folder is not a toms project."""
    global _chosen
    if folder is None:
        _chosen = None
        return
    resolved = folder.expanduser().resolve()
    if not resolved.is_dir():
        raise ProjectNotFound(f"--project {folder}: the folder does not exist")
    name = project_name(resolved)
    if name != PROJECT_NAME:
        found = (
            f"no {PROJECT_FILE} in it"
            if not (resolved / PROJECT_FILE).is_file()
            else f"its {PROJECT_FILE} names the project {name!r}"
            if name
            else f"its {PROJECT_FILE} names no project"
        )
        raise ProjectNotFound(
            f"--project {folder}: not a toms project ({found}); expected the folder holding a "
            f"{PROJECT_FILE} with `name: {PROJECT_NAME}`"
        )
    _chosen = resolved


def project_root() -> Path:
    """The project this command works on (see the module docstring)."""
    return _chosen if _chosen is not None else find_project_root(Path.cwd())


def shown_path(path: Path) -> str:
    """A path as messages name it: relative to the project root when inside it (as the program names its
    stack file), else relative to the working directory when inside that, else absolute."""
    resolved = path.resolve()
    bases = [Path.cwd()]
    with contextlib.suppress(ProjectNotFound):
        bases.insert(0, project_root())
    for base in bases:
        if resolved.is_relative_to(base):
            return str(resolved.relative_to(base))
    return str(path)


def add_project_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """`--project DIR`, accepted before the command and after it (a subcommand's copy leaves the value
    alone when not given)."""
    parser.add_argument(
        "--project",
        type=Path,
        metavar="DIR",
        default=None if top_level else argparse.SUPPRESS,
        help=f"the toms project to work on: the folder holding its {PROJECT_FILE} "
        "(default: found from the working directory upward)",
    )
