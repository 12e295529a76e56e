"""RDS databases: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    violating,
)
from tests.policies.samples import DELETE, resource

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

RDS = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"

CASES: dict[str, list[Case]] = {
    "rds-storage-encrypted-cmk": [
        violating(resource(RDS, storageEncrypted=False), "storageEncrypted is false"),
        violating(resource(CLUSTER, kmsKeyId=DELETE), "kmsKeyId is not set"),
        violating(resource(RDS, kmsKeyId="alias/aws/rds"), "an AWS-managed key"),
        violating(
            resource(CLUSTER, kmsKeyId="arn:aws:kms:eu-west-1:111122223333:alias/aws/rds"),
            "an AWS-managed key",
        ),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
    ],
    "rds-not-publicly-accessible": [
        violating(resource(RDS, publiclyAccessible=True), "publiclyAccessible is true"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
        malformed(resource("aws:rds/instance:Instance", publiclyAccessible="no"), "expected a boolean"),
    ],
    "rds-multi-az": [
        violating(resource(RDS, multiAz=False), "multiAz is false"),
        violating(resource(CLUSTER, availabilityZones=["eu-west-1a"]), "single zone"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
    ],
    "rds-backup-retention": [
        violating(resource(RDS, backupRetentionPeriod=0), "expected between 7 and 35"),
        violating(resource(CLUSTER, backupRetentionPeriod=DELETE), "backupRetentionPeriod is not set"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
    ],
    "rds-deletion-protection": [
        violating(resource(RDS, deletionProtection=DELETE), "deletionProtection is not set"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
    ],
    "rds-final-snapshot": [
        violating(resource(RDS, skipFinalSnapshot=True), "skipFinalSnapshot is true"),
        violating(resource(CLUSTER, finalSnapshotIdentifier=DELETE), "finalSnapshotIdentifier"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
    ],
    "rds-iam-authentication": [
        violating(resource(RDS, iamDatabaseAuthenticationEnabled=False), "iamDatabaseAuth"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
    ],
    "rds-no-plaintext-password": [
        violating(resource(RDS, password="hunter2"), "password is set"),
        violating(resource(CLUSTER, manageMasterUserPassword=DELETE), "manageMasterUserPassword"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
    ],
    "rds-logs-exported": [
        violating(resource(RDS, enabledCloudwatchLogsExports=["upgrade"]), "lacks 'postgresql'"),
        violating(resource(CLUSTER, enabledCloudwatchLogsExports=DELETE), "is empty"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
        malformed(
            resource("aws:rds/instance:Instance", enabledCloudwatchLogsExports="postgresql"),
            "expected a list",
        ),
    ],
}
