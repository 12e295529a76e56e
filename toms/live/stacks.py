"""What the live tools read of the project's stack files: the client's expected values and the clients the
stacks define."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from components.config import ClientConfig, StackConfigError, parse_client_config
from toms.project import ProjectFileError, read_project, read_stack_file

# What the audit compares with when the client has no stack file.
PACK_DEFAULT_BOUNDS = "pack default bounds"
REPOSITORY = Path(__file__).resolve().parents[2]


class StackFileError(Exception):
    """A stack file the tool cannot use: exit 2 with the file, the key and what was expected."""


@dataclass(frozen=True)
class Expectations:
    """Where the expected values come from (a stack file, or the pack's bounds), and the values."""

    source: str
    config: ClientConfig | None


def load_expectations(client: str, given: Path | None) -> Expectations:
    """The client's stack file, validated by the program's own code: `given`, else the repository's
    `stacks/Pulumi.<client>.yaml` when it exists, else the pack's default bounds."""
    try:
        if given is None:
            path = read_project(REPOSITORY).stack_file(client)
            shown = str(path.relative_to(REPOSITORY))
            if not path.is_file():
                return Expectations(PACK_DEFAULT_BOUNDS, None)
        else:
            path, shown = given, str(given)
        config = parse_client_config(read_stack_file(path), shown)
    except (ProjectFileError, StackConfigError) as error:
        raise StackFileError(str(error)) from None
    if config.client != client:
        raise StackFileError(
            f"{shown}: toms:client: the stack file is for {config.client!r}; expected {client!r} (--client)"
        )
    return Expectations(shown, config)


def stack_clients() -> list[str]:
    """The clients the repository's stack files define (stacks that cannot be read are left out: this
    only names candidates in a message)."""
    clients = []
    try:
        project = read_project(REPOSITORY)
    except ProjectFileError:
        return []
    for stack in project.stack_names():
        path = project.stack_file(stack)
        try:
            clients.append(parse_client_config(read_stack_file(path), str(path)).client)
        except (ProjectFileError, StackConfigError):
            continue
    return sorted(set(clients))
