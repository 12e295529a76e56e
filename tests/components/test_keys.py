"""The client key's policy: administration without use, use only by the baseline's own roles through their
service, and AWS services only for this account's logs, trail and alarms. No statement names AWS "*"."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from policies.toms_pack import standards
from tests.components.program_reading import client_config, one
from toms.offline.mock_runtime import ProgramRun

KEY_USE_ACTIONS = standards.KMS_KEY_USE_ACTIONS
ROLE = "aws:iam/role:Role"


def key_statements(run: ProgramRun) -> dict[str, dict[str, Any]]:
    policy = json.loads(one(run, "aws:kms/key:Key").inputs["policy"])
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert len(statements) == len(policy["Statement"]), "every statement has its own Sid"
    return statements


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def grants_use(statement: dict[str, Any]) -> list[str]:
    """The key-use actions a statement's (possibly wildcard) actions match."""
    return [
        use
        for use in KEY_USE_ACTIONS
        if any(fnmatch.fnmatchcase(use, pattern) for pattern in actions(statement))
    ]


def test_no_statement_names_every_principal(stack_run: ProgramRun) -> None:
    for statement in key_statements(stack_run).values():
        assert statement["Effect"] == "Allow"
        assert statement["Principal"] not in ("*", {"AWS": "*"}), statement["Sid"]
        assert "*" not in json.dumps(statement["Principal"]), statement["Sid"]


def test_administrators_administer_without_use(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    admin = key_statements(stack_run)["AccountAdministersTheKeyButCannotUseIt"]
    assert admin["Principal"] == {"AWS": f"arn:aws:iam::{config.account_id}:root"}
    assert "Condition" not in admin
    # Wildcards count for every action they match: kms:Create* would hand out kms:CreateGrant.
    assert grants_use(admin) == []


def test_account_principals_use_the_key_only_under_a_condition_that_names_who_or_what(
    stack_run: ProgramRun,
) -> None:
    config = client_config(stack_run)
    root = {"AWS": f"arn:aws:iam::{config.account_id}:root"}
    for sid, statement in key_statements(stack_run).items():
        if statement["Principal"] != root or not grants_use(statement):
            continue
        condition = statement["Condition"]
        via = condition["StringEquals"]["kms:ViaService"]
        services = [via] if isinstance(via, str) else via
        assert services and all(service.endswith(f".{config.region}.amazonaws.com") for service in services)
        if sid == "AccountAttachesTheKeyToAwsResources":
            assert actions(statement) == ["kms:CreateGrant"]
            assert condition["Bool"] == {"kms:GrantIsForAWSResource": "true"}
        elif sid == "DeployerCreatesTheDatabasesManagedSecret":
            assert services == [f"secretsmanager.{config.region}.amazonaws.com"]
            assert condition["ArnLike"] == {
                "kms:EncryptionContext:SecretARN": (
                    f"arn:aws:secretsmanager:{config.region}:{config.account_id}:secret:rds!*"
                )
            }
        else:
            assert sid.startswith("RoleUsesTheKey"), sid
            assert set(condition["ArnEquals"]) == {"aws:PrincipalArn"}


def test_key_use_goes_to_the_roles_the_baseline_creates_and_no_other(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    users = {
        statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]: statement
        for sid, statement in key_statements(stack_run).items()
        if sid.startswith("RoleUsesTheKey")
    }
    role_arns = {role.outputs["arn"] for role in stack_run.of_type(ROLE)}
    prefix = f"arn:aws:iam::{config.account_id}:role/toms-{config.client}-"
    assert set(users) == {f"{prefix}{purpose}" for purpose in ("task-execution", "task", "archive-writer")}
    assert set(users) <= role_arns, "the key policy names a role the baseline does not create"
    assert grants_use(users[f"{prefix}archive-writer"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert users[f"{prefix}archive-writer"]["Condition"]["StringEquals"] == {
        "kms:ViaService": [f"s3.{config.region}.amazonaws.com"]
    }
    for reader in ("task", "task-execution"):
        assert grants_use(users[f"{prefix}{reader}"]) == ["kms:Decrypt"], reader


def test_services_use_the_key_for_this_accounts_logs_trail_and_alarms_only(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    statements = key_statements(stack_run)
    services = {
        statement["Principal"]["Service"]: statement
        for statement in statements.values()
        if "Service" in statement["Principal"]
    }
    assert set(services) == {
        f"logs.{config.region}.amazonaws.com",
        "cloudtrail.amazonaws.com",
        "cloudwatch.amazonaws.com",
    }
    logs = services[f"logs.{config.region}.amazonaws.com"]["Condition"]
    assert logs == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": (
                f"arn:aws:logs:{config.region}:{config.account_id}:log-group:*"
            )
        }
    }
    trail = services["cloudtrail.amazonaws.com"]
    # kms:GenerateDataKey*, as CloudTrail documents it: data keys only, never Decrypt.
    assert "kms:Decrypt" not in grants_use(trail)
    assert all(action.startswith("kms:GenerateDataKey") for action in grants_use(trail))
    assert trail["Condition"]["StringEquals"] == {
        "aws:SourceAccount": config.account_id,
        "aws:SourceArn": one(stack_run, "aws:cloudtrail/trail:Trail").outputs["arn"],
    }
    alarms = services["cloudwatch.amazonaws.com"]["Condition"]
    assert alarms == {
        "StringEquals": {"aws:SourceAccount": config.account_id},
        "ArnLike": {
            "aws:SourceArn": f"arn:aws:cloudwatch:{config.region}:{config.account_id}:alarm:toms-{config.client}-*"
        },
    }
    for alarm in stack_run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        assert fnmatch.fnmatchcase(alarm.inputs["name"], f"toms-{config.client}-*"), alarm.name


def test_roles_name_the_key_by_its_alias_and_the_alias_is_the_keys(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    alias = one(stack_run, "aws:kms/alias:Alias")
    assert alias.inputs["name"] == f"alias/toms/{config.client}"
    assert alias.inputs["targetKeyId"] == one(stack_run, "aws:kms/key:Key").outputs["keyId"]
