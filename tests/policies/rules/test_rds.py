"""RDS databases: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import DELETE, resource
from toms.offline.analyzer_client import UNKNOWN, PolicyPackProcess

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

RDS = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"

CASES: dict[str, list[Case]] = {
    "rds-storage-encrypted-cmk": [
        violating(resource(RDS, storageEncrypted=False), "storageEncrypted is false"),
        violating(
            resource(RDS, storageEncrypted=DELETE, kmsKeyId=DELETE),
            "storageEncrypted is not set: set storageEncrypted: true; and kmsKeyId is not set",
            label="neither",
        ),
        violating(resource(CLUSTER, kmsKeyId=DELETE), "kmsKeyId is not set"),
        violating(resource(RDS, kmsKeyId="alias/aws/rds"), "an AWS-managed key"),
        violating(
            resource(CLUSTER, kmsKeyId="arn:aws:kms:eu-west-1:111122223333:alias/aws/rds"),
            "an AWS-managed key",
        ),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
        unknown(resource(RDS, storageEncrypted=UNKNOWN), "storageEncrypted"),
        malformed(resource(RDS, storageEncrypted="true"), 'storageEncrypted is "true"'),
    ],
    "rds-not-publicly-accessible": [
        violating(resource(RDS, publiclyAccessible=True), "publiclyAccessible is true"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
        malformed(resource("aws:rds/instance:Instance", publiclyAccessible="no"), "expected a boolean"),
        unknown(resource(RDS, publiclyAccessible=UNKNOWN), "publiclyAccessible"),
    ],
    "rds-multi-az": [
        violating(resource(RDS, multiAz=False), "multiAz is false"),
        violating(resource(CLUSTER, availabilityZones=["eu-west-1a"]), "single zone"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
        unknown(resource(RDS, multiAz=UNKNOWN), "multiAz"),
        malformed(resource(RDS, multiAz="yes"), 'multiAz is "yes"'),
    ],
    "rds-backup-retention": [
        violating(resource(RDS, backupRetentionPeriod=0), "expected between 7 and 35"),
        violating(resource(CLUSTER, backupRetentionPeriod=DELETE), "backupRetentionPeriod is not set"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
        unknown(resource(RDS, backupRetentionPeriod=UNKNOWN), "backupRetentionPeriod"),
        malformed(resource(RDS, backupRetentionPeriod="two weeks"), "expected a whole number"),
    ],
    "rds-deletion-protection": [
        violating(resource(RDS, deletionProtection=DELETE), "deletionProtection is not set"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
        unknown(resource(RDS, deletionProtection=UNKNOWN), "deletionProtection"),
        malformed(resource(RDS, deletionProtection="yes"), 'deletionProtection is "yes"'),
    ],
    "rds-final-snapshot": [
        violating(resource(RDS, skipFinalSnapshot=True), "skipFinalSnapshot is true"),
        violating(resource(CLUSTER, finalSnapshotIdentifier=DELETE), "finalSnapshotIdentifier"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
        unknown(resource(RDS, skipFinalSnapshot=UNKNOWN), "skipFinalSnapshot"),
        malformed(resource(RDS, skipFinalSnapshot="no"), 'skipFinalSnapshot is "no"'),
    ],
    "rds-iam-authentication": [
        violating(resource(RDS, iamDatabaseAuthenticationEnabled=False), "iamDatabaseAuth"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
        unknown(resource(RDS, iamDatabaseAuthenticationEnabled=UNKNOWN), "iamDatabaseAuthenticationEnabled"),
        malformed(
            resource(RDS, iamDatabaseAuthenticationEnabled="yes"), 'iamDatabaseAuthenticationEnabled is "yes"'
        ),
    ],
    "rds-no-plaintext-password": [
        violating(resource(RDS, password="hunter2"), "password is set"),
        violating(resource(CLUSTER, manageMasterUserPassword=DELETE), "manageMasterUserPassword"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
        unknown(resource(RDS, manageMasterUserPassword=UNKNOWN), "manageMasterUserPassword"),
        malformed(resource(RDS, manageMasterUserPassword="yes"), "manageMasterUserPassword"),
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
        unknown(resource(RDS, enabledCloudwatchLogsExports=UNKNOWN), "enabledCloudwatchLogsExports"),
    ],
}


def test_an_unencrypted_database_without_a_key_is_one_finding(in_process: PolicyPackProcess) -> None:
    diagnostics = in_process.analyze(resource(RDS, storageEncrypted=False, kmsKeyId=DELETE))
    findings = [d for d in diagnostics if d.policy_name == "rds-storage-encrypted-cmk"]
    assert len(findings) == 1, findings
    assert "storageEncrypted is false" in findings[0].message
    assert "kmsKeyId is not set" in findings[0].message
