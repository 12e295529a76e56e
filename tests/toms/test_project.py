"""`toms.project`: project and stack files read as the Pulumi CLI reads them, with errors naming file and key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from toms.project import ProjectFileError, read_project, read_stack_file, stack_names


def project_folder(tmp_path: Path, text: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "docs").mkdir(exist_ok=True)
    return tmp_path


def test_this_repository_is_a_python_project_with_its_stacks_in_stacks(tmp_path: Path) -> None:
    project = read_project(REPO)
    assert project.name == "toms"
    assert project.config_dir == REPO / "stacks"
    assert project.stack_file("acme") == REPO / "stacks" / "Pulumi.acme.yaml"
    assert "acme" in project.stack_names() == stack_names(REPO / "stacks")


def test_the_virtualenv_option_is_resolved_against_the_program_folder(tmp_path: Path) -> None:
    folder = project_folder(
        tmp_path, "name: p\nruntime:\n  name: python\n  options:\n    virtualenv: ../venvs/p\n"
    )
    assert read_project(folder).virtualenv == (tmp_path.parent / "venvs" / "p").resolve()
    assert read_project(project_folder(tmp_path, "name: p\nruntime: python\n")).virtualenv is None


def test_main_names_the_file_the_program_starts_at_and_the_folder_it_runs_in(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "__main__.py").write_text("", encoding="utf-8")
    (tmp_path / "infra" / "app.py").write_text("", encoding="utf-8")
    plain = read_project(project_folder(tmp_path, "name: p\nruntime: python\n"))
    assert (plain.entry, plain.working_dir) == (tmp_path.resolve() / "__main__.py", tmp_path.resolve())
    folder = read_project(project_folder(tmp_path, "name: p\nruntime: python\nmain: infra/\n"))
    assert (folder.entry, folder.working_dir) == (
        tmp_path.resolve() / "infra" / "__main__.py",
        tmp_path.resolve() / "infra",
    )
    file = read_project(project_folder(tmp_path, "name: p\nruntime: python\nmain: ./infra/app.py\n"))
    assert (file.entry, file.working_dir) == (
        tmp_path.resolve() / "infra" / "app.py",
        tmp_path.resolve() / "infra",
    )
    # Stack files and the virtualenv stay relative to the project folder, as the Pulumi CLI reads them.
    assert file.stack_file("dev") == tmp_path.resolve() / "Pulumi.dev.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("runtime: python\n", r"Pulumi\.yaml: name: expected the project's name"),
        ("name: p\nruntime: nodejs\n", r"Pulumi\.yaml: runtime: expected python, got 'nodejs'"),
        ("name: p\nruntime:\n  name: python\n  options: [x]\n", r"runtime\.options: expected a mapping"),
        (
            "name: p\nruntime:\n  name: python\n  options:\n    virtualenv: 3\n",
            r"runtime\.options\.virtualenv: expected a folder path, got 3",
        ),
        ("name: [p\n", r"Pulumi\.yaml: not valid YAML"),
        (
            "name: p\nruntime: python\nmain: 3\n",
            r"Pulumi\.yaml: main: expected the program's folder or its entry",
        ),
        ("name: p\nruntime: python\nmain: /srv/infra\n", r"main: /srv/infra is an absolute path; expected"),
        ("name: p\nruntime: python\nmain: infra/\n", r"main: infra/ does not exist \(.*infra\); expected"),
        ("name: p\nruntime: python\nmain: docs\n", r"main: docs is a folder without a __main__\.py"),
    ],
)
def test_a_bad_project_file_is_refused_naming_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ProjectFileError, match=expected):
        read_project(project_folder(tmp_path, text))


def test_a_folder_without_a_project_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match=r"no Pulumi\.yaml; expected a Pulumi project folder"):
        read_project(tmp_path)


def test_stack_config_is_flattened_as_the_cli_hands_it_over(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(
        "config:\n  toms:client: acme\n  toms:retention:\n    days: 400\n  toms:flag: true\n  toms:none:\n",
        encoding="utf-8",
    )
    assert read_stack_file(stack_file) == {
        "toms:client": "acme",
        "toms:retention": '{"days": 400}',
        "toms:flag": "true",
        "toms:none": "",
    }


def test_reading_a_stack_needs_no_pulumi_sdk() -> None:
    # The live tools read stacks through this module; it must not drag in the mock runtime or the SDK.
    code = (
        "import sys; from toms.project import read_project; read_project(__import__('pathlib').Path('.'))\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'pulumi' or m.startswith('toms.offline'))\n"
        "print(loaded)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"
