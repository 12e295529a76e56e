"""A Pulumi project's own files, read the way the Pulumi CLI reads them, for every tool.

`Pulumi.yaml` (the project's name, runtime, stack config folder and the program's virtualenv) and
`Pulumi.<stack>.yaml` (the stack's config, flattened as the CLI hands it to a program). The live tools
(audit, drill, report) and the offline preview read stacks through these functions alone, so neither
needs the other's dependencies: nothing here imports the Pulumi SDK.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_FILE = "Pulumi.yaml"


class ProjectFileError(Exception):
    """A project or stack file that cannot be used; the message names the file, the key and what was
    expected."""


@dataclass(frozen=True)
class Project:
    """What `Pulumi.yaml` says about a Python program."""

    name: str
    # The program's folder (where Pulumi.yaml is).
    program_dir: Path
    # Where the `Pulumi.<stack>.yaml` files are (`stackConfigDir`, default the program's folder).
    config_dir: Path
    # `runtime.options.virtualenv`, resolved against the program's folder; None when not set.
    virtualenv: Path | None = None

    def stack_file(self, stack: str) -> Path:
        return self.config_dir / f"Pulumi.{stack}.yaml"

    def stack_names(self) -> list[str]:
        return stack_names(self.config_dir)


def flatten_stack_config(
    raw_config: Mapping[str, Any], source: str, *, given: Collection[str] = ()
) -> dict[str, str]:
    """Config values as the Pulumi CLI passes them to a program: text, structured values as JSON.

    An encrypted (`secure:`) value cannot be read offline: it is left out when its key is among `given`
    (values passed with --config), and otherwise every such key is named in one error."""
    flat: dict[str, str] = {}
    encrypted: list[str] = []
    for key, value in raw_config.items():
        if not isinstance(key, str) or ":" not in key:
            raise ProjectFileError(
                f"{source}: config key {key!r}: expected a namespaced key such as toms:client"
            )
        if isinstance(value, Mapping) and set(value) == {"secure"}:
            if key not in given:
                encrypted.append(key)
            continue
        if isinstance(value, Mapping | list):
            flat[key] = json.dumps(value)
        elif isinstance(value, bool):
            flat[key] = "true" if value else "false"
        elif value is None:
            flat[key] = ""
        else:
            flat[key] = str(value)
    if encrypted:
        lines = "\n".join(f"  --config {key}=VALUE" for key in encrypted)
        raise ProjectFileError(
            f"{source}: {', '.join(encrypted)}: encrypted secret{'s' if len(encrypted) > 1 else ''}; an "
            f"offline run cannot decrypt {'them' if len(encrypted) > 1 else 'it'}, pass a plain value with\n"
            f"{lines}"
        )
    return flat


def read_yaml(path: Path, when_missing: str) -> Any:
    """A YAML file's document; a ProjectFileError naming the file when it is missing, unreadable or not
    YAML."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectFileError(when_missing) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectFileError(f"{path}: cannot be read as UTF-8 text ({error})") from None
    except yaml.YAMLError as error:
        raise ProjectFileError(f"{path}: not valid YAML: {error}") from None


def read_stack_file(path: Path, *, given: Collection[str] = ()) -> dict[str, str]:
    """The flat config of a `Pulumi.<stack>.yaml` file; a clear ProjectFileError when it cannot be used.
    Keys in `given` may be encrypted (see flatten_stack_config)."""
    document = read_yaml(path, f"{path}: no such stack file")
    if document is None:
        document = {}
    if not isinstance(document, Mapping):
        raise ProjectFileError(f"{path}: expected a mapping with a `config:` key at the top level")
    raw_config = document.get("config") or {}
    if not isinstance(raw_config, Mapping):
        raise ProjectFileError(f"{path}: config: expected a mapping of namespaced keys to values")
    return flatten_stack_config(raw_config, str(path), given=given)


def stack_names(config_dir: Path) -> list[str]:
    """The stacks that have a `Pulumi.<stack>.yaml` in a project's stack config folder, sorted."""
    return sorted(
        path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in config_dir.glob("Pulumi.*.yaml")
    )


def read_project(program_dir: Path) -> Project:
    """The project `program_dir/Pulumi.yaml` describes; a ProjectFileError unless it is a Python project."""
    program_dir = program_dir.resolve()
    project_file = program_dir / PROJECT_FILE
    document = read_yaml(project_file, f"{program_dir}: no {PROJECT_FILE}; expected a Pulumi project folder")
    if not isinstance(document, Mapping) or not isinstance(document.get("name"), str):
        raise ProjectFileError(f"{project_file}: name: expected the project's name")
    runtime = document.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if runtime_name != "python":
        raise ProjectFileError(f"{project_file}: runtime: expected python, got {runtime_name!r}")
    options = runtime.get("options") if isinstance(runtime, Mapping) else None
    if options is not None and not isinstance(options, Mapping):
        raise ProjectFileError(f"{project_file}: runtime.options: expected a mapping")
    virtualenv = (options or {}).get("virtualenv")
    if virtualenv is not None and (not isinstance(virtualenv, str) or not virtualenv.strip()):
        raise ProjectFileError(
            f"{project_file}: runtime.options.virtualenv: expected a folder path, got {virtualenv!r}"
        )
    return Project(
        name=document["name"],
        program_dir=program_dir,
        config_dir=program_dir / str(document.get("stackConfigDir") or "."),
        virtualenv=(program_dir / virtualenv).resolve() if virtualenv else None,
    )
