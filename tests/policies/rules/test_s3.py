"""S3 buckets and their configuration resources: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.policies.casetable import (
    Case,
    absent,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unchanged,
    unknown,
    violating,
)
from tests.policies.samples import (
    ARCHIVE_BUCKET,
    DELETE,
    KEY_ARN,
    OTHER_BUCKET,
    PROVIDER,
    add,
    both,
    change,
    drop,
    through_output,
    twin,
    with_props,
)
from toms.offline.analyzer_client import UNKNOWN, ResourceInput

PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
ALL_BLOCKED = dict.fromkeys(
    ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
)


# Problem 1 of issue 14: `Output.all(bucket.id, other.id).apply(lambda ids: ids[0])` as a configuration's
# bucket: unknown in preview, depending on both buckets, so it is the value of neither.
def _on_either_bucket(role: str):
    return both(OTHER_BUCKET, through_output(role, "bucket", "bucket", "other-bucket"))


__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
OBJECT_COPY = "aws:s3/objectCopy:ObjectCopy"
WEBSITE = "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
INVENTORY = "aws:s3/inventory:Inventory"
DATA_SYNC = "aws:ssm/resourceDataSync:ResourceDataSync"
OWNER_ID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
OTHER_ID = "be2fe74dc7e8129f8fd1d67f6839eef8e54690d1"
OTHER_ACCOUNT = "444455556666"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
LOG_DELIVERY_URI = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def with_unknown_rule(role: str, first: bool = False) -> Callable[[dict[str, ResourceInput]], None]:
    """A stack edit adding an unknown item to `role`'s rules (first or last)."""

    def apply(stack: dict[str, ResourceInput]) -> None:
        rules = stack[role].props["rules"]
        rules.insert(0 if first else len(rules), UNKNOWN)

    return apply


def subject(resource_type: str, **props: Any) -> ResourceInput:
    """A resource with `props`; a property given as DELETE is left out."""
    kept = {key: value for key, value in props.items() if value is not DELETE}
    return ResourceInput(resource_type, "subject", kept, provider=PROVIDER)


def bucket_acl(*grantees: dict[str, Any]) -> ResourceInput:
    grants = [{"permission": "READ", "grantee": grantee} for grantee in grantees]
    return subject(
        BUCKET_ACL,
        bucket="acme-data",
        accessControlPolicy={"owner": {"id": OWNER_ID}, "grants": grants},
    )


def bucket_object(**changes: Any) -> ResourceInput:
    props = {
        "bucket": "acme-data",
        "key": "reports/2026.csv",
        "content": "id,name",
        "serverSideEncryption": "aws:kms",
        "kmsKeyId": KEY_ARN,
    }
    return subject(OBJECT, **{**props, **changes})


def object_copy(**changes: Any) -> ResourceInput:
    props = {
        "bucket": "acme-data",
        "key": "copy.csv",
        "source": "acme-data/reports/2026.csv",
        "serverSideEncryption": "aws:kms",
        "kmsKeyId": KEY_ARN,
    }
    return subject(OBJECT_COPY, **{**props, **changes})


def replica(**destination: Any) -> dict[str, Any]:
    """A replication configuration of the archive with one rule to `destination`."""
    return {
        "bucket": ARCHIVE_BUCKET,
        "role": "arn:aws:iam::111122223333:role/replication",
        "rules": [
            {
                "id": "all",
                "status": "Enabled",
                "destination": {
                    "bucket": f"arn:aws:s3:::{ARCHIVE_BUCKET}",
                    "encryptionConfiguration": {"replicaKmsKeyId": KEY_ARN},
                    **destination,
                },
            }
        ],
    }


def inventory(**bucket: Any) -> dict[str, Any]:
    return {
        "bucket": ARCHIVE_BUCKET,
        "name": "weekly",
        "includedObjectVersions": "Current",
        "schedule": {"frequency": "Weekly"},
        "destination": {
            "bucket": {
                "format": "CSV",
                "bucketArn": f"arn:aws:s3:::{ARCHIVE_BUCKET}",
                "encryption": {"sseKms": {"keyId": KEY_ARN}},
                **bucket,
            }
        },
    }


TRUSTED = {"s3-copies-stay-with-client": {"trustedAccounts": [OTHER_ACCOUNT]}}


CASES: dict[str, list[Case]] = {
    "s3-versioning": [
        compliant(unchanged),
        compliant(through_output("versioning", "bucket", "bucket"), label="joined-by-its-one-dependency"),
        violating(drop("versioning"), "bucket bucket has no BucketVersioning", at="bucket"),
        violating(
            change("versioning", "versioningConfiguration.status", "Suspended"), "Suspended", at="bucket"
        ),
        violating(
            _on_either_bucket("versioning"),
            "bucket bucket has no BucketVersioning: add one with status Enabled; versioning may point at "
            "bucket but cannot be shown to",
        ),
        violating(
            twin("versioning", "versioning-2"),
            "2 BucketVersionings (versioning and versioning-2)",
            at="bucket",
        ),
        unknown(
            change("versioning", "versioningConfiguration.status", UNKNOWN),
            "bucket.versioning.versioningConfiguration.status",
            at="bucket",
        ),
        malformed(change("versioning", "versioningConfiguration", 3), "status is not set", at="bucket"),
    ],
    "s3-encryption": [
        compliant(unchanged),
        violating(
            change("encryption", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256"),
            "use sseAlgorithm aws:kms",
            at="bucket",
        ),
        violating(drop("encryption"), "has no encryption configuration", at="bucket"),
        # An unclassified bucket needs no configuration: S3 encrypts every new object with SSE-S3.
        compliant(OTHER_BUCKET, label="unclassified-bucket-without-configuration"),
        violating(_on_either_bucket("encryption"), "encryption may point at bucket but cannot be shown to"),
        violating(
            twin("encryption", "encryption-2"),
            "2 BucketServerSideEncryptionConfigurations (encryption and encryption-2)",
            at="bucket",
        ),
        unknown(
            change("encryption", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", UNKNOWN),
            "bucket.sseAlgorithm",
            at="bucket",
        ),
        malformed(
            change("encryption", "rules.0.applyServerSideEncryptionByDefault", "aws:kms"),
            "sseAlgorithm is not set",
            at="bucket",
        ),
        unknown(change("encryption", "rules", UNKNOWN), "encryption.rules", at="encryption", label="rules"),
        unknown(
            change("encryption", "rules", [UNKNOWN]), "encryption.rules[0]", at="encryption", label="one-rule"
        ),
        violating(
            both(
                change("encryption", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256"),
                with_unknown_rule("encryption", first=True),
            ),
            "use sseAlgorithm aws:kms",
            label="beside-unknown",
        ),
        malformed(
            change("encryption", "rules", "aws:kms"),
            'encryption: rules is "aws:kms", expected a list of encryption rules',
            at="encryption",
            label="rules",
        ),
        violating(
            change("encryption", "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", "alias/aws/s3"),
            'kmsMasterKeyId is "alias/aws/s3"',
            at="bucket",
        ),
        violating(
            change(
                "encryption",
                "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId",
                "arn:aws:kms:eu-west-1:111122223333:alias/aws/s3",
            ),
            "customer-managed key",
            at="bucket",
        ),
    ],
    "s3-bucket-protected": [
        compliant(unchanged),
        violating(drop("public-access-block"), "no BucketPublicAccessBlock", at="bucket"),
        violating(
            change("public-access-block", "restrictPublicBuckets", False),
            "restrictPublicBuckets is false",
            at="bucket",
        ),
        compliant(drop("encryption"), label="encryption-is-another-rules"),
        # Problems 2 and 3 of issue 14: two blocks (S3 keeps the last applied), or a block that points at
        # the bucket only through an output of several resources.
        violating(
            twin("public-access-block", "public-access-block-2", "blockPublicAcls", False),
            "2 BucketPublicAccessBlocks (public-access-block and public-access-block-2)",
            at="bucket",
        ),
        violating(
            _on_either_bucket("public-access-block"),
            "bucket bucket has no BucketPublicAccessBlock: add one with all four flags true; "
            "public-access-block may point at bucket but cannot be shown to",
        ),
        unknown(
            change("public-access-block", "ignorePublicAcls", UNKNOWN),
            "bucket.public-access-block.ignorePublicAcls",
            at="bucket",
        ),
        malformed(
            change("public-access-block", "blockPublicPolicy", "yes"),
            'blockPublicPolicy is "yes"',
            at="bucket",
        ),
    ],
    # Problem 6 of issue 14: configurations that weaken a bucket are violations on their own, even for a
    # bucket this stack does not manage.
    "s3-public-access-block-complete": [
        compliant(with_props(PAB, {"bucket": "someone-elses", **ALL_BLOCKED})),
        violating(
            with_props(PAB, {"bucket": "someone-elses", **ALL_BLOCKED, "blockPublicPolicy": False}),
            "blockPublicPolicy is false",
        ),
        violating(with_props(PAB, {"bucket": "someone-elses"}), "blockPublicAcls is not set"),
        unknown(
            with_props(PAB, {"bucket": "b", **ALL_BLOCKED, "ignorePublicAcls": UNKNOWN}), "ignorePublicAcls"
        ),
        malformed(
            with_props(PAB, {"bucket": "b", **ALL_BLOCKED, "restrictPublicBuckets": "true"}),
            'restrictPublicBuckets is "true"',
        ),
    ],
    "s3-versioning-not-suspended": [
        compliant(
            with_props(
                VERSIONING, {"bucket": "someone-elses", "versioningConfiguration": {"status": "Enabled"}}
            )
        ),
        violating(
            with_props(
                VERSIONING, {"bucket": "someone-elses", "versioningConfiguration": {"status": "Suspended"}}
            ),
            'versioningConfiguration.status is "Suspended"',
        ),
        unknown(
            with_props(VERSIONING, {"bucket": "b", "versioningConfiguration": {"status": UNKNOWN}}),
            "versioningConfiguration.status",
        ),
        malformed(
            with_props(VERSIONING, {"bucket": "b", "versioningConfiguration": "Enabled"}),
            "versioningConfiguration.status is not set",
        ),
    ],
    "s3-archive-object-lock": [
        compliant(unchanged),
        violating(change("bucket", "objectLockEnabled", DELETE), "objectLockEnabled is not", at="bucket"),
        violating(change("object-lock", "rule.defaultRetention.mode", "NONE"), "mode is", at="bucket"),
        violating(drop("object-lock"), "no BucketObjectLockConfiguration", at="bucket"),
        violating(
            twin("object-lock", "object-lock-2"),
            "2 BucketObjectLockConfigurations (object-lock and object-lock-2)",
            at="bucket",
        ),
        violating(_on_either_bucket("object-lock"), "object-lock may point at bucket but cannot be shown to"),
        violating(
            change("object-lock", "rule.defaultRetention.days", 1), "keeps every object 1 days", at="bucket"
        ),
        violating(
            both(
                change("object-lock", "rule.defaultRetention.days", DELETE),
                change("object-lock", "rule.defaultRetention.years", 100),
            ),
            "36500 days, outside the archive's retention of 30 to 3653 days",
            at="bucket",
        ),
        violating(
            change("object-lock", "rule.defaultRetention.days", 30),
            "outside the archive's retention of 90 to 90 days",
            at="bucket",
            # The archive's bounds are one setting of its Object Lock and lifecycle policies.
            config={
                policy: {"minDays": 90, "maxDays": 90}
                for policy in ("s3-archive-object-lock", "s3-archive-lifecycle")
            },
        ),
        compliant(change("object-lock", "rule.defaultRetention.days", 30), label="at-the-minimum"),
        unknown(
            change("object-lock", "rule.defaultRetention.mode", UNKNOWN),
            "bucket.BucketObjectLockConfiguration.rule.defaultRetention",
            at="bucket",
        ),
        malformed(change("object-lock", "rule", "COMPLIANCE"), "Object Lock mode is not set", at="bucket"),
    ],
    "s3-abort-incomplete-uploads": [
        compliant(unchanged),
        violating(
            change("lifecycle", "rules.0.abortIncompleteMultipartUpload", DELETE),
            "keeps the parts of incomplete multipart uploads",
            at="bucket",
        ),
        violating(
            change("lifecycle", "rules.0.status", "Disabled"),
            "keeps the parts of incomplete multipart uploads",
            at="bucket",
        ),
        # A rule for one prefix leaves the rest of the bucket's uploads.
        violating(
            change("lifecycle", "rules.0.filter", {"prefix": "logs/"}),
            "keeps the parts of incomplete multipart uploads",
            at="bucket",
        ),
        # Without any lifecycle the archive fails s3-archive-lifecycle; this policy judges lifecycles.
        compliant(drop("lifecycle")),
        malformed(change("lifecycle", "rules", "abort after 7 days"), "keeps the parts", at="bucket"),
        unknown(
            change("lifecycle", "rules.0.abortIncompleteMultipartUpload.daysAfterInitiation", UNKNOWN),
            "BucketLifecycleConfiguration.rules",
            at="bucket",
        ),
        unknown(
            change("lifecycle", "rules", UNKNOWN),
            "BucketLifecycleConfiguration.rules",
            at="bucket",
            label="rules",
        ),
        # Was Unverifiable (any unknown rule made it so): one Enabled whole-bucket rule aborts every
        # upload's parts, and another rule cannot keep what it aborts.
        compliant(with_unknown_rule("lifecycle", first=True), label="beside-unknown"),
        unknown(
            both(
                change("lifecycle", "rules.0.abortIncompleteMultipartUpload", DELETE),
                with_unknown_rule("lifecycle"),
            ),
            "BucketLifecycleConfiguration.rules",
            at="bucket",
            label="one-rule",
        ),
        absent("violating", "at least one rule: an unknown rule beside known ones may be it"),
    ],
    "s3-archive-lifecycle": [
        compliant(unchanged),
        violating(drop("lifecycle"), "never expires objects", at="bucket"),
        violating(
            twin("lifecycle", "lifecycle-2", "rules.0.expiration.days", 3650),
            "2 BucketLifecycleConfigurations (lifecycle and lifecycle-2)",
            at="bucket",
        ),
        violating(_on_either_bucket("lifecycle"), "lifecycle may point at bucket but cannot be shown to"),
        unknown(
            change("lifecycle", "rules.0.filter", UNKNOWN),
            "bucket.BucketLifecycleConfiguration.rules",
            at="bucket",
        ),
        violating(change("lifecycle", "rules.0.expiration.days", 10), "expire after 10 days", at="bucket"),
        violating(
            change("lifecycle", "rules.0.filter", {"prefix": "AWSLogs/"}),
            "never expires objects across the whole bucket (its expiring rules cover only part of it)",
            at="bucket",
        ),
        violating(
            change("lifecycle", "rules.0.filter", {"tag": {"key": "expire", "value": "yes"}}),
            "cover only part of it",
            at="bucket",
        ),
        violating(change("lifecycle", "rules.0.prefix", "logs/"), "cover only part of it", at="bucket"),
        violating(
            change("lifecycle", "rules.0.filter", {"and": {"prefix": "", "tags": {"keep": "no"}}}),
            "cover only part of it",
            at="bucket",
        ),
        violating(
            change("lifecycle", "rules.0.noncurrentVersionExpiration", DELETE),
            "keeps noncurrent object versions past its retention",
            at="bucket",
        ),
        violating(
            change("lifecycle", "rules.0.noncurrentVersionExpiration.noncurrentDays", 30),
            "noncurrentDays of at most 1",
            at="bucket",
        ),
        violating(
            change("lifecycle", "rules.0.noncurrentVersionExpiration.newerNoncurrentVersions", 5),
            "without newerNoncurrentVersions",
            at="bucket",
        ),
        violating(change("lifecycle", "rules.0.status", "Disabled"), "never expires objects", at="bucket"),
        malformed(change("lifecycle", "rules", "expire after 90 days"), "never expires objects", at="bucket"),
        unknown(
            change("lifecycle", "rules", UNKNOWN), "bucket.BucketLifecycleConfiguration.rules", label="rules"
        ),
        # Was Unverifiable: the unknown rule hid a known rule expiring objects too soon.
        violating(
            both(change("lifecycle", "rules.0.expiration.days", 10), with_unknown_rule("lifecycle")),
            "expire after 10 days",
            at="bucket",
            label="beside-unknown",
        ),
        # An unknown rule may expire objects too soon, whatever the known rules do.
        unknown(
            with_unknown_rule("lifecycle"), "bucket.BucketLifecycleConfiguration.rules", label="one-rule"
        ),
    ],
    "s3-acl-private": [
        compliant(subject(BUCKET_ACL, bucket="acme-data", acl="private")),
        compliant(bucket_acl({"type": "CanonicalUser", "id": OWNER_ID}), label="owner-grant"),
        compliant(
            bucket_acl({"type": "Group", "uri": "http://acs.amazonaws.com/groups/s3/LogDelivery"}),
            label="log-delivery",
        ),
        compliant(bucket_object(), label="object"),
        compliant(object_copy(acl="bucket-owner-full-control"), label="copy"),
        violating(subject(BUCKET_ACL, bucket="acme-data", acl="public-read"), 'acl is "public-read"'),
        violating(bucket_object(acl="authenticated-read"), 'acl is "authenticated-read"', label="object"),
        violating(
            bucket_object(acl="log-delivery-write"),
            'acl is "log-delivery-write"',
            label="object-log-delivery",
        ),
        violating(bucket_acl({"type": "Group", "uri": ALL_USERS}), "grants[0] grants AllUsers"),
        violating(
            bucket_acl({"type": "CanonicalUser", "id": OTHER_ID}),
            "cannot be shown to be the bucket's owner",
            label="other-account",
        ),
        violating(
            bucket_acl({"type": "AmazonCustomerByEmail", "emailAddress": "x@example.com"}),
            'grants "x@example.com" ("AmazonCustomerByEmail"), which cannot be shown to be the bucket\'s owner',
            label="by-email",
        ),
        violating(
            object_copy(grants=[{"type": "CanonicalUser", "id": OTHER_ID, "permissions": ["READ"]}]),
            "grants[0] grants",
            label="copy-grant",
        ),
        violating(
            object_copy(grants=[{"type": "Group", "uri": ALL_USERS, "permissions": ["READ"]}]),
            "grants AllUsers",
            label="copy-public",
        ),
        unknown(bucket_object(acl=UNKNOWN), "acl"),
        unknown(
            bucket_acl({"type": "Group", "uri": UNKNOWN}), "accessControlPolicy.grants[0]", label="grant"
        ),
        unknown(
            subject(
                BUCKET_ACL,
                bucket="acme-data",
                accessControlPolicy={"owner": {"id": OWNER_ID}, "grants": UNKNOWN},
            ),
            "accessControlPolicy.grants",
            label="grants",
        ),
        # Was Unverifiable: the unknown grant hid the public one beside it.
        violating(
            object_copy(grants=[UNKNOWN, {"type": "Group", "uri": ALL_USERS, "permissions": ["READ"]}]),
            "grants[1] grants AllUsers",
            label="beside-unknown",
        ),
        unknown(
            object_copy(
                grants=[{"type": "Group", "uri": LOG_DELIVERY_URI, "permissions": ["WRITE"]}, UNKNOWN]
            ),
            "grants[1]",
            label="one-grant",
        ),
        malformed(
            subject(
                BUCKET_ACL, bucket="acme-data", accessControlPolicy={"owner": {"id": OWNER_ID}, "grants": "x"}
            ),
            "expected a list of grants",
        ),
    ],
    "s3-object-encrypted-cmk": [
        compliant(bucket_object()),
        compliant(object_copy(serverSideEncryption="aws:kms:dsse"), label="dsse"),
        violating(
            bucket_object(serverSideEncryption=DELETE, kmsKeyId=DELETE), "serverSideEncryption is not set"
        ),
        violating(
            bucket_object(serverSideEncryption="AES256"), 'serverSideEncryption is "AES256"', label="sse-s3"
        ),
        violating(bucket_object(kmsKeyId=DELETE), "unset uses aws/s3", label="no-key"),
        violating(object_copy(kmsKeyId="alias/aws/s3"), "an AWS-managed key", label="managed-key"),
        unknown(bucket_object(serverSideEncryption=UNKNOWN), "serverSideEncryption"),
        absent("unknown", "an unknown kmsKeyId in preview is a key that exists: a reference counts as set"),
        malformed(bucket_object(kmsKeyId=["k"]), "kmsKeyId is"),
    ],
    "s3-no-website-endpoint": [
        compliant(
            subject(
                WEBSITE,
                bucket="acme-www",
                redirectAllRequestsTo={"hostName": "www.acme.eu", "protocol": "https"},
            )
        ),
        violating(
            subject(WEBSITE, bucket="acme-www", indexDocument={"suffix": "index.html"}),
            "serves the bucket's objects over plain HTTP",
        ),
        violating(
            subject(WEBSITE, bucket="acme-www", redirectAllRequestsTo={"hostName": "www.acme.eu"}),
            "redirectAllRequestsTo.protocol is not set",
            label="redirect-over-http",
        ),
        unknown(subject(WEBSITE, bucket="acme-www", redirectAllRequestsTo=UNKNOWN), "redirectAllRequestsTo"),
        malformed(
            subject(WEBSITE, bucket="acme-www", redirectAllRequestsTo="https://www.acme.eu"),
            "redirectAllRequestsTo.protocol is not set",
        ),
    ],
    "s3-copies-stay-with-client": [
        compliant(add("replication", REPLICATION, replica())),
        compliant(
            add("replication", REPLICATION, replica(bucket="arn:aws:s3:::acme-dr", account=OTHER_ACCOUNT)),
            config=TRUSTED,
            label="trusted-account",
        ),
        compliant(add("inventory", INVENTORY, inventory()), label="inventory"),
        compliant(
            add(
                "sync",
                DATA_SYNC,
                {"name": "fleet", "s3Destination": {"bucketName": ARCHIVE_BUCKET, "region": "eu-west-1"}},
            ),
            label="instance-inventory",
        ),
        violating(
            add("replication", REPLICATION, replica(bucket="arn:aws:s3:::somewhere-else")),
            "a bucket this stack does not declare, and names no account",
            at="replication",
        ),
        violating(
            add("replication", REPLICATION, replica(bucket="arn:aws:s3:::acme-dr", account=OTHER_ACCOUNT)),
            f'writes to account "{OTHER_ACCOUNT}", outside the client\'s accounts',
            at="replication",
            label="other-account",
        ),
        violating(
            add("replication", REPLICATION, replica(encryptionConfiguration={})),
            "replicaKmsKeyId is not set: encrypt the copies",
            at="replication",
            label="replicas-unencrypted",
        ),
        violating(
            add("inventory", INVENTORY, inventory(accountId=OTHER_ACCOUNT, bucketArn="arn:aws:s3:::theirs")),
            "outside the client's accounts",
            at="inventory",
            label="inventory-other-account",
        ),
        violating(
            add("inventory", INVENTORY, inventory(encryption={"sseS3": {}})),
            "sseKms.keyId is not set",
            at="inventory",
            label="inventory-sse-s3",
        ),
        violating(
            add(
                "sync",
                DATA_SYNC,
                {"name": "fleet", "s3Destination": {"bucketName": "fleet-inventory", "region": "eu-west-1"}},
            ),
            "names no account",
            at="sync",
            label="sync-elsewhere",
        ),
        unknown(add("replication", REPLICATION, replica(bucket=UNKNOWN)), "replication.rules[0].destination"),
        malformed(
            add("replication", REPLICATION, {**replica(), "rules": {"status": "Enabled"}}),
            'replication: rules is {"status": "Enabled"}, expected a list of replication rules',
            at="replication",
        ),
        unknown(
            add("replication", REPLICATION, {**replica(), "rules": UNKNOWN}),
            "replication.rules",
            label="rules",
        ),
        unknown(
            both(add("replication", REPLICATION, replica()), with_unknown_rule("replication")),
            "replication.rules[1]",
            label="one-rule",
        ),
        violating(
            both(
                add(
                    "replication", REPLICATION, replica(bucket="arn:aws:s3:::acme-dr", account=OTHER_ACCOUNT)
                ),
                with_unknown_rule("replication", first=True),
            ),
            f'writes to account "{OTHER_ACCOUNT}", outside the client\'s accounts',
            at="replication",
            label="beside-unknown",
        ),
    ],
}
