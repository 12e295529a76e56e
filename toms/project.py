"""A Pulumi project's own files, read the way the Pulumi CLI reads them, for every tool.

`Pulumi.yaml` (the project's name, runtime, stack config folder, where the program is and its virtualenv) and
`Pulumi.<stack>.yaml` (the stack's config, flattened as the CLI hands it to a program). The live tools
(audit, drill, report) and the offline preview read stacks through these functions alone, so neither
needs the other's dependencies: nothing here imports the Pulumi SDK.

Which toms project a command works on: `--project DIR`, else the nearest folder at or above the working
directory whose `Pulumi.yaml` names the project `toms`, so the installed `toms` command runs from any folder
inside a project (`docs/`, `stacks/policy-config/`...). A command asks for the root only when it needs the
project's files, so `toms restore-drill` runs anywhere. Messages show paths relative to that root, the way
the program names its stack file (`stacks/Pulumi.acme.yaml`), whatever the working directory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, TypeVar

import yaml

PROJECT_FILE = "Pulumi.yaml"
PROJECT_NAME = "toms"
# libyaml's loader when PyYAML was built with it (the wheels are): the same documents, parsed in C.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ProjectFileError(Exception):
    """A project or stack file that cannot be used; the message names the file, the key and what was
    expected."""


PathT = TypeVar("PathT", bound=PurePath)

# Each client's pack config sits beside the stack files, in this folder, as `<client>.json`.
POLICY_CONFIG_FOLDER = "policy-config"


def policy_config_file(stacks_dir: PathT, client: str) -> PathT:
    """Where the pack config of `client` sits beside the stack files in `stacks_dir`."""
    return stacks_dir / POLICY_CONFIG_FOLDER / f"{client}.json"


def program_entry(program_dir: Path, main: Path | None) -> Path:
    """The file a program starts at: where `main:` in Pulumi.yaml leads, else the folder's `__main__.py`."""
    return main or program_dir / "__main__.py"


@dataclass(frozen=True)
class Project:
    """What `Pulumi.yaml` says about a Python program."""

    name: str
    # The project's folder (where Pulumi.yaml is): the program's root, which paths in reports are relative to.
    program_dir: Path
    # Where the `Pulumi.<stack>.yaml` files are (`stackConfigDir`, default the project's folder).
    config_dir: Path
    # `runtime.options.virtualenv`, resolved against the project's folder; None when not set.
    virtualenv: Path | None = None
    # The file the program starts at, from `main:` (a folder's `__main__.py`, or the file it names); None
    # when Pulumi.yaml sets no `main`, which means the project folder's `__main__.py`.
    main: Path | None = None

    @property
    def entry(self) -> Path:
        """The file the language host runs (`runpy.run_path`)."""
        return program_entry(self.program_dir, self.main)

    @property
    def working_dir(self) -> Path:
        """The folder the Pulumi CLI runs the program in: `main`'s folder (or the folder holding the file
        `main` names), else the project's."""
        return self.entry.parent

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


def _yaml_problem(error: yaml.YAMLError) -> str:
    """What is wrong and where, in the file's own lines and columns (PyYAML's text names the file
    `<unicode string>` and quotes the line twice)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem and error.problem_mark is not None:
        mark = error.problem_mark
        context = ""
        if error.context and error.context_mark is not None:
            context = f" ({error.context} at line {error.context_mark.line + 1})"
        return f"line {mark.line + 1}, column {mark.column + 1}: {error.problem}{context}"
    return str(error).replace('in "<unicode string>", ', "")


def load_yaml(text: str) -> Any:
    """A YAML document as `yaml.safe_load` reads it, parsed in C when PyYAML can; a document that is not
    YAML is read again by PyYAML's own parser, whose messages (`_yaml_problem`) say more than libyaml's."""
    try:
        return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return yaml.safe_load(text)


def read_yaml(path: Path, when_missing: str) -> Any:
    """A YAML file's document; a ProjectFileError naming the file when it is missing, unreadable or not
    YAML."""
    shown = shown_path(path)
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectFileError(when_missing) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectFileError(f"{shown}: cannot be read as UTF-8 text ({error})") from None
    except yaml.YAMLError as error:
        raise ProjectFileError(f"{shown}: not valid YAML: {_yaml_problem(error)}") from None


def read_stack_file(path: Path, *, given: Collection[str] = ()) -> dict[str, str]:
    """The flat config of a `Pulumi.<stack>.yaml` file; a clear ProjectFileError when it cannot be used.
    Keys in `given` may be encrypted (see flatten_stack_config)."""
    shown = shown_path(path)
    document = read_yaml(path, f"{shown}: no such stack file")
    if document is None:
        document = {}
    if not isinstance(document, Mapping):
        raise ProjectFileError(f"{shown}: expected a mapping with a `config:` key at the top level")
    raw_config = document.get("config") or {}
    if not isinstance(raw_config, Mapping):
        raise ProjectFileError(f"{shown}: config: expected a mapping of namespaced keys to values")
    return flatten_stack_config(raw_config, shown, given=given)


def stack_names(config_dir: Path) -> list[str]:
    """The stacks that have a `Pulumi.<stack>.yaml` in a project's stack config folder, sorted."""
    return sorted(
        path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in config_dir.glob("Pulumi.*.yaml")
    )


def read_project(program_dir: Path) -> Project:
    """The project `program_dir/Pulumi.yaml` describes; a ProjectFileError unless it is a Python project."""
    program_dir = program_dir.resolve()
    project_file = program_dir / PROJECT_FILE
    shown = shown_path(project_file)
    document = read_yaml(
        project_file, f"{shown_path(program_dir)}: no {PROJECT_FILE}; expected a Pulumi project folder"
    )
    if not isinstance(document, Mapping) or not isinstance(document.get("name"), str):
        raise ProjectFileError(f"{shown}: name: expected the project's name")
    runtime = document.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if runtime_name != "python":
        raise ProjectFileError(f"{shown}: runtime: expected python, got {runtime_name!r}")
    options = runtime.get("options") if isinstance(runtime, Mapping) else None
    if options is not None and not isinstance(options, Mapping):
        raise ProjectFileError(f"{shown}: runtime.options: expected a mapping")
    virtualenv = (options or {}).get("virtualenv")
    if virtualenv is not None and (not isinstance(virtualenv, str) or not virtualenv.strip()):
        raise ProjectFileError(
            f"{shown}: runtime.options.virtualenv: expected a folder path, got {virtualenv!r}"
        )
    return Project(
        name=document["name"],
        program_dir=program_dir,
        config_dir=program_dir / str(document.get("stackConfigDir") or "."),
        virtualenv=(program_dir / virtualenv).resolve() if virtualenv else None,
        main=_program_entry(program_dir, document.get("main"), shown),
    )


def _program_entry(program_dir: Path, main: Any, shown: str) -> Path | None:
    """The file `main:` starts the program at, as the Pulumi CLI reads it: a path relative to the project
    folder, to a folder (its `__main__.py` runs, in that folder) or to a file (it runs, in its folder)."""
    if main is None:
        return None
    expected = f"expected the program's folder or its entry file, relative to {shown_path(program_dir)}"
    if not isinstance(main, str) or not main.strip():
        raise ProjectFileError(f"{shown}: main: {expected}, got {main!r}")
    if Path(main).is_absolute():
        raise ProjectFileError(f"{shown}: main: {main} is an absolute path; {expected}")
    target = Path(os.path.normpath(program_dir / main))
    if target.is_dir():
        entry = target / "__main__.py"
        if not entry.is_file():
            raise ProjectFileError(
                f"{shown}: main: {main} is a folder without a __main__.py; {expected} (a folder must hold "
                "the program's __main__.py)"
            )
        return entry
    if target.is_file():
        return target
    raise ProjectFileError(f"{shown}: main: {main} does not exist ({shown_path(target)}); {expected}")


# --- which project a command works on -------------------------------------------------------------


class ProjectNotFound(Exception):
    """No toms project where the command looked: the message says where and what to do (exit code 2)."""


# The folder `--project` named for this command line; None means: look upward from the working directory.
_chosen: Path | None = None


def project_name(folder: Path) -> str | None:
    """The `name:` in `folder`'s Pulumi.yaml; None when there is no Pulumi.yaml or it names nothing."""
    project_file = folder / PROJECT_FILE
    try:
        document = load_yaml(project_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        problem = _yaml_problem(error) if isinstance(error, yaml.YAMLError) else str(error)
        raise ProjectNotFound(f"{project_file}: cannot be read as a Pulumi project file: {problem}") from None
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
    bases = [Path.cwd()]
    with contextlib.suppress(ProjectNotFound):
        bases.insert(0, project_root())
    # As written first (a virtualenv's bin/python is a link to an interpreter elsewhere), then with links
    # resolved (a project reached through a linked folder).
    for candidate in (Path(os.path.normpath(path.absolute())), path.resolve()):
        for base in bases:
            if candidate.is_relative_to(base):
                return str(candidate.relative_to(base))
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
