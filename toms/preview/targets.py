"""Where a preview's targets come from: a client stack of the project (its stack file and pack config) or
any Pulumi Python program (its stack file, `--config`, invoke answers and stack references). Reads files
only, so a command can start the program before it loads the preview's heavier side."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from toms.offline.program_process import ProgramProcess
from toms.offline.records import ProgramError, aws_place
from toms.preview.model import PreviewError, PreviewTarget
from toms.project import (
    POLICY_CONFIG_FOLDER,
    ProjectFileError,
    project_root,
    read_project,
    read_stack_file,
    read_yaml,
    shown_path,
)

# A message that begins with a file (`stacks/Pulumi.acme.yaml: `, `helpers.py:12: `).
NAMES_A_FILE = re.compile(r"^[^:\s]+\.(yaml|yml|py|json)(:\d+)?: ")
# The stack name a `--program` run gets when none is given.
DEFAULT_PROGRAM_STACK = "dev"


def default_pack() -> Path:
    """The project's own policy pack: `policies/` in the project root."""
    return project_root() / "policies"


def policy_config_dir() -> Path:
    """Where the project keeps each client's pack config, `<client>.json`."""
    return project_root() / "stacks" / POLICY_CONFIG_FOLDER


# --- targets ------------------------------------------------------------------------------------------


def parse_config_pairs(pairs: Sequence[str], project: str) -> dict[str, str]:
    """`--config KEY=VALUE` values; a key without a namespace belongs to the project, as with the CLI."""
    config: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise PreviewError(f"--config {pair!r}: expected KEY=VALUE, for example toms:client=acme")
        config[key if ":" in key else f"{project}:{key}"] = value
    return config


def stack_target(
    stack: str, policy_config_file: Path | None = None, *, default_policy_config: bool = True
) -> PreviewTarget:
    """A client stack of this repository, with its stack file and (when the pack is this repository's
    and no file is given) the client's policy config."""
    root = project_root()
    project = read_project(root)
    stack_file = project.stack_file(stack)
    if not stack_file.is_file():
        known = ", ".join(repo_stacks()) or "none"
        raise PreviewError(f"{shown_path(stack_file)}: no such stack file (stacks of this project: {known})")
    config = read_stack_file(stack_file)
    client_policy_config = policy_config_dir() / f"{stack}.json"
    if policy_config_file is None and default_policy_config:
        if not client_policy_config.is_file():
            shown = shown_path(client_policy_config)
            raise PreviewError(
                f"{shown}: does not exist: the policy pack has no configuration for {stack!r}, so it would "
                f"judge {stack!r} against the pack's defaults instead of that client's agreement "
                f"(`toms deploy` refuses it too). Write {shown} first."
            )
        policy_config_file = client_policy_config
    return PreviewTarget(root, stack, config, stack_file, policy_config_file, main=project.main)


def repo_stacks() -> list[str]:
    """Every stack in this project's stackConfigDir."""
    return read_project(project_root()).stack_names()


def program_target(
    program_dir: Path,
    stack: str | None,
    pairs: Sequence[str],
    config_file: Path | None,
    policy_config_file: Path | None,
    *,
    invoke_answers: Mapping[str, Mapping[str, Any]] | None = None,
    stack_references: Mapping[str, Mapping[str, Any]] | None = None,
) -> PreviewTarget:
    """Any Pulumi Python program: config from `--config-file`, else its own stack file when there is one,
    then `--config` pairs on top (which also stand in for the file's encrypted `secure:` values)."""
    if not program_dir.is_dir():
        raise PreviewError(f"--program {program_dir}: the folder does not exist")
    program_dir = program_dir.resolve()
    project = read_project(program_dir)
    stack = stack or DEFAULT_PROGRAM_STACK
    candidate = config_file or project.stack_file(stack)
    stack_file = candidate if config_file is not None or candidate.is_file() else None
    given = parse_config_pairs(pairs, project.name)
    config = read_stack_file(stack_file, given=given.keys()) if stack_file is not None else {}
    config.update(given)
    return PreviewTarget(
        program_dir,
        stack,
        config,
        stack_file,
        policy_config_file,
        invoke_answers=invoke_answers or {},
        stack_references=stack_references or {},
        main=project.main,
    )


def _read_mapping_file(path: Path, option: str, what: str) -> dict[str, dict[str, Any]]:
    """A YAML (or JSON) file of name -> mapping, for --invoke-answers and --stack-reference."""
    try:
        document = read_yaml(path, f"{option} {path}: no such file")
    except ProjectFileError as error:
        raise PreviewError(str(error)) from None
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise PreviewError(f"{path}: expected a mapping of {what}")
    entries: dict[str, dict[str, Any]] = {}
    for key, value in document.items():
        if not isinstance(key, str) or not isinstance(value, Mapping):
            raise PreviewError(f"{path}: {key}: expected a mapping of {what}")
        entries[key] = dict(value)
    return entries


def read_invoke_answers(path: Path) -> dict[str, dict[str, Any]]:
    """`--invoke-answers FILE`: provider function token (aws:ec2/getVpc:getVpc) -> its result."""
    answers = _read_mapping_file(path, "--invoke-answers", "provider function tokens to results")
    for token in answers:
        if token.count(":") != 2:
            raise PreviewError(
                f"{path}: {token}: expected a provider function token such as aws:ec2/getVpc:getVpc"
            )
    return answers


def read_stack_references(path: Path) -> dict[str, dict[str, Any]]:
    """`--stack-reference FILE`: stack name (org/project/stack) -> its outputs."""
    return _read_mapping_file(path, "--stack-reference", "stack names to their outputs")


def load_policy_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PreviewError(f"{path}: no such policy pack config file") from None
    except json.JSONDecodeError as error:
        raise PreviewError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise PreviewError(f"{path}: expected a JSON object of policy names to levels or settings")
    return document


# --- starting the program ------------------------------------------------------------------------------


def program_failure(target: PreviewTarget, error: ProgramError) -> PreviewError:
    message = str(error)
    # A message that starts with the file it is about (a project file, the program's own line) keeps it;
    # any other is about the stack's config and names the stack file.
    if target.stack_file is not None and not NAMES_A_FILE.match(message):
        message = f"{shown_path(target.stack_file)}: {message}"
    return PreviewError(message)


def start_program(target: PreviewTarget) -> ProgramProcess:
    """Start the target's program in its own interpreter, so it runs while toms gets the pack ready."""
    try:
        project = read_project(target.program_dir)
        return ProgramProcess(
            project,
            target.stack,
            target.config,
            aws_place(target.config),
            invoke_answers=target.invoke_answers,
            stack_references=target.stack_references,
        )
    except ProjectFileError as error:
        raise PreviewError(str(error)) from None
    except ProgramError as error:
        raise program_failure(target, error) from None
