"""The log archive, the access-log bucket and the export stream, as the real program registers them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.bucket import NONCURRENT_VERSION_DAYS, ObjectLock
from components.context import ClientContext
from components.log_archive import (
    ELB_LOG_DELIVERY_SERVICE,
    FIREHOSE_BUFFER_SECONDS,
    access_logs_bucket_name,
    archive_bucket_name,
    audit_trail_arn,
)
from policies.toms_pack import standards
from tests.components.logging_stack import (
    BUCKET,
    DELIVERY_STREAM,
    TRAIL,
    bucket_policy,
    by_name,
    config_of,
    role_policy,
    statement,
)
from tests.components.program_reading import (
    LOG_GROUP,
    SUBSCRIPTION_FILTER,
    client_config,
    client_key_arn,
    one,
    stack_file,
    statement_actions,
)
from tests.conftest import REPO
from toms.offline.mock_runtime import ProgramRun, RegisteredResource, run_program
from toms.project import read_stack_file

VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"


def archive_bucket(run: ProgramRun) -> RegisteredResource:
    config = client_config(run)
    return by_name(run, BUCKET, f"{config.client}-log-archive")


def access_logs_bucket(run: ProgramRun) -> RegisteredResource:
    config = client_config(run)
    return by_name(run, BUCKET, f"{config.client}-access-logs")


def expected_archive_days(run: ProgramRun) -> int:
    retention = stack_file(run.stack)["toms:retention"]
    days: int = retention.get("archiveDays", retention["logDays"])
    return days


def expected_lock_mode(run: ProgramRun) -> str:
    # A stack that does not choose gets COMPLIANCE: see ArchiveConfig and docs/logging.md.
    mode: str = stack_file(run.stack).get("toms:archive", {}).get("lockMode", "COMPLIANCE")
    return mode


def test_the_archive_is_the_bucket_the_audit_finds_by_its_classification(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    bucket = archive_bucket(stack_run)
    assert bucket.inputs["tags"] == {
        standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_LOG_ARCHIVE
    }
    assert bucket.inputs["bucket"] == archive_bucket_name(config.client, config.account_id, config.region)
    classified = [
        resource
        for resource in stack_run.of_type(BUCKET)
        if (resource.inputs.get("tags") or {}).get(standards.TAG_DATA_CLASSIFICATION)
        == standards.DATA_CLASSIFICATION_LOG_ARCHIVE
    ]
    assert classified == [bucket]
    assert bucket.parent.endswith("toms:storage:HardenedBucket::" + bucket.name)


def test_archive_objects_are_locked_for_the_archive_days_in_the_stacks_mode(stack_run: ProgramRun) -> None:
    bucket = archive_bucket(stack_run)
    assert bucket.inputs["objectLockEnabled"] is True
    retention = config_of(stack_run, OBJECT_LOCK, bucket).inputs["rule"]["defaultRetention"]
    assert retention == {"mode": expected_lock_mode(stack_run), "days": expected_archive_days(stack_run)}


def test_archive_is_encrypted_with_the_client_key_and_a_bucket_key(stack_run: ProgramRun) -> None:
    (rule,) = config_of(stack_run, ENCRYPTION, archive_bucket(stack_run)).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": client_key_arn(stack_run),
    }
    assert rule["bucketKeyEnabled"] is True


@pytest.mark.parametrize("which", ["archive", "access-logs"])
def test_both_buckets_are_versioned_private_owner_enforced_and_expire_after_archive_days(
    stack_run: ProgramRun, which: str
) -> None:
    bucket = archive_bucket(stack_run) if which == "archive" else access_logs_bucket(stack_run)
    versioning = config_of(stack_run, VERSIONING, bucket)
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    block = config_of(stack_run, PUBLIC_ACCESS_BLOCK, bucket).inputs
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block[flag] is True, flag
    ownership = config_of(stack_run, OWNERSHIP, bucket).inputs["rule"]
    assert ownership == {"objectOwnership": "BucketOwnerEnforced"}
    (rule,) = config_of(stack_run, LIFECYCLE, bucket).inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == {}, "the rule must cover every object"
    assert rule["expiration"] == {"days": expected_archive_days(stack_run)}
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": NONCURRENT_VERSION_DAYS}
    assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] > 0


@pytest.mark.parametrize("which", ["archive", "access-logs"])
def test_both_buckets_deny_every_request_without_tls(stack_run: ProgramRun, which: str) -> None:
    bucket = archive_bucket(stack_run) if which == "archive" else access_logs_bucket(stack_run)
    arn = bucket.outputs["arn"]
    deny = statement(bucket_policy(stack_run, bucket), "DenyRequestsWithoutTls")
    assert deny == {
        "Sid": "DenyRequestsWithoutTls",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_bucket_policies_wait_for_the_public_access_block(stack_run: ProgramRun) -> None:
    for bucket in (archive_bucket(stack_run), access_logs_bucket(stack_run)):
        policy = config_of(stack_run, "aws:s3/bucketPolicy:BucketPolicy", bucket)
        assert config_of(stack_run, PUBLIC_ACCESS_BLOCK, bucket).urn in policy.dependencies


def test_archive_refuses_puts_that_ask_for_weaker_encryption(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    arn = archive_bucket(stack_run).outputs["arn"]
    deny = statement(bucket_policy(stack_run, archive_bucket(stack_run)), "DenyPutsWithoutKmsEncryption")
    assert deny["Effect"] == "Deny" and deny["Action"] == "s3:PutObject"
    assert deny["Condition"]["StringNotEquals"]["s3:x-amz-server-side-encryption"] == [
        "aws:kms",
        "aws:kms:dsse",
    ]
    # Only CloudTrail's digest files, which AWS always writes with SSE-S3, are exempt.
    assert deny["NotResource"] == f"{arn}/cloudtrail/AWSLogs/{config.account_id}/CloudTrail-Digest/*"


def test_archive_admits_exactly_the_clients_trail_under_its_own_prefix(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    trail = one(stack_run, TRAIL)
    # The policy names the trail before it exists; the name it predicts is the one the trail gets.
    assert trail.outputs["arn"] == audit_trail_arn(ClientContext.of(config))
    policy = bucket_policy(stack_run, archive_bucket(stack_run))
    arn = archive_bucket(stack_run).outputs["arn"]
    check = statement(policy, "CloudTrailChecksTheBucket")
    write = statement(policy, "CloudTrailWritesItsPrefix")
    for grant in (check, write):
        assert grant["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
        assert grant["Condition"]["StringEquals"]["aws:SourceArn"] == trail.outputs["arn"]
    assert (check["Action"], check["Resource"]) == ("s3:GetBucketAcl", arn)
    assert (write["Action"], write["Resource"]) == (
        "s3:PutObject",
        f"{arn}/{trail.inputs['s3KeyPrefix']}/AWSLogs/{config.account_id}/*",
    )
    allowed = [grant for grant in policy["Statement"] if grant["Effect"] == "Allow"]
    assert allowed == [check, write]


def test_archive_refuses_writes_that_could_escape_the_client_key(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    policy = bucket_policy(stack_run, archive_bucket(stack_run))
    arn = archive_bucket(stack_run).outputs["arn"]
    trail_objects = f"{arn}/cloudtrail/AWSLogs/{config.account_id}/*"
    weaker = statement(policy, "DenyPutsWithoutKmsEncryption")
    assert weaker["Effect"] == "Deny" and weaker["Action"] == "s3:PutObject"
    assert weaker["Condition"]["StringNotEquals"] == {
        "s3:x-amz-server-side-encryption": ["aws:kms", "aws:kms:dsse"]
    }
    # Naming a key is refused everywhere but under the trail's prefix, so the default (the client key)
    # applies to every other object; under the prefix only CloudTrail itself may write.
    named = statement(policy, "DenyPutsNamingAnotherKey")
    assert (named["Effect"], named["Principal"], named["Action"]) == ("Deny", "*", "s3:PutObject")
    assert named["NotResource"] == trail_objects
    assert named["Condition"] == {"Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"}}
    only_trail = statement(policy, "OnlyCloudTrailWritesTheTrailPrefix")
    assert (only_trail["Effect"], only_trail["Resource"]) == ("Deny", trail_objects)
    assert only_trail["Condition"] == {
        "StringNotEqualsIfExists": {"aws:PrincipalServiceName": "cloudtrail.amazonaws.com"}
    }
    # The stream names no key of its own, so its writes are not refused and get the client key.
    assert "kmsKeyArn" not in one(stack_run, DELIVERY_STREAM).inputs["extendedS3Configuration"]


def test_access_logs_bucket_uses_sse_s3_and_is_classified_as_access_logs(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    bucket = access_logs_bucket(stack_run)
    assert bucket.inputs["bucket"] == access_logs_bucket_name(config.client, config.account_id, config.region)
    assert bucket.inputs["objectLockEnabled"] is False
    # The one classification the pack lets go without a customer key: load balancers cannot write to one.
    assert bucket.inputs["tags"] == {
        standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_ACCESS_LOGS
    }
    (rule,) = config_of(stack_run, ENCRYPTION, bucket).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    assert rule["bucketKeyEnabled"] is False


def elb_write(run: ProgramRun) -> dict[str, Any]:
    return statement(bucket_policy(run, access_logs_bucket(run)), "LoadBalancerDeliversAccessLogs")


def test_regional_elb_account_writes_access_logs_in_older_regions(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    grant = elb_write(stack_run)
    arn = access_logs_bucket(stack_run).outputs["arn"]
    # Every example stack is in a region opened before August 2022: the ELB account of that region.
    principal = grant["Principal"]["AWS"]
    assert principal.startswith("arn:aws:iam::") and principal.endswith(":root")
    assert config.account_id not in principal
    assert (grant["Effect"], grant["Action"]) == ("Allow", "s3:PutObject")
    assert grant["Resource"] == f"{arn}/AWSLogs/{config.account_id}/*"


def test_log_delivery_service_writes_access_logs_in_newer_regions() -> None:
    raw = read_stack_file(REPO / "stacks" / "Pulumi.acme.yaml")
    raw["aws:region"] = "eu-central-2"
    raw["toms:certificateArn"] = raw["toms:certificateArn"].replace("eu-west-1", "eu-central-2")
    run = run_program(REPO, "acme", raw)
    assert elb_write(run)["Principal"] == {"Service": ELB_LOG_DELIVERY_SERVICE}


def test_export_stream_is_encrypted_and_writes_gzip_per_log_group_and_day(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    stream = one(stack_run, DELIVERY_STREAM)
    key = client_key_arn(stack_run)
    assert stream.inputs["destination"] == "extended_s3"
    assert stream.inputs["serverSideEncryption"] == {
        "enabled": True,
        "keyType": "CUSTOMER_MANAGED_CMK",
        "keyArn": key,
    }
    s3 = stream.inputs["extendedS3Configuration"]
    assert s3["bucketArn"] == archive_bucket(stack_run).outputs["arn"]
    assert s3["compressionFormat"] == "GZIP"
    assert s3["prefix"] == f"{config.client}/!{{partitionKeyFromQuery:logGroup}}/!{{timestamp:yyyy-MM-dd}}/"
    assert s3["errorOutputPrefix"].startswith(f"{config.client}/_errors/!{{firehose:error-output-type}}/")
    assert s3["dynamicPartitioningConfiguration"]["enabled"] is True
    # "Within minutes": a batch is written at the latest after the buffer interval.
    assert s3["bufferingInterval"] == FIREHOSE_BUFFER_SECONDS <= 60
    assert s3["cloudwatchLoggingOptions"] == {
        "enabled": True,
        "logGroupName": f"/toms/{config.client}/log-export-errors",
        "logStreamName": "DestinationDelivery",
    }


def test_delivery_errors_go_to_a_retained_encrypted_log_group_that_is_not_exported(
    stack_run: ProgramRun,
) -> None:
    config = client_config(stack_run)
    name = f"/toms/{config.client}/log-export-errors"
    (group,) = [group for group in stack_run.of_type(LOG_GROUP) if group.inputs["name"] == name]
    assert group.inputs["retentionInDays"] == config.retention.log_days
    assert group.inputs["kmsKeyId"] == client_key_arn(stack_run)
    # Exported through the stream whose errors it holds, a failing stream would loop.
    assert [
        f for f in stack_run.of_type(SUBSCRIPTION_FILTER) if f.inputs["logGroup"] == group.outputs["name"]
    ] == []
    (log_stream,) = stack_run.of_type("aws:cloudwatch/logStream:LogStream")
    assert (log_stream.inputs["logGroupName"], log_stream.inputs["name"]) == (name, "DestinationDelivery")
    assert log_stream.urn in one(stack_run, DELIVERY_STREAM).dependencies
    role = by_name(stack_run, "aws:iam/role:Role", f"{config.client}-firehose")
    statements = {item["Sid"]: item for item in role_policy(stack_run, role)["Statement"]}
    assert statements["LogDeliveryErrors"]["Action"] == ["logs:PutLogEvents"]
    assert statements["LogDeliveryErrors"]["Resource"] == f"{group.outputs['arn']}:log-stream:*"


def test_export_stream_decompresses_cloudwatch_batches_and_partitions_by_log_group(
    stack_run: ProgramRun,
) -> None:
    processing = one(stack_run, DELIVERY_STREAM).inputs["extendedS3Configuration"]["processingConfiguration"]
    assert processing["enabled"] is True
    processors = {
        processor["type"]: {item["parameterName"]: item["parameterValue"] for item in processor["parameters"]}
        for processor in processing["processors"]
    }
    assert list(processors) == ["Decompression", "MetadataExtraction", "AppendDelimiterToRecord"]
    assert processors["Decompression"] == {"CompressionFormat": "GZIP"}
    extraction = processors["MetadataExtraction"]
    assert extraction["JsonParsingEngine"] == "JQ-1.6"
    assert extraction["MetadataExtractionQuery"].startswith("{logGroup: .logGroup")


def trust(role: RegisteredResource) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(role.inputs["assumeRolePolicy"])
    (grant,) = document["Statement"]
    return grant


def test_cloudwatch_logs_may_only_put_records_into_the_export_stream(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    role = by_name(stack_run, "aws:iam/role:Role", f"{config.client}-log-export")
    grant = trust(role)
    assert grant["Principal"] == {"Service": "logs.amazonaws.com"}
    assert grant["Condition"] == {
        "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{config.region}:{config.account_id}:*"}
    }
    (permission,) = role_policy(stack_run, role)["Statement"]
    assert permission["Effect"] == "Allow"
    assert sorted(permission["Action"]) == ["firehose:PutRecord", "firehose:PutRecordBatch"]
    assert permission["Resource"] == one(stack_run, DELIVERY_STREAM).outputs["arn"]


def test_firehose_may_only_write_the_clients_prefix_and_use_the_key_through_s3(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    role = by_name(stack_run, "aws:iam/role:Role", f"{config.client}-firehose")
    grant = trust(role)
    assert grant["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert grant["Condition"] == {"StringEquals": {"sts:ExternalId": config.account_id}}
    arn = archive_bucket(stack_run).outputs["arn"]
    statements = {item["Sid"]: item for item in role_policy(stack_run, role)["Statement"]}
    assert statements["WriteTheClientsExportPrefix"]["Resource"] == f"{arn}/{config.client}/*"
    assert set(statements["WriteTheClientsExportPrefix"]["Action"]) == {
        "s3:PutObject",
        "s3:AbortMultipartUpload",
    }
    assert statements["LocateTheArchive"] == {
        "Sid": "LocateTheArchive",
        "Effect": "Allow",
        "Action": ["s3:GetBucketLocation"],
        "Resource": arn,
    }
    kms = statements["EncryptThroughS3Only"]
    # The key by its alias: known before the key exists, and no other key of the account.
    assert kms["Resource"] == f"arn:aws:kms:{config.region}:{config.account_id}:key/*"
    assert kms["Condition"] == {
        "StringEquals": {"kms:ViaService": [f"s3.{config.region}.amazonaws.com"]},
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/toms/{config.client}"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": [arn, f"{arn}/*"]},
    }
    assert set(statements) == {
        "WriteTheClientsExportPrefix",
        "LocateTheArchive",
        "EncryptThroughS3Only",
        "LogDeliveryErrors",
    }
    every_action = [action for item in statements.values() for action in statement_actions(item)]
    assert not [action for action in every_action if action.endswith("*")]
    # Of CloudWatch Logs, only writing its delivery errors.
    assert [action for action in every_action if action.startswith("logs:")] == ["logs:PutLogEvents"]


def test_object_lock_refuses_a_mode_s3_does_not_know() -> None:
    with pytest.raises(ValueError, match="LEGAL_HOLD"):
        ObjectLock(mode="LEGAL_HOLD", days=30)


def test_the_archive_and_its_stream_come_out_of_one_component(stack_run: ProgramRun) -> None:
    archive = one(stack_run, "toms:logging:LogArchive")
    assert one(stack_run, DELIVERY_STREAM).parent == archive.urn
    hardened = [
        child for child in stack_run.children_of(archive.urn) if child.type == "toms:storage:HardenedBucket"
    ]
    assert sorted(child.name for child in hardened) == sorted(
        [archive_bucket(stack_run).name, access_logs_bucket(stack_run).name]
    )
