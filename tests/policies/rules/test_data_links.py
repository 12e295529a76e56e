"""Copies of data and the roles data services act with point at declared resources: each rule's case table
(see `tests/policies/casetable.py`)."""

from __future__ import annotations

from collections.abc import Callable

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import ARCHIVE_BUCKET, KEY_ARN, Stack, add, both, through_output
from toms.offline.analyzer_client import UNKNOWN

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

ROLE = "aws:iam/role:Role"
ROLE_ARN = "arn:aws:iam::111122223333:role/acme-export"
DOCDB = add("docdb", "aws:docdb/cluster:Cluster", {"clusterIdentifier": "orders"})
EXPORT_ROLE = add("export-role", ROLE, {"arn": ROLE_ARN})
LOAD_ROLE = add("load-role", ROLE, {"arn": "arn:aws:iam::111122223333:role/acme-load"})


WAREHOUSE = add("warehouse", "aws:redshift/cluster:Cluster", {"clusterIdentifier": "warehouse"})
COPY_GRANT = add(
    "grant", "aws:redshift/snapshotCopyGrant:SnapshotCopyGrant", {"snapshotCopyGrantName": "warehouse-dr"}
)


def snapshot_copy(grant: str | None) -> Callable[[Stack], None]:
    props = {"clusterIdentifier": "warehouse", "destinationRegion": "eu-central-1", "retentionPeriod": 7}
    return add(
        "snapshot-copy",
        "aws:redshift/snapshotCopy:SnapshotCopy",
        props if grant is None else {**props, "snapshotCopyGrantName": grant},
    )


def docdb_snapshot(cluster: object) -> Callable[[Stack], None]:
    return add(
        "snapshot",
        "aws:docdb/clusterSnapshot:ClusterSnapshot",
        {"dbClusterIdentifier": cluster, "dbClusterSnapshotIdentifier": "orders-1"},
    )


def table_export(bucket: object) -> Callable[[Stack], None]:
    return add(
        "export",
        "aws:dynamodb/tableExport:TableExport",
        {"tableArn": "arn:table", "s3Bucket": bucket, "s3SseAlgorithm": "KMS", "s3SseKmsKeyId": KEY_ARN},
    )


def warehouse_roles(*roles: object) -> Callable[[Stack], None]:
    return add(
        "warehouse-roles",
        "aws:redshift/clusterIamRoles:ClusterIamRoles",
        {"clusterIdentifier": "warehouse", "iamRoleArns": list(roles)},
    )


POD_IDENTITY = add(
    "pod-identity",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    {"clusterName": "apps", "namespace": "orders", "serviceAccount": "api", "roleArn": ROLE_ARN},
)

CASES: dict[str, list[Case]] = {
    "datastore-links-declared": [
        compliant(both(DOCDB, docdb_snapshot("orders")), label="snapshot-of-declared-cluster"),
        compliant(
            both(DOCDB, docdb_snapshot(UNKNOWN), through_output("snapshot", "dbClusterIdentifier", "docdb")),
            label="snapshot-through-output",
        ),
        compliant(table_export(ARCHIVE_BUCKET), label="export-to-declared-bucket"),
        compliant(both(EXPORT_ROLE, POD_IDENTITY), label="declared-role"),
        compliant(
            both(
                EXPORT_ROLE,
                LOAD_ROLE,
                warehouse_roles(UNKNOWN),
                through_output("warehouse-roles", "iamRoleArns", "export-role", "load-role"),
            ),
            label="roles-through-output",
        ),
        violating(docdb_snapshot("legacy"), '"legacy", not a cluster this stack declares', at="snapshot"),
        violating(table_export("someone-elses-bucket"), "not a bucket this stack declares", at="export"),
        violating(POD_IDENTITY, "roleArn is", at="pod-identity"),
        violating(
            both(EXPORT_ROLE, warehouse_roles(ROLE_ARN, "arn:aws:iam::999988887777:role/x")),
            "iamRoleArns[1] is",
            at="warehouse-roles",
        ),
        violating(
            add("accepter", "aws:opensearch/inboundConnectionAccepter:InboundConnectionAccepter", {}),
            "connectionId is not set",
            at="accepter",
        ),
        compliant(
            both(WAREHOUSE, COPY_GRANT, snapshot_copy("warehouse-dr")), label="copy-with-declared-grant"
        ),
        violating(
            both(WAREHOUSE, snapshot_copy(None)), "snapshotCopyGrantName is not set", at="snapshot-copy"
        ),
        unknown(both(DOCDB, docdb_snapshot(UNKNOWN)), "snapshot.dbClusterIdentifier", at="snapshot"),
        malformed(
            both(EXPORT_ROLE, warehouse_roles(5)), "expected the role's name or ARN", at="warehouse-roles"
        ),
    ],
}
