"""The users' CI example, .github/workflows/toms.yml: every client stack, always with the pack and its config.

The workflow does not run here; these tests read it as GitHub would (YAML), check that it names no client
and takes its matrices from the `toms stacks` job, and run that job's commands (and the check job's script)
the way the runner would, against a git repository whose stack files change.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from toms import deploy, stacks
from toms.__main__ import main

REPOSITORY = Path(__file__).resolve().parents[1]
WORKFLOW = REPOSITORY / ".github" / "workflows" / "toms.yml"
PULUMI_ACTION = "pulumi/actions@"
MATRIX_FROM_STACKS_JOB = "${{ fromJSON(needs.stacks.outputs.stacks) }}"
MATRIX_JOBS = ("preview", "up")


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def client_stacks() -> list[str]:
    names = deploy.client_stacks(REPOSITORY)
    assert names, "stacks/ holds no Pulumi.<client>.yaml"
    return names


def pulumi_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if str(step.get("uses", "")).startswith(PULUMI_ACTION)]


def for_stack(value: object, stack: str) -> str:
    return str(value).replace("${{ matrix.stack }}", stack)


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean true; GitHub reads it as "on".
    on = workflow.get("on", workflow.get(True))
    assert isinstance(on, dict)
    return on


def step_by_id(job: dict[str, Any], step_id: str) -> dict[str, Any]:
    (step,) = [step for step in job["steps"] if step.get("id") == step_id]
    return step


# --- the workflow's shape -------------------------------------------------------------------------------


def test_the_workflow_names_no_client(workflow: dict[Any, Any]) -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    for client in client_stacks():
        assert not re.search(rf"(?<![\w-]){re.escape(client)}(?![\w-])", text), (
            f"{client} is named in {WORKFLOW}"
        )


@pytest.mark.parametrize("job_name", MATRIX_JOBS)
def test_each_matrix_comes_from_the_stacks_job_without_cancelling_others(
    workflow: dict[Any, Any], job_name: str
) -> None:
    job = workflow["jobs"][job_name]
    strategy = job["strategy"]

    assert job["needs"] == "stacks"
    assert strategy["matrix"] == {"stack": MATRIX_FROM_STACKS_JOB}
    assert strategy["fail-fast"] is False
    assert isinstance(strategy["max-parallel"], int) and 1 <= strategy["max-parallel"] <= 256
    # An empty list would be an invalid matrix: the job is skipped instead.
    assert "needs.stacks.outputs.stacks != '[]'" in job["if"]


def test_the_stacks_job_output_is_what_toms_stacks_writes(workflow: dict[Any, Any]) -> None:
    job = workflow["jobs"]["stacks"]
    every, affected = step_by_id(job, "every"), step_by_id(job, "affected")

    assert job["outputs"][stacks.OUTPUT_NAME] == (
        f"${{{{ steps.affected.outputs.{stacks.OUTPUT_NAME} || steps.every.outputs.{stacks.OUTPUT_NAME} }}}}"
    )
    assert every["if"] == "github.event_name != 'pull_request'"
    assert every["run"] == ".venv/bin/python -m toms stacks --github-output"
    assert affected["if"] == "github.event_name == 'pull_request'"
    assert affected["env"] == {"BASE_REF": "${{ github.base_ref }}"}
    assert (
        affected["run"]
        == '.venv/bin/python -m toms stacks --changed-since "origin/$BASE_REF" --github-output'
    )
    (checkout,) = [step for step in job["steps"] if str(step.get("uses", "")).startswith("actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 0


def test_pull_requests_preview_and_main_deploys(workflow: dict[Any, Any]) -> None:
    on = triggers(workflow)
    assert "pull_request" in on
    assert on["push"]["branches"] == ["main"]

    preview, up = workflow["jobs"]["preview"], workflow["jobs"]["up"]
    assert preview["if"].startswith("github.event_name == 'pull_request' && ")
    assert up["if"].startswith("github.event_name == 'push' && github.ref == 'refs/heads/main' && ")
    assert [step["with"]["command"] for step in pulumi_steps(preview)] == ["preview"]
    assert [step["with"]["command"] for step in pulumi_steps(up)] == ["up"]


@pytest.mark.parametrize("job_name", MATRIX_JOBS)
def test_every_pulumi_run_carries_the_pack_and_that_stacks_own_config(
    workflow: dict[Any, Any], job_name: str
) -> None:
    job = workflow["jobs"][job_name]
    (step,) = pulumi_steps(job)
    inputs = step["with"]

    for stack in client_stacks():
        assert for_stack(inputs["stack-name"], stack) == stack
        assert inputs["policyPacks"] == str(deploy.PACK_DIR)
        config = for_stack(inputs["policyPackConfigs"], stack)
        assert config == str(deploy.pack_config_file(stack))
        assert (REPOSITORY / config).is_file(), f"{config} is missing: the {stack} stack has no pack config"


@pytest.mark.parametrize("job_name", MATRIX_JOBS)
def test_the_pack_is_checked_before_pulumi_runs(workflow: dict[Any, Any], job_name: str) -> None:
    steps = workflow["jobs"][job_name]["steps"]
    runs = [str(step.get("run", "")) for step in steps]
    check = runs.index('.venv/bin/python -m toms deploy check --stack "$STACK"')
    install = next(index for index, run in enumerate(runs) if "make policy-venv" in run)

    assert steps[check]["env"] == {"STACK": "${{ matrix.stack }}"}
    assert install < check < steps.index(pulumi_steps(workflow["jobs"][job_name])[0])


def test_ci_installs_the_pulumi_cli_the_sdk_is_pinned_to(workflow: dict[Any, Any]) -> None:
    pin = re.search(r"^pulumi==(\S+)$", (REPOSITORY / "requirements.txt").read_text(), re.MULTILINE)
    assert pin is not None

    for job in workflow["jobs"].values():
        for step in pulumi_steps(job):
            assert step["with"]["pulumi-version"] == pin.group(1)


def test_each_client_previews_and_deploys_in_its_own_environment(workflow: dict[Any, Any]) -> None:
    jobs = workflow["jobs"]
    assert jobs["preview"]["environment"] == "preview-${{ matrix.stack }}"
    assert jobs["up"]["environment"] == "${{ matrix.stack }}"
    for job in (jobs["preview"], jobs["up"]):
        (credentials,) = [
            step for step in job["steps"] if str(step.get("uses", "")).startswith("aws-actions/configure-aws")
        ]
        assert credentials["with"]["aws-region"] == "${{ vars.AWS_REGION }}"


@pytest.mark.parametrize(
    ("stacks_result", "preview_result", "passes"),
    [
        ("success", "success", True),
        ("success", "skipped", True),  # the pull request affects no stack that still exists
        ("success", "failure", False),
        ("success", "cancelled", False),
        ("failure", "skipped", False),  # the stacks could not be listed, so nothing was previewed
        ("cancelled", "skipped", False),
    ],
)
def test_the_required_check_fails_unless_every_preview_passed(
    workflow: dict[Any, Any], stacks_result: str, preview_result: str, passes: bool
) -> None:
    job = workflow["jobs"]["previews-passed"]
    (step,) = job["steps"]
    assert job["needs"] == ["stacks", "preview"]
    assert job["if"] == "always() && github.event_name == 'pull_request'"

    # GitHub runs a `run:` script with `bash -e`.
    completed = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        env={"STACKS_RESULT": stacks_result, "PREVIEW_RESULT": preview_result, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert (completed.returncode == 0) is passes


# --- toms stacks: the matrix --------------------------------------------------------------------------


def test_the_matrix_on_a_push_is_every_stack_in_stacks_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "github-output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))

    assert main(["stacks", "--github-output"]) == 0

    assert json.loads(capsys.readouterr().out) == client_stacks()
    assert output.read_text() == f"stacks={json.dumps(client_stacks(), separators=(',', ':'))}\n"


STACKS = ("acme", "globex", "initech")


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (["stacks/policy-config/acme.json"], ["acme"]),
        (["stacks/Pulumi.globex.yaml"], ["globex"]),
        (["stacks/Pulumi.initech.yaml", "stacks/policy-config/acme.json"], ["acme", "initech"]),
        # A stack file the change deleted: that stack is gone, nothing of it to preview.
        (["stacks/Pulumi.oldco.yaml", "stacks/policy-config/oldco.json"], []),
        # Any other file can change every stack.
        (["stacks/policy-config/acme.json", "components/database.py"], list(STACKS)),
        (["policies/toms_pack/rules.py"], list(STACKS)),
        (["requirements.txt"], list(STACKS)),
        (["Pulumi.yaml"], list(STACKS)),
        (["stacks/README.md"], list(STACKS)),
        (["stacks/policy-config/nested/acme.json"], list(STACKS)),
        (["stacks/Pulumi.acme.yaml.orig"], list(STACKS)),
        (["docs/stacks/Pulumi.acme.yaml"], list(STACKS)),
        ([], list(STACKS)),
    ],
)
def test_a_change_previews_the_stacks_it_affects(changed: list[str], expected: list[str]) -> None:
    assert list(stacks.affected_stacks(changed, STACKS).stacks) == expected


def git(root: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-c", "user.name=toms", "-c", "user.email=toms@example.com", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


@pytest.fixture
def project_repository(tmp_path: Path) -> Path:
    """A git repository holding this project's stacks on `main`, with a branch checked out."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(REPOSITORY / "Pulumi.yaml", root)
    shutil.copytree(REPOSITORY / "stacks", root / "stacks")
    (root / "components").mkdir()
    (root / "components" / "database.py").write_text("# the database\n")
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "base")
    git(root, "checkout", "--quiet", "-b", "change")
    return root


def changed_since_main(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--allow-empty", "-m", "change")
    code = main(["stacks", "--changed-since", "main", "--project", str(root)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_pull_request_changing_one_pack_config_previews_that_stack(
    project_repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project_repository / "stacks" / "policy-config" / "globex.json"
    config.write_text(config.read_text().replace("365", "366"))

    code, out, err = changed_since_main(project_repository, capsys)

    assert (code, json.loads(out)) == (0, ["globex"])
    assert "1 stack: only stack files changed" in err


def test_a_pull_request_adding_a_client_previews_only_the_new_client(
    project_repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stacks_dir = project_repository / "stacks"
    shutil.copy(stacks_dir / "Pulumi.acme.yaml", stacks_dir / "Pulumi.umbrella.yaml")
    shutil.copy(stacks_dir / "policy-config" / "acme.json", stacks_dir / "policy-config" / "umbrella.json")

    code, out, _ = changed_since_main(project_repository, capsys)

    assert (code, json.loads(out)) == (0, ["umbrella"])


def test_a_pull_request_renaming_a_client_previews_the_new_name_only(
    project_repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stacks_dir = project_repository / "stacks"
    git(project_repository, "mv", "stacks/Pulumi.initech.yaml", "stacks/Pulumi.initrode.yaml")
    git(project_repository, "mv", "stacks/policy-config/initech.json", "stacks/policy-config/initrode.json")
    assert (stacks_dir / "Pulumi.initrode.yaml").is_file()

    code, out, err = changed_since_main(project_repository, capsys)

    assert (code, json.loads(out)) == (0, ["initrode"])
    assert "initech no longer has a stack file" in err


def test_a_pull_request_changing_the_program_previews_every_stack(
    project_repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project_repository / "components" / "database.py").write_text("# the database, changed\n")
    config = project_repository / "stacks" / "policy-config" / "acme.json"
    config.write_text(config.read_text() + "\n")

    code, out, err = changed_since_main(project_repository, capsys)

    assert (code, json.loads(out)) == (0, list(STACKS))
    assert "components/database.py can affect every stack" in err


def test_changes_in_a_project_below_the_repository_top_are_matched_from_the_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    top = tmp_path / "monorepo"
    root = top / "infra" / "toms"
    shutil.copytree(REPOSITORY / "stacks", root / "stacks")
    shutil.copy(REPOSITORY / "Pulumi.yaml", root)
    (top / "service").mkdir()
    (top / "service" / "app.py").write_text("# another team's code\n")
    git(top, "init", "--quiet", "--initial-branch=main")
    git(top, "add", ".")
    git(top, "commit", "--quiet", "-m", "base")
    git(top, "checkout", "--quiet", "-b", "change")
    (root / "stacks" / "Pulumi.acme.yaml").write_text(
        (root / "stacks" / "Pulumi.acme.yaml").read_text() + "\n"
    )

    assert changed_since_main(root, capsys)[:2] == (0, '["acme"]\n')

    # A file outside the project is not a stack file: fail safe, every stack.
    (top / "service" / "app.py").write_text("# changed\n")
    assert json.loads(changed_since_main(root, capsys)[1]) == list(STACKS)


def test_an_unknown_base_is_refused_with_how_to_fetch_it(
    project_repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["stacks", "--changed-since", "origin/main", "--project", str(project_repository)])

    err = capsys.readouterr().err
    assert code == 2
    assert "toms stacks: cannot list the files changed since origin/main" in err
    assert "fetch-depth: 0" in err


def test_a_stack_file_whose_name_is_no_client_name_is_refused(
    project_repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project_repository / "stacks" / "Pulumi.$(id).yaml").write_text("config: {}\n")

    code = main(["stacks", "--project", str(project_repository)])

    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert "stacks/Pulumi.$(id).yaml: '$(id)' is not a client name" in captured.err


def test_more_stacks_than_one_github_matrix_holds_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "stacks").mkdir()
    shutil.copy(REPOSITORY / "Pulumi.yaml", tmp_path)
    for index in range(stacks.GITHUB_MATRIX_LIMIT + 1):
        (tmp_path / "stacks" / f"Pulumi.c{index}.yaml").write_text("config: {}\n")

    code = main(["stacks", "--project", str(tmp_path)])

    assert code == 2
    assert (
        "257 stacks selected, more than the 256 jobs GitHub expands one matrix into"
        in capsys.readouterr().err
    )


def test_github_output_outside_a_github_job_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)

    assert main(["stacks", "--github-output"]) == 2
    assert "$GITHUB_OUTPUT is not set" in capsys.readouterr().err
