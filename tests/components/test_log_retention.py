"""Every log group of the whole program keeps the stack's retention, uses the client key and is exported;
bad retention or lock settings in a stack file stop the program with a message that names the key."""

from __future__ import annotations

import json

import pytest

from components.config import StackConfigError, parse_client_config
from tests.components.logging_stack import DELIVERY_STREAM, by_name
from tests.components.program_reading import LOG_GROUP, SUBSCRIPTION_FILTER, client_key_arn, one, stack_file
from tests.conftest import REPO
from toms.offline.mock_runtime import ProgramError, ProgramRun, run_program
from toms.project import read_stack_file


def test_every_log_group_keeps_the_stacks_log_days_with_the_client_key(stack_run: ProgramRun) -> None:
    log_days = stack_file(stack_run.stack)["toms:retention"]["logDays"]
    groups = stack_run.of_type(LOG_GROUP)
    names = {group.inputs["name"] for group in groups}
    # The trail and the flow logs are always there; other components add theirs.
    client = stack_file(stack_run.stack)["toms:client"]
    assert {f"/toms/{client}/cloudtrail", f"/toms/{client}/vpc-flow-logs"} <= names
    for group in groups:
        assert group.inputs["retentionInDays"] == log_days, group.name
        assert group.inputs["kmsKeyId"] == client_key_arn(stack_run), group.name


def test_every_log_group_has_exactly_one_subscription_to_the_export_stream(stack_run: ProgramRun) -> None:
    stream = one(stack_run, DELIVERY_STREAM)
    export_role = by_name(
        stack_run, "aws:iam/role:Role", f"{stack_file(stack_run.stack)['toms:client']}-log-export"
    )
    filters = stack_run.of_type(SUBSCRIPTION_FILTER)
    # The stream's own error log is the one exception: exported through the stream, errors would loop.
    errors = stream.inputs["extendedS3Configuration"]["cloudwatchLoggingOptions"]["logGroupName"]
    for group in stack_run.of_type(LOG_GROUP):
        subscriptions = [item for item in filters if item.inputs["logGroup"] == group.outputs["name"]]
        if group.inputs["name"] == errors:
            assert subscriptions == []
            continue
        assert len(subscriptions) == 1, group.name
        (subscription,) = subscriptions
        assert subscription.inputs["destinationArn"] == stream.outputs["arn"]
        assert subscription.inputs["roleArn"] == export_role.outputs["arn"]
        assert subscription.inputs["filterPattern"] == ""
    assert len(filters) == len(stack_run.of_type(LOG_GROUP)) - 1


def test_subscriptions_wait_for_the_export_roles_permission(stack_run: ProgramRun) -> None:
    client = stack_file(stack_run.stack)["toms:client"]
    permission = by_name(stack_run, "aws:iam/rolePolicy:RolePolicy", f"{client}-log-export")
    for subscription in stack_run.of_type(SUBSCRIPTION_FILTER):
        assert permission.urn in subscription.dependencies, subscription.name


def test_preview_knows_every_log_groups_retention(preview_run: ProgramRun) -> None:
    log_days = stack_file(preview_run.stack)["toms:retention"]["logDays"]
    for group in preview_run.of_type(LOG_GROUP):
        assert group.inputs["retentionInDays"] == log_days


ACME = REPO / "stacks" / "Pulumi.acme.yaml"


def acme_with(**overrides: object) -> dict[str, str]:
    raw = read_stack_file(ACME)
    return {**raw, **{key: json.dumps(value) for key, value in overrides.items()}}


def test_archive_days_below_log_days_names_the_key_and_the_bound() -> None:
    raw = acme_with(**{"toms:retention": {"logDays": 90, "archiveDays": 60, "backupDays": 14}})
    with pytest.raises(StackConfigError) as raised:
        parse_client_config(raw, "stacks/Pulumi.acme.yaml")
    message = str(raised.value)
    assert "stacks/Pulumi.acme.yaml" in message
    assert "toms:retention.archiveDays: got 60" in message
    assert "archiveDays >= logDays (90)" in message


@pytest.mark.parametrize("mode", ["LEGAL_HOLD", "governance", ""])
def test_an_unknown_lock_mode_names_the_key_and_the_modes(mode: str) -> None:
    with pytest.raises(StackConfigError) as raised:
        parse_client_config(acme_with(**{"toms:archive": {"lockMode": mode}}), "stacks/Pulumi.acme.yaml")
    assert f'toms:archive.lockMode: got "{mode}"' in str(raised.value)
    assert "expected 'GOVERNANCE' or 'COMPLIANCE'" in str(raised.value)


def test_a_bad_retention_stops_the_program_before_any_resource() -> None:
    raw = acme_with(**{"toms:retention": {"logDays": 90, "archiveDays": 30, "backupDays": 14}})
    with pytest.raises(ProgramError, match=r"toms:retention\.archiveDays: got 30") as raised:
        run_program(REPO, "acme", raw)
    assert "Traceback" not in str(raised.value)
    assert raised.value.registered == ()


def test_archive_days_equal_to_log_days_are_accepted() -> None:
    config = parse_client_config(
        acme_with(**{"toms:retention": {"logDays": 90, "archiveDays": 90, "backupDays": 14}}),
        "stacks/Pulumi.acme.yaml",
    )
    assert config.retention.archive_retention_days == 90
