"""Which project a toms command works on: found from the working directory upward, or `--project DIR`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from toms.__main__ import main
from toms.project import ProjectNotFound, find_project_root, project_root, select_project, shown_path


@pytest.mark.parametrize(
    "start",
    [
        REPO,
        REPO / "docs",
        REPO / "stacks" / "policy-config",
        # Another project's Pulumi.yaml on the way up is passed by: it is not the toms project.
        REPO / "tests" / "fixtures" / "noncompliant_program",
    ],
    ids=lambda path: str(path.relative_to(REPO)) or ".",
)
def test_the_root_is_found_from_any_folder_inside(start: Path) -> None:
    assert find_project_root(start) == REPO


def test_outside_any_toms_project_the_message_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: website\nruntime: python\n")
    with pytest.raises(ProjectNotFound) as caught:
        find_project_root(tmp_path / ".")
    assert str(caught.value) == (
        f"{tmp_path}: not inside a toms project (no folder from here upward holds a Pulumi.yaml with "
        "`name: toms`); run toms inside the project's folder or name it with --project DIR"
    )


def toms_project(folder: Path) -> Path:
    (folder / "stacks").mkdir(parents=True)
    (folder / "Pulumi.yaml").write_text("name: toms\nruntime: python\nstackConfigDir: stacks\n")
    return folder


def test_project_names_the_project_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = toms_project(tmp_path / "other-checkout")
    monkeypatch.chdir(REPO / "docs")
    try:
        select_project(other)
        assert project_root() == other
        assert shown_path(other / "stacks" / "Pulumi.acme.yaml") == "stacks/Pulumi.acme.yaml"
    finally:
        select_project(None)
    assert project_root() == REPO


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: tmp / "missing", "--project {folder}: the folder does not exist"),
        (
            lambda tmp: tmp,
            "--project {folder}: not a toms project (no Pulumi.yaml in it); expected the folder holding a "
            "Pulumi.yaml with `name: toms`",
        ),
        (
            lambda tmp: (tmp / "Pulumi.yaml").write_text("name: website\n") and tmp,
            "--project {folder}: not a toms project (its Pulumi.yaml names the project 'website'); expected "
            "the folder holding a Pulumi.yaml with `name: toms`",
        ),
    ],
    ids=["missing", "no-project-file", "another-project"],
)
def test_project_that_is_not_a_toms_project_is_refused(tmp_path: Path, make, expected: str) -> None:  # type: ignore[no-untyped-def]
    folder = make(tmp_path)
    with pytest.raises(ProjectNotFound) as caught:
        select_project(folder)
    assert str(caught.value) == expected.format(folder=folder)


def test_a_broken_project_file_on_the_way_is_named(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: [toms\n")
    with pytest.raises(ProjectNotFound, match=r"Pulumi.yaml: cannot be read as a Pulumi project file"):
        find_project_root(tmp_path)


def test_paths_are_shown_relative_to_the_project_from_any_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO / "docs")
    assert shown_path(REPO / "stacks" / "Pulumi.acme.yaml") == "stacks/Pulumi.acme.yaml"
    assert shown_path(Path("/etc/hosts")) == "/etc/hosts"


@pytest.mark.parametrize("position", ["before", "after"])
def test_project_is_a_global_option_before_or_after_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], position: str
) -> None:
    """From a folder outside any project, --project names it; a stack that is not there is refused naming
    the stack file inside that project."""
    monkeypatch.chdir(tmp_path)
    command = ["preview", "--stack", "nosuch"]
    argv = ["--project", str(REPO), *command] if position == "before" else [*command, "--project", str(REPO)]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "error: stacks/Pulumi.nosuch.yaml: no such stack file (stacks of this project: acme, globex, initech)\n"
    )


def test_without_a_project_a_command_that_needs_one_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["preview", "--stack", "acme"]) == 2
    assert capsys.readouterr().err == (
        f"toms preview: {tmp_path}: not inside a toms project (no folder from here upward holds a Pulumi.yaml "
        "with `name: toms`); run toms inside the project's folder or name it with --project DIR\n"
    )


def test_only_the_named_commands_module_is_loaded_after_project() -> None:
    from toms.__main__ import COMMANDS, _modules_for

    assert _modules_for(["--project", "preview", "audit", "--client", "acme"]) == (COMMANDS["audit"],)
    assert _modules_for(["--project=/srv/toms", "preview", "--stack", "acme"]) == (COMMANDS["preview"],)


def test_a_link_inside_the_project_is_shown_where_it_is_not_where_it_points(tmp_path: Path) -> None:
    """A virtualenv's bin/python links to an interpreter elsewhere; messages name the virtualenv's."""
    root = toms_project(tmp_path / "project")
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").symlink_to(sys.executable)
    try:
        select_project(root)
        assert shown_path(root / ".venv" / "bin" / "python") == ".venv/bin/python"
    finally:
        select_project(None)
