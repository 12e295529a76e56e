"""`toms` as `make` installs it: a command in the virtualenv, editable, that works from any folder inside the
project (or any folder with `--project`), with `python -m toms` still the same command."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

# The virtualenv the tests run in is the one `make` built and installed the project into.
TOMS = Path(sys.executable).parent / "toms"
ENV = {**os.environ, "NO_COLOR": "1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def run(command: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_pyproject_declares_the_command_and_only_the_tools_packages() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"] == {"toms": "toms.__main__:console_main"}
    find = pyproject["tool"]["setuptools"]["packages"]["find"]
    assert "policies.venv.*" in find["exclude"]
    assert sorted({pattern.split(".")[0] for pattern in find["include"]}) == [
        "components",
        "policies",
        "toms",
    ]


def test_make_installs_this_checkout_editable_with_nothing_else_importable(tmp_path: Path) -> None:
    distribution = importlib.metadata.distribution("toms")
    direct_url = json.loads(distribution.read_text("direct_url.json") or "{}")
    assert direct_url == {"dir_info": {"editable": True}, "url": REPO.as_uri()}
    assert (distribution.read_text("top_level.txt") or "").split() == ["components", "policies", "toms"]
    # From a folder outside the checkout: the three packages come from it, and nothing else does (no tests,
    # no program module), because the checkout itself is not put on sys.path.
    probe = (
        "import importlib.util, json, components, policies.toms_pack, toms; "
        "print(json.dumps([toms.__file__, importlib.util.find_spec('tests') is None, "
        "importlib.util.find_spec('stacks') is None]))"
    )
    completed = run([sys.executable, "-c", probe], cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == [str(REPO / "toms" / "__init__.py"), True, True]


def test_the_command_previews_from_a_folder_inside_the_project() -> None:
    assert TOMS.is_file(), f"{TOMS} is missing: run `make` (it installs the project into .venv)"
    completed = run([TOMS, "preview", "--stack", "acme"], cwd=REPO / "docs")
    assert completed.returncode == 0, completed.stderr
    # Paths are the project's own, whatever the working directory.
    assert completed.stdout.startswith(
        "Preview of stack acme (project toms, program ., stacks/Pulumi.acme.yaml)\nPolicy pack toms 0.1.0: "
    )
    assert "acme: PASS" in completed.stdout


@pytest.mark.parametrize("launcher", ["command", "module"])
def test_project_names_the_project_from_any_folder(tmp_path: Path, launcher: str) -> None:
    start = [TOMS] if launcher == "command" else [sys.executable, "-m", "toms"]
    completed = run([*start, "--project", REPO, "preview", "--stack", "nosuch"], cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr == (
        "error: stacks/Pulumi.nosuch.yaml: no such stack file (stacks of this project: acme, globex, initech)\n"
    )


def test_python_m_toms_is_the_same_command() -> None:
    version = run([TOMS, "--version"], cwd=REPO / "docs")
    assert version.returncode == 0
    assert run([sys.executable, "-m", "toms", "--version"], cwd=REPO / "docs").stdout == version.stdout
    assert run([TOMS, "--help"], cwd=REPO).stdout.startswith("usage: toms ")


def test_a_built_wheel_holds_the_tools_and_their_data_but_not_the_program_or_the_project(
    tmp_path: Path,
) -> None:
    """What `pip install .` would install: toms with its schemas and templates, and the components and
    pack it imports; not the Pulumi program, stacks, tests, docs or the pack's virtualenv."""
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(REPO / "pyproject.toml", source)
    ignore = shutil.ignore_patterns("venv")
    for package in ("toms", "components", "policies"):
        shutil.copytree(REPO / package, source / package, ignore=ignore)
    # As `make policy-venv` leaves it: a virtualenv with packages of its own.
    site_packages = source / "policies" / "venv" / "lib" / "python3.11" / "site-packages" / "grpc"
    site_packages.mkdir(parents=True)
    (site_packages / "__init__.py").write_text("")
    completed = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            tmp_path,
            ".",
        ],
        cwd=source,
    )
    assert completed.returncode == 0, completed.stderr
    (wheel,) = tmp_path.glob("toms-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"toms/__main__.py", "components/config.py", "policies/toms_pack/catalogue.py"} <= set(names)
    assert {"toms/schemas/preview-report.schema.json", "toms/report/templates/report.html.j2"} <= set(names)
    top_level = {name.split("/")[0] for name in names if not name.startswith("toms-")}
    assert top_level == {"toms", "components", "policies"}
    assert not [
        name
        for name in names
        if "/venv/" in name or "bench_programs" in name or name.endswith(("PulumiPolicy.yaml", ".pyc"))
    ]
    assert not [line for line in completed.stderr.splitlines() if "Warning" in line]
