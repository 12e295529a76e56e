"""A program that raises while it runs offline: the message names the program's own file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from toms.offline.mock_runtime import ProgramError, run_program

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
