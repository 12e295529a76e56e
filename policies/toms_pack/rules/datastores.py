"""Data stores beyond RDS and S3 get the annex's measures: a customer key at rest, TLS 1.2+ in transit, no
public endpoint or resource policy, backups within the client's bounds, redundancy, and no snapshot or
image shared outside the accounts the config lists.

Each rule reads a table from type to the inputs that carry its measure, so a new service is one line of
data; messages name the exact input (`encryptAtRest.kmsKeyId`) as the provider spells it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import Severity

from .. import standards
from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Stack,
    Unverifiable,
    Violation,
    as_int,
    as_list,
    bounds_check,
    describe,
    is_aws_managed_key_reference,
    is_customer_key_reference,
    known_list,
    lookup,
    resource_rule,
    stack_rule,
)
from ..policy_documents import ACCOUNT_CONDITION_KEYS, PolicyDocumentError, parse
from .ecs import SECRET_NAME_SETTING, SECRET_VALUE_PATTERN, secret_name_pattern
from .identity import TRUSTED_ACCOUNTS, own_accounts

Path = tuple[str | int, ...]


def _dotted(path: Path) -> str:
    return ".".join(f"[{step}]" if isinstance(step, int) else step for step in path).replace(".[", "[")


def _customer_key(resource: Resource, path: Path, advice: str) -> Iterator[Outcome]:
    value = resource.get(*path)
    if is_aws_managed_key_reference(value):
        yield Violation(f"{_dotted(path)} is {describe(value)}, an AWS-managed key: {advice}")
    elif not is_customer_key_reference(value):
        yield Violation(f"{_dotted(path)} is {describe(value)}: {advice}")


def _expect(resource: Resource, path: Path, expected: Any, default: Any, advice: str) -> Iterator[Outcome]:
    """`path` must hold `expected`; an unset value is `default` (what AWS applies)."""
    value = resource.get(*path)
    if value is UNKNOWN:
        yield Unverifiable(_dotted(path))
    elif (default if value is MISSING else value) != expected:
        yield Violation(f"{_dotted(path)} is {describe(value)}: {advice}")


# --- at rest -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AtRest:
    """How a type encrypts at rest: inputs that must hold a value (switches), and the key reference."""

    key: Path | None
    switches: Mapping[Path, Any] = field(default_factory=dict)


AT_REST: Mapping[str, AtRest] = {
    "aws:redshift/cluster:Cluster": AtRest(("kmsKeyId",), {("encrypted",): True}),
    "aws:docdb/cluster:Cluster": AtRest(("kmsKeyId",), {("storageEncrypted",): True}),
    "aws:docdb/elasticCluster:ElasticCluster": AtRest(("kmsKeyId",)),
    "aws:neptune/cluster:Cluster": AtRest(("kmsKeyArn",), {("storageEncrypted",): True}),
    "aws:dynamodb/table:Table": AtRest(
        ("serverSideEncryption", "kmsKeyArn"), {("serverSideEncryption", "enabled"): True}
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": AtRest(
        ("kmsKeyId",), {("atRestEncryptionEnabled",): True}
    ),
    "aws:elasticache/serverlessCache:ServerlessCache": AtRest(("kmsKeyId",)),
    "aws:memorydb/cluster:Cluster": AtRest(("kmsKeyArn",)),
    "aws:efs/fileSystem:FileSystem": AtRest(("kmsKeyId",), {("encrypted",): True}),
    "aws:opensearch/domain:Domain": AtRest(
        ("encryptAtRest", "kmsKeyId"), {("encryptAtRest", "enabled"): True}
    ),
    "aws:sqs/queue:Queue": AtRest(("kmsMasterKeyId",)),
    "aws:sns/topic:Topic": AtRest(("kmsMasterKeyId",)),
    "aws:kinesis/stream:Stream": AtRest(("kmsKeyId",), {("encryptionType",): "KMS"}),
    "aws:kinesis/videoStream:VideoStream": AtRest(("kmsKeyId",)),
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": AtRest(
        ("serverSideEncryption", "keyArn"),
        {
            ("serverSideEncryption", "enabled"): True,
            ("serverSideEncryption", "keyType"): "CUSTOMER_MANAGED_CMK",
        },
    ),
    "aws:secretsmanager/secret:Secret": AtRest(("kmsKeyId",)),
    "aws:ecr/repository:Repository": AtRest(
        ("encryptionConfigurations", 0, "kmsKey"), {("encryptionConfigurations", 0, "encryptionType"): "KMS"}
    ),
    "aws:msk/cluster:Cluster": AtRest(("encryptionInfo", "encryptionAtRestKmsKeyArn")),
    "aws:ebs/snapshotCopy:SnapshotCopy": AtRest(("kmsKeyId",), {("encrypted",): True}),
    "aws:ec2/amiCopy:AmiCopy": AtRest(("kmsKeyId",), {("encrypted",): True}),
    "aws:rds/snapshotCopy:SnapshotCopy": AtRest(("kmsKeyId",)),
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy": AtRest(("kmsKeyId",)),
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": AtRest(("kmsKeyId",)),
    "aws:ebs/defaultKmsKey:DefaultKmsKey": AtRest(("keyArn",)),
    "aws:ebs/snapshotImport:SnapshotImport": AtRest(("kmsKeyId",), {("encrypted",): True}),
    # A global database's members carry the key; the global cluster only says whether they are encrypted.
    "aws:rds/globalCluster:GlobalCluster": AtRest(None, {("storageEncrypted",): True}),
    "aws:docdb/globalCluster:GlobalCluster": AtRest(None, {("storageEncrypted",): True}),
    "aws:neptune/globalCluster:GlobalCluster": AtRest(None, {("storageEncrypted",): True}),
    # Copies, exports, replicas and streams of data stores carry the key they are written with.
    "aws:rds/clusterActivityStream:ClusterActivityStream": AtRest(("kmsKeyId",)),
    "aws:rds/exportTask:ExportTask": AtRest(("kmsKeyId",)),
    "aws:rds/integration:Integration": AtRest(("kmsKeyId",)),
    "aws:redshift/integration:Integration": AtRest(("kmsKeyId",)),
    "aws:redshift/snapshotCopyGrant:SnapshotCopyGrant": AtRest(("kmsKeyId",)),
    "aws:dynamodb/tableExport:TableExport": AtRest(("s3SseKmsKeyId",), {("s3SseAlgorithm",): "KMS"}),
    "aws:dynamodb/tableReplica:TableReplica": AtRest(("kmsKeyArn",)),
    "aws:memorydb/snapshot:Snapshot": AtRest(("kmsKeyArn",)),
    "aws:opensearch/application:Application": AtRest(("kmsKeyArn",)),
    # Without its own encryptionConfigs a collection takes the key of whichever encryption policy matches
    # its name, which may be AWS-owned and declared outside the stack.
    "aws:opensearch/serverlessCollection:ServerlessCollection": AtRest(
        ("encryptionConfigs", 0, "kmsKeyArn"), {("encryptionConfigs", 0, "awsOwnedKey"): False}
    ),
}
# A standalone cache cluster (Memcached, or a Redis node outside a replication group) cannot encrypt at rest.
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
# The account-wide switch that encrypts every new EBS volume (the provider's default is on).
EBS_ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
# Replicates a file system into a new one (encrypted with `destination.kmsKeyId`) or into an existing one
# (`destination.fileSystemId`, whose key is judged where the stack declares it: datastore-links-declared).
EFS_REPLICATION = "aws:efs/replicationConfiguration:ReplicationConfiguration"


@resource_rule(
    "datastore-encrypted-cmk",
    "Data stores, queues, streams, secrets and copies of snapshots are encrypted with a customer-managed "
    "KMS key.",
    Severity.CRITICAL,
    "Turn on the service's encryption at rest and set its key input (kmsKeyId, kmsKeyArn, "
    "kmsMasterKeyId...) to the client's customer-managed KMS key.",
    (*AT_REST, CACHE_CLUSTER, EBS_ENCRYPTION_BY_DEFAULT, EFS_REPLICATION),
)
def encrypted_cmk(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type == EFS_REPLICATION:
        if resource.get("destination", "fileSystemId") is MISSING:
            yield from _customer_key(
                resource,
                ("destination", "kmsKeyId"),
                "the replica would be encrypted with the AWS-managed aws/elasticfilesystem key; set it to "
                "the client's customer-managed KMS key",
            )
        return
    if resource.type == EBS_ENCRYPTION_BY_DEFAULT:
        yield from _expect(resource, ("enabled",), True, True, "new EBS volumes would be stored unencrypted")
        return
    if resource.type == CACHE_CLUSTER:
        group = resource.get("replicationGroupId")
        if group is MISSING:
            yield Violation(
                "a standalone ElastiCache cluster cannot encrypt at rest: create an "
                "aws.elasticache.ReplicationGroup with atRestEncryptionEnabled: true and kmsKeyId instead"
            )
        return
    spec = AT_REST[resource.type]
    for path, expected in spec.switches.items():
        yield from _expect(resource, path, expected, MISSING, f"set it to {describe(expected)}")
    if spec.key is not None:
        yield from _customer_key(
            resource,
            spec.key,
            "set it to the client's customer-managed KMS key, not an AWS-owned or managed key",
        )


# --- in transit ----------------------------------------------------------------------------------------

# OpenSearch's TLS policies that refuse TLS 1.0 and 1.1.
OPENSEARCH_TLS_POLICIES = ("Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10")
REDSHIFT_PARAMETER_GROUP = "aws:redshift/parameterGroup:ParameterGroup"
DOCDB_PARAMETER_GROUP = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"
NEPTUNE_PARAMETER_GROUP = "aws:neptune/clusterParameterGroup:ClusterParameterGroup"
MEMORYDB_MULTI_REGION_CLUSTER = "aws:memorydb/multiRegionCluster:MultiRegionCluster"


def _parameters(resource: Resource) -> tuple[dict[str, Any], Outcome | None]:
    """A parameter group's parameters by lower-case name (value as a lower-case string)."""
    listed = as_list(resource.get("parameters"))
    if listed is None:
        return {}, Violation(f"parameters is {describe(resource.get('parameters'))}, expected a list")
    found: dict[str, Any] = {}
    for entry in listed:
        name, value = lookup(entry, "name"), lookup(entry, "value")
        if name is UNKNOWN:
            return {}, Unverifiable("parameters")
        if not isinstance(name, str):
            return {}, Violation(f"parameter {describe(entry)} has no name")
        found[name.lower()] = value if value is UNKNOWN else str(value).lower()
    return found, None


def _transit(resource: Resource) -> Iterator[Outcome]:
    kind = resource.type
    if kind == "aws:elasticache/replicationGroup:ReplicationGroup":
        yield from _expect(
            resource, ("transitEncryptionEnabled",), True, False, "set it to true so clients must use TLS"
        )
        yield from _expect(
            resource,
            ("transitEncryptionMode",),
            "required",
            "required",
            "'preferred' still accepts plain-text clients; set it to 'required' (or leave it unset)",
        )
    elif kind == CACHE_CLUSTER:
        if resource.get("replicationGroupId") is MISSING:
            yield from _expect(
                resource, ("transitEncryptionEnabled",), True, False, "set it to true so clients must use TLS"
            )
    elif kind == "aws:opensearch/domain:Domain":
        yield from _expect(
            resource, ("domainEndpointOptions", "enforceHttps"), True, False, "set it to true (HTTPS only)"
        )
        policy = resource.get("domainEndpointOptions", "tlsSecurityPolicy")
        if policy is UNKNOWN:
            yield Unverifiable("domainEndpointOptions.tlsSecurityPolicy")
        elif policy not in OPENSEARCH_TLS_POLICIES:
            yield Violation(
                f"domainEndpointOptions.tlsSecurityPolicy is {describe(policy)}: the default accepts "
                f"TLS 1.0; use {' or '.join(OPENSEARCH_TLS_POLICIES)}"
            )
        yield from _expect(
            resource, ("nodeToNodeEncryption", "enabled"), True, False, "set it to true (TLS between nodes)"
        )
    elif kind == "aws:rds/proxy:Proxy":
        yield from _expect(resource, ("requireTls",), True, False, "set requireTls: true")
    elif kind in ("aws:memorydb/cluster:Cluster", MEMORYDB_MULTI_REGION_CLUSTER):
        yield from _expect(resource, ("tlsEnabled",), True, True, "leave tlsEnabled unset or true")
    elif kind == "aws:msk/cluster:Cluster":
        yield from _expect(
            resource,
            ("encryptionInfo", "encryptionInTransit", "clientBroker"),
            "TLS",
            "TLS",
            "set it to TLS (TLS_PLAINTEXT and PLAINTEXT accept plain-text clients)",
        )
        yield from _expect(
            resource, ("encryptionInfo", "encryptionInTransit", "inCluster"), True, True, "leave it true"
        )
    elif kind == "aws:redshift/cluster:Cluster":
        group = resource.get("clusterParameterGroupName")
        if group is MISSING or (isinstance(group, str) and group.startswith("default.")):
            yield Violation(
                f"clusterParameterGroupName is {describe(group)}: Redshift's default parameter group does "
                "not require SSL; use a parameter group with require_ssl = true"
            )
    elif kind == REDSHIFT_PARAMETER_GROUP:
        parameters, problem = _parameters(resource)
        if problem is not None:
            yield problem
        elif parameters.get("require_ssl") is UNKNOWN:
            yield Unverifiable("parameters")
        elif parameters.get("require_ssl") != "true":
            yield Violation(
                "parameter require_ssl is not true: set require_ssl = true so clients must use TLS"
            )
    elif kind == NEPTUNE_PARAMETER_GROUP:
        parameters, problem = _parameters(resource)
        if problem is not None:
            yield problem
        elif parameters.get("neptune_enforce_ssl") is UNKNOWN:
            yield Unverifiable("parameters")
        elif parameters.get("neptune_enforce_ssl", "1") != "1":
            yield Violation(
                f"parameter neptune_enforce_ssl is {describe(parameters.get('neptune_enforce_ssl'))}: "
                "leave it at 1 so clients must use TLS"
            )
    elif kind == DOCDB_PARAMETER_GROUP:
        parameters, problem = _parameters(resource)
        if problem is not None:
            yield problem
        elif parameters.get("tls") is UNKNOWN:
            yield Unverifiable("parameters")
        elif parameters.get("tls", "enabled") not in ("enabled", "tls1.2+", "tls1.3+"):
            yield Violation(
                f"parameter tls is {describe(parameters.get('tls'))}: set it to tls1.2+ (or leave it unset)"
            )


@resource_rule(
    "datastore-tls",
    "Caches, search domains, proxies, streams and warehouses accept TLS connections only.",
    Severity.CRITICAL,
    "Require TLS on the data store: transit encryption (required mode) on caches, HTTPS with a TLS 1.2 "
    "policy and node-to-node encryption on OpenSearch, requireTls on RDS proxies, TLS-only brokers, "
    "require_ssl on Redshift parameter groups.",
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        CACHE_CLUSTER,
        "aws:opensearch/domain:Domain",
        "aws:rds/proxy:Proxy",
        "aws:memorydb/cluster:Cluster",
        MEMORYDB_MULTI_REGION_CLUSTER,
        "aws:msk/cluster:Cluster",
        "aws:redshift/cluster:Cluster",
        REDSHIFT_PARAMETER_GROUP,
        DOCDB_PARAMETER_GROUP,
        NEPTUNE_PARAMETER_GROUP,
    ),
)
def tls_in_transit(resource: Resource, _: Settings) -> Iterator[Outcome]:
    yield from _transit(resource)


# --- backups -------------------------------------------------------------------------------------------

# Type -> (input holding the days restore points are kept, AWS's value when unset).
BACKUP_DAYS: Mapping[str, tuple[Path, int]] = {
    "aws:redshift/cluster:Cluster": (("automatedSnapshotRetentionPeriod",), 1),
    "aws:docdb/cluster:Cluster": (("backupRetentionPeriod",), 1),
    "aws:docdb/elasticCluster:ElasticCluster": (("backupRetentionPeriod",), 1),
    "aws:neptune/cluster:Cluster": (("backupRetentionPeriod",), 1),
    "aws:elasticache/replicationGroup:ReplicationGroup": (("snapshotRetentionLimit",), 0),
    "aws:elasticache/serverlessCache:ServerlessCache": (("snapshotRetentionLimit",), 0),
    "aws:memorydb/cluster:Cluster": (("snapshotRetentionLimit",), 0),
    "aws:dynamodb/table:Table": (("pointInTimeRecovery", "recoveryPeriodInDays"), 35),
    # Cross-region copies of automated snapshots, and manual snapshots (kept forever by default: -1).
    "aws:redshift/snapshotCopy:SnapshotCopy": (("retentionPeriod",), 7),
    "aws:redshift/clusterSnapshot:ClusterSnapshot": (("manualSnapshotRetentionPeriod",), -1),
}
DYNAMODB_TABLE = "aws:dynamodb/table:Table"
DYNAMODB_TABLE_REPLICA = "aws:dynamodb/tableReplica:TableReplica"
EFS_BACKUP_POLICY = "aws:efs/backupPolicy:BackupPolicy"
_DAYS = {
    "type": "integer",
    "minimum": standards.BACKUP_RETENTION_MIN_DAYS,
    "maximum": standards.BACKUP_RETENTION_MAX_DAYS,
}


@resource_rule(
    "datastore-backups",
    "Data stores keep automated backups or point-in-time recovery for the client's configured days; "
    "snapshot copies and manual snapshots are kept no longer than that.",
    Severity.HIGH,
    "Set the service's backup retention (backupRetentionPeriod, automatedSnapshotRetentionPeriod, "
    "snapshotRetentionLimit, a snapshot copy's retentionPeriod, a manual snapshot's "
    "manualSnapshotRetentionPeriod) within [minDays, maxDays]; turn on pointInTimeRecovery for DynamoDB "
    "tables and their replicas.",
    (*BACKUP_DAYS, EFS_BACKUP_POLICY, DYNAMODB_TABLE_REPLICA),
    properties={
        "minDays": {**_DAYS, "default": standards.BACKUP_RETENTION_DEFAULT_MIN_DAYS},
        "maxDays": {**_DAYS, "default": standards.BACKUP_RETENTION_MAX_DAYS},
    },
    config_checks=(bounds_check("minDays", "maxDays"),),
)
def backups(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    if resource.type == EFS_BACKUP_POLICY:
        yield from _expect(
            resource, ("backupPolicy", "status"), "ENABLED", MISSING, "turn on AWS Backup for the file system"
        )
        return
    if resource.type == DYNAMODB_TABLE_REPLICA:
        yield from _expect(
            resource, ("pointInTimeRecovery",), True, False, "turn on point-in-time recovery for the replica"
        )
        return
    if resource.type == DYNAMODB_TABLE:
        enabled = resource.get("pointInTimeRecovery", "enabled")
        if enabled is UNKNOWN:
            yield Unverifiable("pointInTimeRecovery.enabled")
            return
        if enabled is not True:
            yield Violation(
                f"pointInTimeRecovery.enabled is {describe(enabled)}: turn on point-in-time recovery"
            )
            return
    path, default = BACKUP_DAYS[resource.type]
    value = resource.get(*path)
    if value is UNKNOWN:
        yield Unverifiable(_dotted(path))
        return
    days = default if value is MISSING else as_int(value)
    low, high = settings.int("minDays"), settings.int("maxDays")
    if days is None:
        yield Violation(f"{_dotted(path)} is {describe(value)}, expected a whole number of days")
    elif not low <= days <= high:
        shown = f"{days} (AWS's value when unset)" if value is MISSING else str(days)
        shown += " (kept until deleted)" if days < 0 else ""
        yield Violation(
            f"{_dotted(path)} is {shown}, expected between {low} and {high}: the client's contract fixes "
            "how long restore points are kept"
        )


# --- redundancy ----------------------------------------------------------------------------------------

# OpenSearch Serverless types -> AWS's standby replicas when unset (a collection group requires the input).
STANDBY_REPLICAS: Mapping[str, Any] = {
    "aws:opensearch/serverlessCollection:ServerlessCollection": "ENABLED",
    "aws:opensearch/serverlessCollectionGroup:ServerlessCollectionGroup": MISSING,
}


@resource_rule(
    "datastore-redundant",
    "Caches and search domains keep a replica in another availability zone and fail over on their own.",
    Severity.HIGH,
    "ElastiCache: automaticFailoverEnabled and multiAzEnabled true with at least two nodes; OpenSearch: "
    "clusterConfig.zoneAwarenessEnabled true with at least two instances; OpenSearch Serverless "
    "collections and collection groups: standbyReplicas ENABLED.",
    ("aws:elasticache/replicationGroup:ReplicationGroup", "aws:opensearch/domain:Domain", *STANDBY_REPLICAS),
)
def redundant(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type in STANDBY_REPLICAS:
        yield from _expect(
            resource,
            ("standbyReplicas",),
            "ENABLED",
            STANDBY_REPLICAS[resource.type],
            "DISABLED keeps the collection in a single zone; set it to ENABLED",
        )
        return
    if resource.type == "aws:opensearch/domain:Domain":
        yield from _expect(
            resource, ("clusterConfig", "zoneAwarenessEnabled"), True, False, "spread nodes over two zones"
        )
        count = resource.get("clusterConfig", "instanceCount")
        if count is UNKNOWN:
            yield Unverifiable("clusterConfig.instanceCount")
        elif (1 if count is MISSING else as_int(count) or 0) < 2:
            yield Violation(f"clusterConfig.instanceCount is {describe(count)}: run at least two instances")
        return
    yield from _expect(resource, ("automaticFailoverEnabled",), True, False, "fail over to a replica")
    yield from _expect(resource, ("multiAzEnabled",), True, False, "keep the replica in another zone")
    clusters, replicas = resource.get("numCacheClusters"), resource.get("replicasPerNodeGroup")
    if UNKNOWN in (clusters, replicas):
        yield Unverifiable("numCacheClusters")
    elif (as_int(clusters) or 0) < 2 and (as_int(replicas) or 0) < 1:
        yield Violation(
            f"numCacheClusters is {describe(clusters)} and replicasPerNodeGroup {describe(replicas)}: "
            "run at least one replica"
        )


# --- not public ----------------------------------------------------------------------------------------

# Type -> the input holding a resource policy (an IAM policy document).
RESOURCE_POLICIES: Mapping[str, str] = {
    "aws:sqs/queue:Queue": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:secretsmanager/secret:Secret": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:efs/fileSystemPolicy:FileSystemPolicy": "policy",
    "aws:opensearch/domain:Domain": "accessPolicies",
    "aws:opensearch/domainPolicy:DomainPolicy": "accessPolicies",
    "aws:kinesis/resourcePolicy:ResourcePolicy": "policy",
    "aws:dynamodb/resourcePolicy:ResourcePolicy": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:lambda/resourcePolicy:ResourcePolicy": "policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "policy",
    "aws:redshift/resourcePolicy:ResourcePolicy": "policy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
}
# Conditions that keep a public principal inside the account, its organisation or a private network.
PRIVATE_CONDITION_KEYS = ACCOUNT_CONDITION_KEYS | {"aws:sourcevpc", "aws:sourcevpce"}
PUBLIC_FLAGS: Mapping[str, Path] = {
    "aws:redshift/cluster:Cluster": ("publiclyAccessible",),
    "aws:rds/shardGroup:ShardGroup": ("publiclyAccessible",),
}
OPENSEARCH_DOMAIN = "aws:opensearch/domain:Domain"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
LAYER_PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission"
ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"


def public_statement_problem(document: Any, where: str) -> Outcome | None:
    """Why a resource policy lets anyone in (or is unreadable), or None."""
    if document is UNKNOWN:
        return Unverifiable(where)
    if document is MISSING or document == "":
        return None
    try:
        parsed = parse(document)
    except PolicyDocumentError as error:
        return Violation(f"{where} is not a policy document: {error}")
    for index, statement in enumerate(parsed.statements):
        if statement.allows and statement.is_public and not statement.bound_by(PRIVATE_CONDITION_KEYS):
            return Violation(
                f'{where} Statement[{index}] allows every principal ("*") without a condition on the '
                "account, organisation or VPC: name the principals, or add aws:PrincipalAccount / "
                "aws:PrincipalOrgID / aws:SourceVpce"
            )
    return None


@resource_rule(
    "datastore-not-public",
    "No data store has a public endpoint or a resource policy open to everyone.",
    Severity.CRITICAL,
    "Set publiclyAccessible: false; put OpenSearch domains in a VPC (vpcOptions); give resource policies "
    "named principals or a condition on the account, organisation or VPC endpoint.",
    (
        *RESOURCE_POLICIES,
        *PUBLIC_FLAGS,
        LAMBDA_PERMISSION,
        FUNCTION_URL,
        LAYER_PERMISSION,
        ACCOUNT_PUBLIC_ACCESS_BLOCK,
    ),
)
def not_public(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type == FUNCTION_URL:
        yield from _expect(
            resource,
            ("authorizationType",),
            "AWS_IAM",
            MISSING,
            "NONE lets anyone on the internet call the function",
        )
        return
    if resource.type == LAYER_PERMISSION:
        principal = resource.get("principal")
        if principal is UNKNOWN:
            yield Unverifiable("principal")
        elif principal == "*" and resource.get("organizationId") is MISSING:
            yield Violation(
                'principal is "*": every AWS account may use the layer; name accounts or an organization'
            )
        return
    if resource.type == ACCOUNT_PUBLIC_ACCESS_BLOCK:
        for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
            yield from _expect(resource, (flag,), True, False, "set every account-wide block to true")
        return
    if resource.type in PUBLIC_FLAGS:
        yield from _expect(resource, PUBLIC_FLAGS[resource.type], False, False, "set it to false")
    if resource.type == OPENSEARCH_DOMAIN:
        subnets = resource.get("vpcOptions", "subnetIds")
        if subnets is MISSING or subnets == []:
            yield Violation(
                "vpcOptions.subnetIds is not set: the domain gets a public endpoint; place it in private "
                "subnets with vpcOptions"
            )
    if resource.type == LAMBDA_PERMISSION:
        principal = resource.get("principal")
        if principal is UNKNOWN:
            yield Unverifiable("principal")
        elif principal == "*" and MISSING is resource.get("sourceArn") is resource.get("sourceAccount"):
            yield Violation(
                'principal is "*" without sourceArn or sourceAccount: anyone may invoke the function; '
                "name the service or account that calls it"
            )
        return
    if resource.type in RESOURCE_POLICIES:
        key = RESOURCE_POLICIES[resource.type]
        problem = public_statement_problem(resource.get(key), key)
        if problem is not None:
            yield problem


# --- snapshots and images ------------------------------------------------------------------------------

SHARED_ACCOUNTS: Mapping[str, str] = {
    "aws:rds/snapshot:Snapshot": "sharedAccounts",
    "aws:rds/clusterSnapshot:ClusterSnapshot": "sharedAccounts",
    "aws:rds/snapshotCopy:SnapshotCopy": "sharedAccounts",
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy": "sharedAccounts",
}
AMI_LAUNCH_PERMISSION = "aws:ec2/amiLaunchPermission:AmiLaunchPermission"
SNAPSHOT_VOLUME_PERMISSION = "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission"


def _outside(accounts: list[Any], allowed: tuple[str, ...]) -> list[str]:
    return [str(account) for account in accounts if str(account) not in allowed]


@resource_rule(
    "snapshot-not-shared",
    "DB snapshots, EBS snapshots and AMIs are never public and shared only with accounts the config lists.",
    Severity.CRITICAL,
    "Remove 'all' and every account not in allowedAccounts from sharedAccounts; do not give AMI launch "
    "or snapshot volume permissions to 'all', organisations or unlisted accounts.",
    (*SHARED_ACCOUNTS, AMI_LAUNCH_PERMISSION, SNAPSHOT_VOLUME_PERMISSION),
    properties={
        "allowedAccounts": {
            "type": "array",
            "description": "AWS account ids (12 digits) snapshots and images may be shared with.",
            "items": {"type": "string", "pattern": r"^\d{12}$"},
            "default": [],
        }
    },
)
def not_shared(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    allowed = settings.strings("allowedAccounts")
    listed = ", ".join(allowed) or "none"
    if resource.type in SHARED_ACCOUNTS:
        value = resource.get("sharedAccounts")
        accounts = as_list(value)
        if value is UNKNOWN or (accounts is not None and UNKNOWN in accounts):
            yield Unverifiable("sharedAccounts")
        elif accounts is None:
            yield Violation(f"sharedAccounts is {describe(value)}, expected a list of account ids")
        elif "all" in accounts:
            yield Violation('sharedAccounts contains "all": the snapshot is public; remove it')
        elif outside := _outside(accounts, allowed):
            yield Violation(
                f"sharedAccounts shares the snapshot with {', '.join(outside)}, outside the accounts the "
                f"pack config allows ({listed})"
            )
        return
    if resource.type == AMI_LAUNCH_PERMISSION:
        group = resource.get("group")
        if group is UNKNOWN:
            yield Unverifiable("group")
        elif group == "all":
            yield Violation('group is "all": the AMI is public; remove the launch permission')
        for key in ("organizationArn", "organizationalUnitArn"):
            if resource.get(key) is not MISSING:
                yield Violation(
                    f"{key} shares the AMI with a whole organisation or unit; share it with listed accounts"
                )
    account = resource.get("accountId")
    if account is UNKNOWN:
        yield Unverifiable("accountId")
    elif account is not MISSING and _outside([account], allowed):
        yield Violation(
            f"accountId {describe(account)} is outside the accounts the pack config allows ({listed})"
        )


# --- data shared with other accounts --------------------------------------------------------------------

# Type -> the input naming the account that gets access (to a datashare, a cluster endpoint, a domain).
ACCOUNT_GRANTS: Mapping[str, Path] = {
    "aws:redshift/dataShareAuthorization:DataShareAuthorization": ("consumerIdentifier",),
    "aws:redshift/namespaceRegistration:NamespaceRegistration": ("consumerIdentifier",),
    "aws:redshift/endpointAuthorization:EndpointAuthorization": ("account",),
    "aws:opensearch/authorizeVpcEndpointAccess:AuthorizeVpcEndpointAccess": ("account",),
    "aws:opensearch/outboundConnection:OutboundConnection": ("remoteDomainInfo", "ownerId"),
}
# Joins another account's datashare; with allowWrites the producer's account receives this one's writes.
DATASHARE_CONSUMER = "aws:redshift/dataShareConsumerAssociation:DataShareConsumerAssociation"
ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


def _account_granted(
    resource: Resource, path: Path, allowed: tuple[str, ...], what: str
) -> Iterator[Outcome]:
    value = resource.get(*path)
    if value is UNKNOWN:
        yield Unverifiable(_dotted(path))
        return
    accounts = ACCOUNT_ID.findall(value) if isinstance(value, str) else []
    listed = ", ".join(allowed) or "none"
    if not accounts:
        yield Violation(
            f"{_dotted(path)} is {describe(value)}, which names no AWS account: {what} pinned by "
            f"the provider or listed in trustedAccounts ({listed})"
        )
    elif outside := _outside(accounts, allowed):
        yield Violation(
            f"{_dotted(path)} gives {', '.join(outside)} access, outside the stack's own and trusted "
            f"accounts ({listed}): {what} pinned by the provider or listed in trustedAccounts"
        )


@resource_rule(
    "data-shared-with-listed-accounts",
    "Redshift datashares, endpoint authorizations and catalog registrations, and OpenSearch endpoint "
    "access and cross-cluster connections, reach only accounts the config lists.",
    Severity.CRITICAL,
    "Share with, authorize and connect to the stack's own accounts (the provider's allowedAccountIds) and "
    "those in trustedAccounts only (an account id, never a marketplace such as ADX); write to another "
    "account's datashare only if its producer is one of them.",
    (*ACCOUNT_GRANTS, DATASHARE_CONSUMER),
    properties={"trustedAccounts": TRUSTED_ACCOUNTS},
)
def shared_with_listed_accounts(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    allowed = tuple(sorted(own_accounts(resource, settings)))
    if resource.type == DATASHARE_CONSUMER:
        writes = resource.get("allowWrites")
        if writes is UNKNOWN:
            yield Unverifiable("allowWrites")
        elif writes is True:
            yield from _account_granted(
                resource,
                ("dataShareArn",),
                allowed,
                "allowWrites sends writes to the producer's account; write only to datashares of accounts",
            )
        return
    yield from _account_granted(
        resource, ACCOUNT_GRANTS[resource.type], allowed, "share data only with accounts"
    )


# --- Redshift audit logging ----------------------------------------------------------------------------

REDSHIFT_LOGGING = "aws:redshift/logging:Logging"
REDSHIFT_AUDIT_LOGS = ("connectionlog", "userlog", "useractivitylog")


@resource_rule(
    "redshift-audit-logging",
    "Redshift audit logging writes every audit log to a bucket the stack declares or to CloudWatch Logs.",
    Severity.MEDIUM,
    "Set bucketName to a bucket declared in this stack (logDestinationType s3), or logDestinationType "
    "cloudwatch with logExports listing connectionlog, userlog and useractivitylog.",
    (REDSHIFT_LOGGING,),
)
def redshift_audit_logging(resource: Resource, _: Settings) -> Iterator[Outcome]:
    destination = resource.get("logDestinationType")
    if destination is UNKNOWN:
        yield Unverifiable("logDestinationType")
    elif destination in (MISSING, "s3"):
        if resource.get("bucketName") is MISSING:
            yield Violation("bucketName is not set: name the bucket the audit logs go to")
    elif destination == "cloudwatch":
        listed = known_list(resource.get("logExports"), "logExports", "a list of log names")
        if not isinstance(listed, list):
            yield listed
        elif missing := [name for name in REDSHIFT_AUDIT_LOGS if name not in listed]:
            yield Violation(f"logExports lacks {', '.join(missing)}: export every audit log")
    else:
        yield Violation(f"logDestinationType is {describe(destination)}, expected s3 or cloudwatch")


# --- SSM parameters ------------------------------------------------------------------------------------

SSM_PARAMETER = "aws:ssm/parameter:Parameter"


def _secret_name(settings: Settings) -> Callable[[str], bool]:
    pattern = secret_name_pattern(settings)

    def looks_secret(name: str) -> bool:
        # Parameter names are paths (/app/db-password) and use /, - or . where variables use _.
        normalised = re.sub(r"[/.\-]", "_", name.upper())
        return pattern.search(normalised) is not None and REFERENCE_NAME.search(normalised) is None

    return looks_secret


# A name that ends in ARN, ID, NAME or PATH holds where a secret is kept (/app/db/secret-arn), not the secret.
REFERENCE_NAME = re.compile(r"_(ARN|ID|NAME|PATH)$")


@resource_rule(
    "ssm-parameter-secure-string",
    "SSM parameters whose name or value looks secret are SecureStrings encrypted with the client's key.",
    Severity.CRITICAL,
    "Give secret parameters type: SecureString and keyId set to the client's customer-managed KMS key; "
    "never put a secret in insecureValue.",
    (SSM_PARAMETER,),
    properties=SECRET_NAME_SETTING,
)
def secure_string(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    name = resource.get("name")
    name = resource.name if name is MISSING else name
    kind, value, insecure = resource.get("type"), resource.get("value"), resource.get("insecureValue")
    if name is UNKNOWN or kind is UNKNOWN:
        yield Unverifiable("name" if name is UNKNOWN else "type")
        return
    looks_secret = (isinstance(name, str) and _secret_name(settings)(name)) or any(
        isinstance(text, str) and SECRET_VALUE_PATTERN.search(text) for text in (value, insecure)
    )
    if not looks_secret:
        return
    if kind != "SecureString":
        yield Violation(
            f"type is {describe(kind)} for a parameter whose name or value looks secret ({describe(name)}): "
            "use SecureString"
        )
    if insecure is not MISSING:
        yield Violation("insecureValue holds a secret in plain text: use value with type SecureString")
    if kind == "SecureString":
        yield from _customer_key(
            resource, ("keyId",), "set keyId to the client's customer-managed KMS key (unset uses aws/ssm)"
        )


# --- S3 object ownership -------------------------------------------------------------------------------

OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"


@resource_rule(
    "s3-acls-disabled",
    "S3 buckets own every object and ignore ACLs (BucketOwnerEnforced).",
    Severity.HIGH,
    "Set rule.objectOwnership: BucketOwnerEnforced, so access is decided by policies only and objects "
    "another account writes still belong to the bucket's owner.",
    (OWNERSHIP_CONTROLS,),
)
def acls_disabled(resource: Resource, _: Settings) -> Iterator[Outcome]:
    yield from _expect(
        resource,
        ("rule", "objectOwnership"),
        "BucketOwnerEnforced",
        MISSING,
        "with ACLs enabled an object can be shared by its ACL, and objects other accounts write are theirs; "
        "set BucketOwnerEnforced",
    )


# --- database parameter groups: TLS version --------------------------------------------------------------

DB_PARAMETER_GROUPS = (
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup",
)


def _engine_family(family: str) -> str | None:
    """`postgres` for postgres16 or aurora-postgresql15, `mysql` for mysql8.0 or aurora-mysql8.0..."""
    return next((name for name in standards.TLS_VERSION_PARAMETERS if name in family), None)


@resource_rule(
    "db-parameter-group-tls-version",
    "Database parameter groups accept nothing older than TLS 1.2.",
    Severity.CRITICAL,
    "Set ssl_min_protocol_version to TLSv1.2 (PostgreSQL) or tls_version to TLSv1.2,TLSv1.3 (MySQL, "
    "MariaDB) in the parameter group, next to rds.force_ssl / require_secure_transport.",
    DB_PARAMETER_GROUPS,
)
def tls_version(resource: Resource, _: Settings) -> Iterator[Outcome]:
    family = resource.get("family")
    if family is UNKNOWN:
        yield Unverifiable("family")
        return
    engine = _engine_family(family) if isinstance(family, str) else None
    if engine is None:
        return  # Oracle and SQL Server negotiate TLS through option groups, which the pack does not judge
    name, accepted = standards.TLS_VERSION_PARAMETERS[engine]
    parameters, problem = _parameters(resource)
    if problem is not None:
        yield problem
        return
    value = parameters.get(name)
    if value is UNKNOWN:
        yield Unverifiable("parameters")
    elif value is None or value not in {version.lower() for version in accepted}:
        shown = "not set (the engine's default may accept TLS 1.0)" if value is None else describe(value)
        yield Violation(f"parameter {name} is {shown}: set it to {' or '.join(accepted)}")


# --- cluster redundancy --------------------------------------------------------------------------------

# Cluster type -> its instance type.
CLUSTER_INSTANCES: Mapping[str, str] = {
    "aws:rds/cluster:Cluster": "aws:rds/clusterInstance:ClusterInstance",
    "aws:docdb/cluster:Cluster": "aws:docdb/clusterInstance:ClusterInstance",
    "aws:neptune/cluster:Cluster": "aws:neptune/clusterInstance:ClusterInstance",
}


def _is_instance_cluster(cluster: Resource) -> bool:
    """Aurora, DocumentDB and Neptune clusters run separately declared instances; an RDS Multi-AZ DB
    cluster (engine mysql or postgres with dbClusterInstanceClass) makes its own three."""
    if cluster.type != "aws:rds/cluster:Cluster":
        return True
    engine = cluster.get("engine")
    return not isinstance(engine, str) or engine.startswith("aurora")


@stack_rule(
    "cluster-instances-across-zones",
    "Aurora, DocumentDB and Neptune clusters run at least two instances, in different zones.",
    Severity.HIGH,
    "Declare at least two cluster instances for each cluster and leave availabilityZone unset (or set two "
    "different zones), so a reader takes over when the writer's zone fails.",
    types=(*CLUSTER_INSTANCES, *CLUSTER_INSTANCES.values()),
)
def instances_across_zones(stack: Stack, _: Settings) -> Iterator[Outcome]:
    for cluster_type, instance_type in CLUSTER_INSTANCES.items():
        candidates = stack.of_type(instance_type)
        for cluster in stack.of_type(cluster_type):
            if not _is_instance_cluster(cluster):
                continue
            members = []
            for instance in candidates:
                joined = stack.joins(instance, "clusterIdentifier", cluster, ("clusterIdentifier", "id"))
                if joined is UNKNOWN:
                    yield Unverifiable("clusterIdentifier", instance)
                elif joined is True:
                    members.append(instance)
            if len(members) < 2:
                yield Violation(
                    f"{cluster.name} has {len(members)} instance(s) in this stack: when it fails the cluster "
                    "is down until a new one starts; add a second instance",
                    cluster,
                )
                continue
            zones = [member.get("availabilityZone") for member in members]
            if UNKNOWN in zones:
                yield Unverifiable("availabilityZone", cluster)
            elif MISSING not in zones and len(set(zones)) < 2:
                yield Violation(f"{cluster.name}: every instance is in {zones[0]}: use two zones", cluster)
