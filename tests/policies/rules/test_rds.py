"""RDS databases: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from typing import Any

from tests.policies.casetable import (
    Case,
    StackEdit,
    absent,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import COMPLIANT, DELETE, PROVIDER, add, both, change, resource, with_props
from toms.offline.analyzer_client import UNKNOWN, PolicyPackProcess, ResourceInput

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

RDS = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
OPTION_GROUP = "aws:rds/optionGroup:OptionGroup"
ENCRYPTION_REQUIRED = {
    "optionName": "NATIVE_NETWORK_ENCRYPTION",
    "optionSettings": [
        {"name": "SQLNET.ENCRYPTION_SERVER", "value": "REQUIRED"},
        {"name": "SQLNET.CRYPTO_CHECKSUM_SERVER", "value": "REQUIRED"},
    ],
}


def option_group(*options: Any, engine: str = "oracle-ee") -> ResourceInput:
    return with_props(
        OPTION_GROUP, {"engineName": engine, "majorEngineVersion": "19", "options": list(options)}
    )


def oracle_ssl(version: Any) -> dict[str, Any]:
    settings = [] if version is DELETE else [{"name": "SQLNET.SSL_VERSION", "value": version}]
    return {"optionName": "SSL", "port": 2484, "optionSettings": settings}


SNAPSHOT = "aws:rds/snapshot:Snapshot"
CLUSTER_SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"


def snapshot_of(identifier: object, **dependencies: tuple[str, ...]) -> StackEdit:
    """A DB snapshot of `identifier` (the compliant stack's database is acme-db)."""
    props = {"dbInstanceIdentifier": identifier, "dbSnapshotIdentifier": "acme-db-before-upgrade"}

    def apply(stack: dict[str, ResourceInput]) -> None:
        stack["snapshot"] = ResourceInput(
            SNAPSHOT, "snapshot", props, provider=PROVIDER, property_dependencies=dependencies
        )

    return apply


def snapshot_in_preview(stack: dict[str, ResourceInput]) -> None:
    """The snapshot's dbInstanceIdentifier unknown, waiting for the database alone (as in preview)."""
    snapshot_of(UNKNOWN, dbInstanceIdentifier=(stack["database"].resolved_urn(),))(stack)


CLUSTER_WITH_SNAPSHOT = both(
    add(
        "cluster", CLUSTER, {**COMPLIANT[CLUSTER], "clusterIdentifier": "acme-cluster", "id": "acme-cluster"}
    ),
    add(
        "snapshot",
        CLUSTER_SNAPSHOT,
        {"dbClusterIdentifier": "acme-cluster", "dbClusterSnapshotIdentifier": "acme-cluster-1"},
    ),
)

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
    "rds-snapshot-encrypted-cmk": [
        compliant(snapshot_of("acme-db"), label="instance"),
        compliant(snapshot_in_preview, label="instance-in-preview"),
        compliant(CLUSTER_WITH_SNAPSHOT, label="cluster"),
        violating(
            both(snapshot_of("acme-db"), change("database", "storageEncrypted", False)),
            "snapshot snapshot is of database, which is not encrypted with the client's key "
            "(database.storageEncrypted is false",
            at="snapshot",
        ),
        violating(
            both(CLUSTER_WITH_SNAPSHOT, change("cluster", "kmsKeyId", "alias/aws/rds")),
            'cluster.kmsKeyId is "alias/aws/rds", an AWS-managed key',
            at="snapshot",
            label="cluster-on-the-aws-managed-key",
        ),
        violating(
            snapshot_of("legacy-db"),
            'its dbInstanceIdentifier "legacy-db" is not a database of this stack, so its encryption with '
            "the client's key cannot be verified in preview: snapshot the database in the stack that "
            "declares it, or make an encrypted copy with aws.rds.SnapshotCopy",
            at="snapshot",
            label="source-outside-the-stack",
        ),
        violating(
            add(
                "snapshot",
                CLUSTER_SNAPSHOT,
                {"dbClusterIdentifier": "elsewhere", "dbClusterSnapshotIdentifier": "elsewhere-1"},
            ),
            "aws.rds.ClusterSnapshotCopy and kmsKeyId set to the client's key",
            at="snapshot",
            label="cluster-outside-the-stack",
        ),
        unknown(snapshot_of(UNKNOWN), "snapshot.dbInstanceIdentifier"),
        unknown(
            both(snapshot_of("acme-db"), change("database", "storageEncrypted", UNKNOWN)),
            "snapshot.database.storageEncrypted",
            label="source-encryption-unknown",
        ),
        malformed(snapshot_of(["acme-db"]), "is not a database of this stack", at="snapshot"),
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
        # The count decides: one entry names one zone, known or not.
        violating(resource(CLUSTER, availabilityZones=[UNKNOWN]), "single zone", label="one-unknown-zone"),
        compliant(
            resource(CLUSTER, availabilityZones=["eu-west-1a", UNKNOWN]), label="two-zones-one-unknown"
        ),
        unknown(resource(CLUSTER, availabilityZones=UNKNOWN), "availabilityZones"),
        malformed(
            resource(CLUSTER, availabilityZones="eu-west-1a"),
            'availabilityZones is "eu-west-1a", expected a list of zones',
            label="zones",
        ),
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
        violating(resource(RDS, enabledCloudwatchLogsExports=["upgrade"]), "lacks postgresql"),
        # Was a pass: an unknown export beside others was taken to be the server log.
        unknown(
            resource(RDS, enabledCloudwatchLogsExports=["upgrade", UNKNOWN]),
            "enabledCloudwatchLogsExports[1]",
            label="one-export",
        ),
        compliant(
            resource(RDS, enabledCloudwatchLogsExports=[UNKNOWN, "postgresql"]), label="beside-unknown"
        ),
        absent("violating", "one required log: an unknown export beside a known breach may be it"),
        violating(resource(CLUSTER, enabledCloudwatchLogsExports=DELETE), "is empty"),
        compliant(resource(CLUSTER)),
        compliant(resource(RDS)),
        malformed(
            resource("aws:rds/instance:Instance", enabledCloudwatchLogsExports="postgresql"),
            "expected a list of log names",
        ),
        unknown(resource(RDS, enabledCloudwatchLogsExports=UNKNOWN), "enabledCloudwatchLogsExports"),
    ],
    "rds-option-group-secure": [
        compliant(option_group(ENCRYPTION_REQUIRED, oracle_ssl("1.2"))),
        compliant(option_group({"optionName": "Timezone", "optionSettings": []}), label="unrelated-option"),
        compliant(option_group(engine="mysql"), label="no-options"),
        violating(option_group({"optionName": "MEMCACHED", "port": 11211}, engine="mysql"), "in plain text"),
        violating(
            option_group({**ENCRYPTION_REQUIRED, "optionSettings": []}),
            "SQLNET.ENCRYPTION_SERVER is not set (REQUESTED",
        ),
        violating(option_group(oracle_ssl("1.2 or 1.0")), 'SQLNET.SSL_VERSION is "1.2 or 1.0"'),
        violating(option_group(oracle_ssl(DELETE)), "the default accepts TLS 1.0"),
        violating(
            option_group({"optionName": "SQLSERVER_BACKUP_RESTORE"}, engine="sqlserver-se"),
            "writes native backups to any S3 bucket",
        ),
        unknown(option_group({"optionName": UNKNOWN}), "options[0].optionName"),
        unknown(option_group(oracle_ssl(UNKNOWN)), "options[0].optionSettings"),
        unknown(
            with_props(OPTION_GROUP, {"engineName": "oracle-ee", "options": UNKNOWN}), "options", label="list"
        ),
        violating(
            option_group(UNKNOWN, {"optionName": "MEMCACHED", "port": 11211}),
            "in plain text",
            label="beside-unknown",
        ),
        unknown(option_group(ENCRYPTION_REQUIRED, UNKNOWN), "options[1]", label="one-option"),
        # Was a Violation claiming the settings were not a list.
        unknown(
            option_group({"optionName": "SSL", "port": 2484, "optionSettings": [UNKNOWN]}),
            "options[0].optionSettings",
            label="one-setting",
        ),
        violating(
            option_group(
                {
                    "optionName": "SSL",
                    "port": 2484,
                    "optionSettings": [UNKNOWN, {"name": "SQLNET.SSL_VERSION", "value": "1.0"}],
                }
            ),
            'SQLNET.SSL_VERSION is "1.0"',
            label="setting-beside-unknown",
        ),
        malformed(
            with_props(OPTION_GROUP, {"engineName": "oracle-ee", "options": "SSL"}),
            "expected a list of options",
        ),
        malformed(
            option_group({"optionName": "SSL", "optionSettings": "1.2"}),
            "expected a list of name/value settings",
        ),
    ],
}


def test_an_unencrypted_database_without_a_key_is_one_finding(in_process: PolicyPackProcess) -> None:
    diagnostics = in_process.analyze(resource(RDS, storageEncrypted=False, kmsKeyId=DELETE))
    findings = [d for d in diagnostics if d.policy_name == "rds-storage-encrypted-cmk"]
    assert len(findings) == 1, findings
    assert "storageEncrypted is false" in findings[0].message
    assert "kmsKeyId is not set" in findings[0].message
