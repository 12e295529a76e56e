"""What the live tools read of the project's stack files: the client's expected values and the clients the
stacks define."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.config import ClientConfig, StackConfigError, parse_client_config
from toms.project import (
    ProjectFileError,
    ProjectNotFound,
    policy_config_file,
    project_root,
    read_project,
    read_stack_file,
    shown_path,
)

# What the audit compares with when the client has no stack file.
PACK_DEFAULT_BOUNDS = "pack default bounds"


class StackFileError(Exception):
    """A stack file the tool cannot use: exit 2 with the file, the key and what was expected."""


@dataclass(frozen=True)
class Expectations:
    """Where the expected values come from (a stack file, or the pack's bounds), the values, and the client's
    pack config beside the stack file (its waivers document the client's exceptions; empty without one)."""

    source: str
    config: ClientConfig | None
    policy_config: Mapping[str, Any] = field(default_factory=dict)


def read_policy_config(path: Path) -> dict[str, Any]:
    """The client's pack config, or {} when it has none; a file that is not a JSON object is an error."""
    shown = shown_path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StackFileError(f"{shown}: not a readable JSON pack config: {error}") from None
    if not isinstance(document, dict):
        raise StackFileError(f"{shown}: expected a JSON object of policy names to levels or settings")
    return document


def load_expectations(client: str, given: Path | None) -> Expectations:
    """The client's stack file, validated by the program's own code: `given`, else the repository's
    `stacks/Pulumi.<client>.yaml` when it exists, else the pack's default bounds. Raises ProjectNotFound
    when no stack file is given and the command is not inside a toms project."""
    try:
        if given is None:
            path = read_project(project_root()).stack_file(client)
            shown = shown_path(path)
            if not path.is_file():
                return Expectations(PACK_DEFAULT_BOUNDS, None)
        else:
            path, shown = given, str(given)
        # The project's own stack file is the client's stack: its toms:client must be the stack's name.
        config = parse_client_config(read_stack_file(path), shown, stack=client if given is None else None)
    except (ProjectFileError, StackConfigError) as error:
        raise StackFileError(str(error)) from None
    if config.client != client:
        raise StackFileError(
            f"{shown}: toms:client: the stack file is for {config.client!r}; expected {client!r} (--client)"
        )
    return Expectations(shown, config, read_policy_config(policy_config_file(path.parent, client)))


def stack_clients() -> list[str]:
    """The clients the repository's stack files define (stacks that cannot be read are left out: this
    only names candidates in a message)."""
    clients = []
    try:
        project = read_project(project_root())
    except (ProjectFileError, ProjectNotFound):
        return []
    for stack in project.stack_names():
        path = project.stack_file(stack)
        try:
            clients.append(parse_client_config(read_stack_file(path), shown_path(path)).client)
        except (ProjectFileError, StackConfigError):
            continue
    return sorted(set(clients))
