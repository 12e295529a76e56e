"""The one hardened S3 bucket every bucket of the baseline is built from.

A bucket here is private (all four public access blocks, ACLs disabled through BucketOwnerEnforced),
versioned, encrypted by default, reachable over TLS only, and forgets its objects when their time is
up: the current version expires after `expiry_days`, and a version that became noncurrent (by that
expiry) is removed a day later, so nothing outlives its retention by more than a day. Object Lock is
switched on at creation when a lock mode is given; it cannot be added to an existing bucket without
AWS support.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.context import ClientContext
from policies.toms_pack import standards

# Days a version is kept after it stops being current; its current life already lasted `expiry_days`.
NONCURRENT_VERSION_DAYS = standards.NONCURRENT_VERSION_DAYS
# Parts of an upload that never completed are useless and invisible in listings; drop them after a week.
INCOMPLETE_UPLOAD_DAYS = 7

PolicyStatement = Mapping[str, Any]


def deny_insecure_transport(arn: str) -> dict[str, Any]:
    """Deny every request to the bucket and its objects that does not arrive over TLS."""
    return {
        "Sid": "DenyRequestsWithoutTls",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


@dataclass(frozen=True)
class ObjectLock:
    """Default Object Lock retention of every new object version."""

    mode: str
    days: int

    def __post_init__(self) -> None:
        if self.mode not in standards.OBJECT_LOCK_MODES:
            raise ValueError(f"Object Lock mode {self.mode!r}: expected one of {standards.OBJECT_LOCK_MODES}")


@dataclass(frozen=True)
class HardenedBucketArgs:
    bucket_name: str
    expiry_days: int
    # The client's KMS key for SSE-KMS with a bucket key; None means SSE-S3 (for writers that accept
    # nothing else, such as load balancer access logs).
    kms_key_arn: pulumi.Input[str] | None
    object_lock: ObjectLock | None = None
    # Statements that admit the bucket's writers; the TLS-only statement is always added.
    policy_statements: pulumi.Input[Sequence[PolicyStatement]] = field(default_factory=list)
    tags: Mapping[str, str] = field(default_factory=dict)


class HardenedBucket(pulumi.ComponentResource):
    """A private, versioned, encrypted, TLS-only bucket whose objects expire after `expiry_days`."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        context: ClientContext,
        args: HardenedBucketArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("toms:storage:HardenedBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            name,
            bucket=args.bucket_name,
            object_lock_enabled=args.object_lock is not None,
            tags=dict(args.tags),
            opts=child,
        )
        ownership = aws.s3.BucketOwnershipControls(
            name,
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        public_access_block = aws.s3.BucketPublicAccessBlock(
            name,
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            name,
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        if args.kms_key_arn is None:
            default_encryption = (
                aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"
                )
            )
        else:
            default_encryption = (
                aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=args.kms_key_arn
                )
            )
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=default_encryption,
                    bucket_key_enabled=args.kms_key_arn is not None,
                )
            ],
            opts=child,
        )
        if args.object_lock is not None:
            aws.s3.BucketObjectLockConfiguration(
                name,
                bucket=bucket.id,
                rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                    default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                        mode=args.object_lock.mode, days=args.object_lock.days
                    )
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
            )
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-after-retention",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=args.expiry_days),
                    noncurrent_version_expiration=(
                        aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                            noncurrent_days=NONCURRENT_VERSION_DAYS
                        )
                    ),
                    abort_incomplete_multipart_upload=(
                        aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                            days_after_initiation=INCOMPLETE_UPLOAD_DAYS
                        )
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        arn = context.bucket_arn(args.bucket_name)
        policy = pulumi.Output.from_input(args.policy_statements).apply(
            lambda statements: json.dumps(
                {"Version": "2012-10-17", "Statement": [deny_insecure_transport(arn), *statements]}
            )
        )
        # S3 refuses concurrent changes to a bucket's access settings; the policy goes last.
        aws.s3.BucketPolicy(
            name,
            bucket=bucket.id,
            policy=policy,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access_block, ownership]),
        )

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.register_outputs({"bucket_name": self.bucket_name, "bucket_arn": self.bucket_arn})
