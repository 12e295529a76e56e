"""Copies of data and the roles data services act with point at resources this stack declares.

A snapshot, an export, a replica or a log delivery is only as safe as the resource it copies or writes
to, and a role association only as safe as the role's policies. The pack judges a cluster's key, a
bucket's encryption and public access, a role's trust and permissions where the stack declares them;
a link to anything else (another stack's bucket, a role made by hand) would carry data past every
measure unseen. Each type's links are one line of the table below; joins are by value
(`Stack.declares`), and a link that cannot be shown in preview fails closed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pulumi_policy import Severity

from ..kit import (
    EACH,
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Stack,
    Unverifiable,
    Violation,
    describe,
    stack_rule,
    values_at,
)


@dataclass(frozen=True)
class Target:
    """What a link may point at: the types, the outputs a reference may equal, and why it matters."""

    what: str
    types: tuple[str, ...]
    match_on: tuple[str, ...]
    judged: str


@dataclass(frozen=True)
class Link:
    path: tuple[str, ...]
    target: Target
    required: bool = True


ROLE = Target(
    "role",
    ("aws:iam/role:Role",),
    ("arn",),
    "its trust and permission policies are judged only where the stack declares it",
)
BUCKET = Target(
    "bucket",
    ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"),
    ("bucket", "id"),
    "its key, public access and retention are judged only where the stack declares it",
)


def _cluster(resource_type: str, *match_on: str) -> Target:
    return Target(
        "cluster",
        (resource_type,),
        match_on,
        "its customer key, access and backups are judged only where the stack declares it; a snapshot "
        "keeps the key of the cluster it copies",
    )


LINKS: Mapping[str, tuple[Link, ...]] = {
    "aws:docdb/clusterSnapshot:ClusterSnapshot": (
        Link(("dbClusterIdentifier",), _cluster("aws:docdb/cluster:Cluster", "clusterIdentifier", "id")),
    ),
    "aws:neptune/clusterSnapshot:ClusterSnapshot": (
        Link(("dbClusterIdentifier",), _cluster("aws:neptune/cluster:Cluster", "clusterIdentifier", "id")),
    ),
    "aws:redshift/clusterSnapshot:ClusterSnapshot": (
        Link(("clusterIdentifier",), _cluster("aws:redshift/cluster:Cluster", "clusterIdentifier", "id")),
    ),
    "aws:redshift/snapshotCopy:SnapshotCopy": (
        Link(("clusterIdentifier",), _cluster("aws:redshift/cluster:Cluster", "clusterIdentifier", "id")),
        Link(
            ("snapshotCopyGrantName",),
            Target(
                "snapshot copy grant",
                ("aws:redshift/snapshotCopyGrant:SnapshotCopyGrant",),
                ("snapshotCopyGrantName", "id"),
                "the copies in the other region are encrypted with the grant's key, judged only where the "
                "stack declares the grant",
            ),
        ),
    ),
    "aws:memorydb/snapshot:Snapshot": (
        Link(("clusterName",), _cluster("aws:memorydb/cluster:Cluster", "name", "id")),
    ),
    "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup": (
        Link(
            ("primaryReplicationGroupId",),
            Target(
                "replication group",
                ("aws:elasticache/replicationGroup:ReplicationGroup",),
                ("replicationGroupId", "id"),
                "the global datastore copies the primary group's data, whose key, TLS and backups are "
                "judged only where the stack declares it",
            ),
        ),
    ),
    "aws:rds/exportTask:ExportTask": (Link(("s3BucketName",), BUCKET),),
    "aws:dynamodb/tableExport:TableExport": (Link(("s3Bucket",), BUCKET),),
    "aws:redshift/logging:Logging": (Link(("bucketName",), BUCKET, required=False),),
    "aws:efs/replicationConfiguration:ReplicationConfiguration": (
        Link(
            ("destination", "fileSystemId"),
            Target(
                "file system",
                ("aws:efs/fileSystem:FileSystem",),
                ("id", "arn"),
                "an existing destination's key and backups are judged only where the stack declares it",
            ),
            required=False,
        ),
    ),
    "aws:opensearch/inboundConnectionAccepter:InboundConnectionAccepter": (
        Link(
            ("connectionId",),
            Target(
                "connection",
                ("aws:opensearch/outboundConnection:OutboundConnection",),
                ("id",),
                "accepting lets the requesting domain search this one; whose domain that is is judged "
                "(data-shared-with-listed-accounts) only on a connection the stack declares",
            ),
        ),
    ),
    "aws:opensearch/packageAssociation:PackageAssociation": (
        Link(
            ("packageId",),
            Target(
                "package",
                ("aws:opensearch/package:Package",),
                ("packageId", "id"),
                "what a package may do inside the domain is judged (feature-needs-review) only where the "
                "stack declares it",
            ),
        ),
    ),
    "aws:rds/clusterRoleAssociation:ClusterRoleAssociation": (Link(("roleArn",), ROLE),),
    "aws:rds/roleAssociation:RoleAssociation": (Link(("roleArn",), ROLE),),
    "aws:redshift/clusterIamRoles:ClusterIamRoles": (
        Link(("iamRoleArns", EACH), ROLE, required=False),
        Link(("defaultIamRoleArn",), ROLE, required=False),
    ),
    "aws:eks/addon:Addon": (
        Link(("serviceAccountRoleArn",), ROLE, required=False),
        Link(("podIdentityAssociations", EACH, "roleArn"), ROLE, required=False),
    ),
    "aws:eks/fargateProfile:FargateProfile": (Link(("podExecutionRoleArn",), ROLE),),
    "aws:eks/nodeGroup:NodeGroup": (Link(("nodeRoleArn",), ROLE),),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": (
        Link(("roleArn",), ROLE),
        Link(("targetRoleArn",), ROLE, required=False),
    ),
}


def _check(stack: Stack, resource: Resource, link: Link) -> Iterator[Outcome]:
    key = link.path[0]
    target = link.target
    for where, value in values_at(resource.props, link.path):
        if value is MISSING:
            if link.required:
                yield Violation(
                    f"{resource.name}: {where} is not set: name the {target.what} it uses", resource
                )
            continue
        if value is not UNKNOWN and not isinstance(value, str):
            yield Violation(
                f"{resource.name}: {where} is {describe(value)}, expected the {target.what}'s name or ARN",
                resource,
            )
            continue
        declared = stack.declares(resource, key, target.types, target.match_on, value)
        if declared is UNKNOWN:
            yield Unverifiable(where, resource)
        elif declared is False:
            yield Violation(
                f"{resource.name}: {where} is {describe(value)}, not a {target.what} this stack declares: "
                f"{target.judged}; declare it in this stack and pass its own output",
                resource,
            )


@stack_rule(
    "datastore-links-declared",
    "Snapshots, exports, replicas and log deliveries of data stores, and the IAM roles data services act "
    "with, point at resources this stack declares, so the pack judges their key, access and permissions.",
    Severity.HIGH,
    "Declare the cluster, bucket, file system or role in this stack and pass its own output (name, id or "
    "ARN) to the snapshot, export or association; a waiver with a reason and an expiry covers a target "
    "another stack manages after it has been reviewed.",
    types=tuple(LINKS),
)
def links_declared(stack: Stack, _: Settings) -> Iterator[Outcome]:
    for resource_type, links in LINKS.items():
        for resource in stack.of_type(resource_type):
            for link in links:
                yield from _check(stack, resource, link)
