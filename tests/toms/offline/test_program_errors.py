"""A program that raises while it runs offline: the message names the program's own file and line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from toms.offline.mock_runtime import ProgramError, run_program
from toms.offline.program_process import program_interpreter
from toms.project import read_project

PROJECT = "name: broken\nruntime: python\n"


def program(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text(PROJECT)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize(
    ("files", "where", "what"),
    [
        (
            {"__main__.py": "import pulumi\n\nvalue = {}\nname = value['bucket']\n"},
            "__main__.py:4",
            "KeyError: 'bucket'",
        ),
        (
            {
                "helpers.py": "def bucket_count(size):\n    return 10 // size\n",
                "__main__.py": "import pulumi_aws as aws\nfrom helpers import bucket_count\n\n"
                "aws.s3.Bucket('logs')\nbucket_count(0)\n",
            },
            "helpers.py:2",
            "ZeroDivisionError: integer division or modulo by zero",
        ),
        (
            # Raised inside the SDK (a bad argument): the line is still the program's own call.
            {
                "__main__.py": "import pulumi_aws as aws\n\naws.s3.Bucket('logs')\naws.s3.Bucket('data', opts=3)\n"
            },
            "__main__.py:4",
            "TypeError: ",
        ),
    ],
    ids=["main", "helper-module", "inside-the-sdk"],
)
def test_the_message_names_the_file_and_line_that_failed(
    tmp_path: Path, files: dict[str, str], where: str, what: str
) -> None:
    folder = program(tmp_path / "prog", files)
    with pytest.raises(ProgramError) as caught:
        run_program(folder, "dev", {}, preview=True)
    message = str(caught.value)
    assert message.startswith(f"{folder / where}: the program failed: "), message
    assert what in message
    assert "Traceback" not in message


def test_a_missing_program_virtualenv_is_named_inside_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "Pulumi.yaml").write_text("name: toms\nruntime: python\n")
    folder = program(root / "programs" / "web", {"__main__.py": "import pulumi\n"})
    (folder / "Pulumi.yaml").write_text(
        "name: web\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
    )
    monkeypatch.chdir(root)
    with pytest.raises(ProgramError) as caught:
        program_interpreter(read_project(folder))
    assert str(caught.value).startswith(
        "programs/web/Pulumi.yaml: runtime.options.virtualenv: programs/web/venv has no bin/python; create it "
        f"and install the program's packages: python -m venv {folder / 'venv'} && "
    )


def test_the_command_names_the_line_relative_to_where_it_was_run(tmp_path: Path) -> None:
    """The program runs in its own interpreter and folder; the line comes back named as the user sees it."""
    program(
        tmp_path / "prog",
        {
            "helpers.py": "def bucket_count(size):\n    return 10 // size\n",
            "__main__.py": "from helpers import bucket_count\n\nbucket_count(0)\n",
        },
    )
    completed = subprocess.run(
        [sys.executable, "-m", "toms", "--project", str(REPO), "preview", "--program", "prog"],
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr == (
        "preview of dev failed: prog/helpers.py:2: the program failed: ZeroDivisionError: integer division or "
        "modulo by zero\n"
    )
