"""S3 buckets and their configuration resources: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from tests.policies.casetable import (
    Case,
    compliant,
    test_case_in_process,
    test_case_over_protocol,
    unchanged,
    unknown,
    violating,
)
from tests.policies.samples import DELETE, both, change, drop
from toms.offline.analyzer_client import UNKNOWN

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]


CASES: dict[str, list[Case]] = {
    "s3-versioning": [
        compliant(unchanged),
        violating(drop("versioning"), "versioning is not enabled", at="bucket"),
        violating(
            change("versioning", "versioningConfiguration.status", "Suspended"), "Suspended", at="bucket"
        ),
    ],
    "s3-encryption": [
        compliant(unchanged),
        violating(
            change("encryption", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256"),
            "use sseAlgorithm aws:kms",
            at="bucket",
        ),
        violating(drop("encryption"), "has no encryption configuration", at="bucket"),
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
        violating(drop("encryption"), "no BucketServerSideEncryptionConfiguration", at="bucket"),
    ],
    "s3-archive-object-lock": [
        compliant(unchanged),
        violating(change("bucket", "objectLockEnabled", DELETE), "objectLockEnabled is not", at="bucket"),
        violating(change("object-lock", "rule.defaultRetention.mode", "NONE"), "mode is", at="bucket"),
        violating(drop("object-lock"), "no BucketObjectLockConfiguration", at="bucket"),
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
            config={"s3-archive-object-lock": {"minDays": 90, "maxDays": 90}},
        ),
        compliant(change("object-lock", "rule.defaultRetention.days", 30), label="at-the-minimum"),
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
        unknown(
            change("lifecycle", "rules.0.abortIncompleteMultipartUpload.daysAfterInitiation", UNKNOWN),
            "BucketLifecycleConfiguration.rules",
            at="bucket",
        ),
    ],
    "s3-archive-lifecycle": [
        compliant(unchanged),
        violating(drop("lifecycle"), "never expires objects", at="bucket"),
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
    ],
}
