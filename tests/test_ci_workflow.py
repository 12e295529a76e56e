"""The users' CI example, .github/workflows/toms.yml: every client stack, always with the pack and its config.

The workflow does not run here; these tests read it as GitHub would (YAML) and compare it with stacks/, so
adding a client without adding it to the workflow, or a pulumi step without the pack, fails.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from toms import deploy

REPOSITORY = Path(__file__).resolve().parents[1]
WORKFLOW = REPOSITORY / ".github" / "workflows" / "toms.yml"
PULUMI_ACTION = "pulumi/actions@"


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def client_stacks() -> list[str]:
    stacks = deploy.client_stacks(REPOSITORY)
    assert stacks, "stacks/ holds no Pulumi.<client>.yaml"
    return stacks


def pulumi_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if str(step.get("uses", "")).startswith(PULUMI_ACTION)]


def for_stack(value: object, stack: str) -> str:
    return str(value).replace("${{ matrix.stack }}", stack)


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean true; GitHub reads it as "on".
    on = workflow.get("on", workflow.get(True))
    assert isinstance(on, dict)
    return on


def test_pull_requests_preview_and_main_deploys(workflow: dict[Any, Any]) -> None:
    on = triggers(workflow)
    assert "pull_request" in on
    assert on["push"]["branches"] == ["main"]

    preview, up = workflow["jobs"]["preview"], workflow["jobs"]["up"]
    assert preview["if"] == "github.event_name == 'pull_request'"
    assert up["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert [step["with"]["command"] for step in pulumi_steps(preview)] == ["preview"]
    assert [step["with"]["command"] for step in pulumi_steps(up)] == ["up"]


@pytest.mark.parametrize("job_name", ["preview", "up"])
def test_each_job_runs_for_exactly_the_stacks_in_stacks_dir(workflow: dict[Any, Any], job_name: str) -> None:
    matrix = workflow["jobs"][job_name]["strategy"]["matrix"]

    assert sorted(matrix["stack"]) == client_stacks()


@pytest.mark.parametrize("job_name", ["preview", "up"])
def test_every_pulumi_run_carries_the_pack_and_that_stacks_own_config(
    workflow: dict[Any, Any], job_name: str
) -> None:
    job = workflow["jobs"][job_name]
    (step,) = pulumi_steps(job)
    inputs = step["with"]

    for stack in job["strategy"]["matrix"]["stack"]:
        assert for_stack(inputs["stack-name"], stack) == stack
        assert inputs["policyPacks"] == str(deploy.PACK_DIR)
        config = for_stack(inputs["policyPackConfigs"], stack)
        assert config == str(deploy.pack_config_file(stack))
        assert (REPOSITORY / config).is_file(), f"{config} is missing: the {stack} stack has no pack config"


@pytest.mark.parametrize("job_name", ["preview", "up"])
def test_the_pack_is_checked_before_pulumi_runs(workflow: dict[Any, Any], job_name: str) -> None:
    steps = workflow["jobs"][job_name]["steps"]
    runs = [str(step.get("run", "")) for step in steps]
    check = runs.index(".venv/bin/python -m toms deploy check --stack ${{ matrix.stack }}")
    install = next(index for index, run in enumerate(runs) if "make policy-venv" in run)

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
