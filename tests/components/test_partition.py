"""A stack in another AWS partition gets that partition in every ARN the baseline writes into a policy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.components.program_reading import govcloud_stack_file
from tests.conftest import REPO
from toms.offline.mock_runtime import ProgramRun, RegisteredResource, run_program
from toms.project import flatten_stack_config

GOVCLOUD = "arn:aws-us-gov:"


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def policy_documents(resource: RegisteredResource) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM-style document among the resource's inputs (role, trust, key and bucket policies)."""
    for key, value in resource.inputs.items():
        if isinstance(value, str) and value.startswith("{"):
            try:
                document = json.loads(value)
            except json.JSONDecodeError:
                continue  # a CloudWatch Logs filter pattern, not a document
            if isinstance(document, dict) and "Statement" in document:
                yield key, document


@pytest.fixture(scope="module")
def govcloud_run() -> ProgramRun:
    # The mocks answer in the partition of the stack's own ARNs, as AWS answers a GovCloud account.
    # The stack name is the client name, so the GovCloud copy of acme is the client acme-gov.
    config = {**govcloud_stack_file(), "toms:client": "acme-gov"}
    return run_program(REPO, "acme-gov", flatten_stack_config(config, "stacks/Pulumi.acme-gov.yaml"))


def test_every_arn_the_baseline_writes_into_a_policy_is_in_the_stacks_partition(
    govcloud_run: ProgramRun,
) -> None:
    checked: dict[str, str] = {}
    for resource in govcloud_run.resources:
        for key, document in policy_documents(resource):
            for text in strings_in(document):
                if not text.startswith("arn:"):
                    continue
                checked[text] = f"{resource.type} {resource.name} {key}"
    wrong = {arn: where for arn, where in checked.items() if not arn.startswith(GOVCLOUD)}
    assert wrong == {}
    services = {arn.split(":")[2] for arn in checked}
    # What each component builds itself: the key's root principal, the bucket and trail ARNs, the
    # log-export and flow-log trust conditions, the ECS trust condition and the image's repository, the
    # key named by alias, the database's parameters and instance, the alert topic and its alarms.
    assert {
        "iam", "s3", "cloudtrail", "logs", "ec2", "ecs", "ecr", "secretsmanager", "kms", "ssm", "rds", "sns",
        "cloudwatch", "firehose",
    } <= services  # fmt: skip


def test_the_flow_log_role_trusts_only_flow_logs_of_this_govcloud_account(govcloud_run: ProgramRun) -> None:
    (role,) = [
        resource
        for resource in govcloud_run.of_type("aws:iam/role:Role")
        if "vpc-flow-logs.amazonaws.com" in resource.inputs["assumeRolePolicy"]
    ]
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == (
        "arn:aws-us-gov:ec2:us-gov-west-1:111122223333:vpc-flow-log/*"
    )
