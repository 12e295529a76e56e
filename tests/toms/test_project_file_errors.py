"""A project or stack file that is not valid YAML: the message names the file as the project does
(`stacks/Pulumi.acme.yaml`, whatever the working directory), the line and column, never `<unicode string>`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from toms.__main__ import main
from toms.project import ProjectFileError, read_project, read_stack_file, select_project

BROKEN_STACK_FILES = [
    (
        "config:\n  toms:client: acme\n  toms:retention:\n    logDays: 90\n   backupDays: 14\n",
        "line 5, column 4: expected <block end>, but found '<block mapping start>' (while parsing a block "
        "mapping at line 2)",
    ),
    (
        "config:\n  toms:client: [acme\n",
        "line 3, column 1: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence at line 2)",
    ),
    (
        "config:\n  toms:client: acme\n\ttoms:x: 1\n",
        "line 3, column 1: found character '\\t' that cannot start any token",
    ),
    ("config:\n  toms:client: a: b\n", "line 2, column 17: mapping values are not allowed here"),
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A toms project in a temporary folder, worked on from a folder inside it."""
    root = tmp_path / "project"
    (root / "stacks").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "Pulumi.yaml").write_text("name: toms\nruntime: python\nstackConfigDir: stacks\n")
    monkeypatch.chdir(root / "docs")
    yield root
    select_project(None)


@pytest.mark.parametrize(("text", "problem"), BROKEN_STACK_FILES)
def test_a_stack_file_that_is_not_yaml_is_named_with_line_and_column(
    project: Path, text: str, problem: str
) -> None:
    stack_file = project / "stacks" / "Pulumi.acme.yaml"
    stack_file.write_text(text)
    with pytest.raises(ProjectFileError) as caught:
        read_stack_file(stack_file)
    assert str(caught.value) == f"stacks/Pulumi.acme.yaml: not valid YAML: {problem}"


def test_a_programs_project_file_is_named_relative_to_the_project_too(project: Path) -> None:
    program = project / "programs" / "web"
    program.mkdir(parents=True)
    (program / "Pulumi.yaml").write_text("name: web\nruntime: [python\n")
    with pytest.raises(ProjectFileError) as caught:
        read_project(program)
    assert str(caught.value) == (
        "programs/web/Pulumi.yaml: not valid YAML: line 3, column 1: expected ',' or ']', but got "
        "'<stream end>' (while parsing a flow sequence at line 2)"
    )


def test_the_preview_command_shows_the_same_message(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "stacks" / "Pulumi.acme.yaml").write_text(BROKEN_STACK_FILES[0][0])
    assert main(["preview", "--stack", "acme"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "error: stacks/Pulumi.acme.yaml: not valid YAML: line 5, column 4: expected <block end>"
    ), err
    assert "<unicode string>" not in err and str(project) not in err
