"""The one client context every component is built from, and the roles `components.iam` builds."""

from __future__ import annotations

import dataclasses
import json

import pytest

from components.config import parse_client_config
from components.context import ClientContext
from tests.components.program_reading import client_config, govcloud_stack_file
from tests.conftest import REPO
from toms.offline.mock_runtime import ProgramRun
from toms.project import flatten_stack_config

ROLE = "aws:iam/role:Role"


def test_the_context_has_no_defaults_for_where_the_stack_lives() -> None:
    required = {
        field.name
        for field in dataclasses.fields(ClientContext)
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    }
    assert {"client", "account_id", "region", "partition"} <= required
    with pytest.raises(TypeError):
        ClientContext(client="acme", account_id="111122223333", region="eu-west-1")  # type: ignore[call-arg]


def test_the_context_is_frozen_tags_included() -> None:
    context = ClientContext.of(
        parse_client_config(flatten_stack_config(govcloud_stack_file(), "x.yaml"), "x.yaml")
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.partition = "aws"  # type: ignore[misc]
    with pytest.raises(TypeError):
        context.tags["client"] = "other"  # type: ignore[index]
    assert context.partition == "aws-us-gov"
    assert context.role_arn("task") == "arn:aws-us-gov:iam::111122223333:role/toms-acme-task"
    assert (
        context.parameter_arn("/toms/acme/x")
        == "arn:aws-us-gov:ssm:us-gov-west-1:111122223333:parameter/toms/acme/x"
    )
    assert context.bucket_arn("b") == "arn:aws-us-gov:s3:::b"


def test_no_component_argument_class_repeats_the_context() -> None:
    """Client, account, region and partition come from the context alone, never from an Args default."""
    for module in sorted((REPO / "components").glob("*.py")):
        source = module.read_text(encoding="utf-8")
        assert 'partition: str = "aws"' not in source, module.name
        assert "def bucket_arn(" not in source or module.name == "context.py", module.name


def test_every_role_is_named_by_the_program_and_trusts_one_service_under_a_condition(
    stack_run: ProgramRun,
) -> None:
    config = client_config(stack_run)
    roles = stack_run.of_type(ROLE)
    names = {role.inputs["name"] for role in roles}
    assert names == {
        f"toms-{config.client}-{purpose}"
        for purpose in (
            "archive-writer", "log-export", "flow-logs", "rds-monitoring", "task-execution", "task", "trail-logs",
        )
    }  # fmt: skip
    for role in roles:
        assert role.outputs["arn"] == f"arn:aws:iam::{config.account_id}:role/{role.inputs['name']}"
        (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert set(trust["Principal"]) == {"Service"} and isinstance(trust["Principal"]["Service"], str)
        assert trust["Action"] == "sts:AssumeRole"
        assert trust["Condition"], role.inputs["name"]
        # Every role but the application's has exactly one inline policy; the application's has one too
        # (its database secret), as the stacks all have a database.
        policies = [
            policy
            for policy in stack_run.of_type("aws:iam/rolePolicy:RolePolicy")
            if policy.inputs["role"] == role.outputs["id"]
        ]
        assert len(policies) == 1, role.inputs["name"]
        assert policies[0].parent == role.parent
