"""The audit trail, as the real program registers it for every example stack."""

from __future__ import annotations

import json

from components.log_archive import CLOUDTRAIL_PREFIX, audit_trail_name
from tests.components.logging_stack import (
    BUCKET,
    TRAIL,
    by_name,
    config_of,
    role_policy,
)
from tests.components.program_reading import (
    LOG_GROUP,
    SUBSCRIPTION_FILTER,
    client_config,
    client_key_arn,
    one,
    stack_file,
)
from toms.offline.mock_runtime import ProgramRun, RegisteredResource


def trail_log_group(run: ProgramRun) -> RegisteredResource:
    client = client_config(run).client
    (group,) = [
        group for group in run.of_type(LOG_GROUP) if group.inputs["name"] == f"/toms/{client}/cloudtrail"
    ]
    return group


def test_trail_covers_every_region_validates_and_encrypts_with_the_client_key(stack_run: ProgramRun) -> None:
    trail = one(stack_run, TRAIL).inputs
    assert trail["name"] == audit_trail_name(client_config(stack_run).client)
    assert trail["isMultiRegionTrail"] is True
    assert trail["includeGlobalServiceEvents"] is True
    assert trail["enableLogFileValidation"] is True
    assert trail["enableLogging"] is True
    assert trail["kmsKeyId"] == client_key_arn(stack_run)


def test_trail_delivers_to_the_archive_under_its_own_prefix(stack_run: ProgramRun) -> None:
    trail = one(stack_run, TRAIL)
    archive = by_name(stack_run, BUCKET, f"{client_config(stack_run).client}-log-archive")
    assert trail.inputs["s3BucketName"] == archive.outputs["id"]
    assert trail.inputs["s3KeyPrefix"] == CLOUDTRAIL_PREFIX
    # CloudTrail checks the bucket policy when the trail is created, so the policy comes first.
    policy = config_of(stack_run, "aws:s3/bucketPolicy:BucketPolicy", archive)
    assert policy.urn in trail.dependencies


def test_trail_delivers_to_a_retained_exported_log_group(stack_run: ProgramRun) -> None:
    trail = one(stack_run, TRAIL).inputs
    group = trail_log_group(stack_run)
    assert trail["cloudWatchLogsGroupArn"] == f"{group.outputs['arn']}:*"
    assert group.inputs["retentionInDays"] == stack_file(stack_run.stack)["toms:retention"]["logDays"]
    assert group.inputs["kmsKeyId"] == client_key_arn(stack_run)
    exported = [
        item
        for item in stack_run.of_type(SUBSCRIPTION_FILTER)
        if item.inputs["logGroup"] == group.outputs["name"]
    ]
    assert len(exported) == 1


def test_cloudtrail_may_only_write_its_log_group_for_this_trail(stack_run: ProgramRun) -> None:
    trail = one(stack_run, TRAIL)
    role = by_name(stack_run, "aws:iam/role:Role", f"{client_config(stack_run).client}-trail-logs")
    assert trail.inputs["cloudWatchLogsRoleArn"] == role.outputs["arn"]
    (grant,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert grant["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert grant["Condition"] == {"StringEquals": {"aws:SourceArn": trail.outputs["arn"]}}
    (permission,) = role_policy(stack_run, role)["Statement"]
    assert sorted(permission["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert permission["Resource"] == f"{trail_log_group(stack_run).outputs['arn']}:log-stream:*"


def test_trail_settings_are_known_in_preview(preview_run: ProgramRun) -> None:
    trail = one(preview_run, TRAIL).inputs
    for setting in ("isMultiRegionTrail", "enableLogFileValidation", "includeGlobalServiceEvents"):
        assert trail[setting] is True, setting
    assert (
        trail["s3BucketName"]
        == by_name(preview_run, BUCKET, f"{client_config(preview_run).client}-log-archive").inputs["bucket"]
    )


def test_trail_belongs_to_the_audit_trail_component(stack_run: ProgramRun) -> None:
    component = one(stack_run, "toms:logging:AuditTrail")
    assert one(stack_run, TRAIL).parent == component.urn
    assert trail_log_group(stack_run).parent == component.urn


def test_trail_records_management_events_and_every_read_and_write_of_the_archive(
    stack_run: ProgramRun,
) -> None:
    archive = by_name(stack_run, BUCKET, f"{client_config(stack_run).client}-log-archive").outputs["arn"]
    selectors = {
        selector["name"]: selector["fieldSelectors"]
        for selector in one(stack_run, TRAIL).inputs["advancedEventSelectors"]
    }
    assert one(stack_run, TRAIL).inputs.get("eventSelectors") is None
    (management,) = [
        fields
        for fields in selectors.values()
        if {"field": "eventCategory", "equals": ["Management"]} in fields
    ]
    assert management == [{"field": "eventCategory", "equals": ["Management"]}]
    data = [
        fields for fields in selectors.values() if {"field": "eventCategory", "equals": ["Data"]} in fields
    ]
    by_access = {}
    for fields in data:
        by_field = {field["field"]: field for field in fields}
        assert by_field["resources.type"]["equals"] == ["AWS::S3::Object"]
        by_access[by_field["readOnly"]["equals"][0]] = by_field["resources.ARN"]
    assert set(by_access) == {"true", "false"}
    assert by_access["true"] == {"field": "resources.ARN", "startsWiths": [f"{archive}/"]}
    # The trail's own deliveries are left out of the writes: each would be an event of the next delivery.
    assert by_access["false"] == {
        "field": "resources.ARN",
        "startsWiths": [f"{archive}/"],
        "notStartsWiths": [f"{archive}/{CLOUDTRAIL_PREFIX}/"],
    }


def test_the_trail_and_its_role_are_known_in_the_first_preview(preview_run: ProgramRun) -> None:
    config = client_config(preview_run)
    trail = one(preview_run, TRAIL).inputs
    assert trail["cloudWatchLogsGroupArn"] == (
        f"arn:aws:logs:{config.region}:{config.account_id}:log-group:/toms/{config.client}/cloudtrail:*"
    )
    assert isinstance(trail["advancedEventSelectors"], list)
