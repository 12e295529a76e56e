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
    EACH,
    MISSING,
    TRUSTED_ACCOUNTS,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Stack,
    Unverifiable,
    Violation,
    arn_account,
    as_int,
    bounds_check,
    describe,
    describe_accounts,
    is_aws_managed_key_reference,
    is_customer_key_reference,
    list_items,
    lookup,
    outside_accounts,
    own_accounts,
    resource_rule,
    stack_rule,
    values_at,
)
from ..policy_documents import ACCOUNT_CONDITION_KEYS, PolicyDocumentError, Statement, parse
from .ecs import SECRET_NAME_SETTING, SECRET_VALUE_PATTERN, secret_name_pattern
from .s3 import PUBLIC_ACCESS_FLAGS

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
    """How a type encrypts at rest: inputs that must hold a value (switches), and the key reference.

    `unless` names an input and the values for which the spec does not apply: a part that is switched
    off, or an encryption setting left unset so the part inherits its judged parent's.
    """

    key: Path | None
    switches: Mapping[Path, Any] = field(default_factory=dict)
    unless: tuple[Path, tuple[Any, ...]] | None = None


_METADATA_TABLES = ("metadataConfiguration", "journalTableConfiguration")
_INVENTORY_TABLE = ("metadataConfiguration", "inventoryTableConfiguration")
_VECTORS = AtRest(
    ("encryptionConfigurations", 0, "kmsKeyArn"), {("encryptionConfigurations", 0, "sseType"): "aws:kms"}
)
_ECR = AtRest(
    ("encryptionConfigurations", 0, "kmsKey"), {("encryptionConfigurations", 0, "encryptionType"): "KMS"}
)

AT_REST: Mapping[str, AtRest | tuple[AtRest, ...]] = {
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
    "aws:ecr/repository:Repository": _ECR,
    # Repositories that pull-through caches, replication and pushes create take these settings.
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": _ECR,
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
    "aws:s3/filesFileSystem:FilesFileSystem": AtRest(("kmsKeyId",)),
    "aws:s3/vectorsVectorBucket:VectorsVectorBucket": _VECTORS,
    # An index without its own encryption settings uses its vector bucket's, which is judged.
    "aws:s3/vectorsIndex:VectorsIndex": AtRest(
        _VECTORS.key, _VECTORS.switches, (("encryptionConfigurations",), (MISSING, []))
    ),
    # Object keys, tags and user metadata are copied into journal and inventory tables.
    "aws:s3/bucketMetadataConfiguration:BucketMetadataConfiguration": (
        AtRest(
            (*_METADATA_TABLES, "encryptionConfiguration", "kmsKeyArn"),
            {(*_METADATA_TABLES, "encryptionConfiguration", "sseAlgorithm"): "aws:kms"},
        ),
        AtRest(
            (*_INVENTORY_TABLE, "encryptionConfiguration", "kmsKeyArn"),
            {(*_INVENTORY_TABLE, "encryptionConfiguration", "sseAlgorithm"): "aws:kms"},
            ((*_INVENTORY_TABLE, "configurationState"), (MISSING, "DISABLED")),
        ),
    ),
    # The managed instances' volumes, where functions' data sits while they run.
    "aws:lambda/capacityProvider:CapacityProvider": AtRest(("kmsKeyArn",)),
    # Systems Manager inventory of every managed instance, written to a bucket.
    "aws:ssm/resourceDataSync:ResourceDataSync": AtRest(("s3Destination", "kmsKeyArn")),
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
    specs = AT_REST[resource.type]
    for spec in specs if isinstance(specs, tuple) else (specs,):
        if spec.unless is not None:
            path, off = spec.unless
            value = resource.get(*path)
            if value is UNKNOWN:
                yield Unverifiable(_dotted(path))
                continue
            if value in off:
                continue
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
# DocumentDB's tls parameter values that require TLS (unset is "enabled").
DOCDB_TLS_ON = ("enabled", "tls1.2+", "tls1.3+")


def _parameter(resource: Resource, name: str, accepted: Callable[[str], bool]) -> tuple[Any, Outcome | None]:
    """A parameter group's `name` parameter as a lower-case string (`Items.setting`: a known refused value
    wins; MISSING when unset), or the outcome that explains why it cannot be read."""
    parameters = list_items(resource.get("parameters"), "parameters", "name/value parameters")
    if parameters.problem is not None:
        return MISSING, parameters.problem
    for entry in parameters.values:
        if not isinstance(lookup(entry, "name"), str) and lookup(entry, "name") is not UNKNOWN:
            return MISSING, Violation(f"parameter {describe(entry)} has no name")
    value = parameters.setting(name, lambda value: accepted(str(value).lower()), any_case=True)
    if value is UNKNOWN:
        return value, Unverifiable("parameters")
    return (value if value is MISSING else str(value).lower()), None


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
        value, problem = _parameter(resource, "require_ssl", lambda value: value == "true")
        if problem is not None:
            yield problem
        elif value != "true":
            yield Violation(
                "parameter require_ssl is not true: set require_ssl = true so clients must use TLS"
            )
    elif kind == NEPTUNE_PARAMETER_GROUP:
        value, problem = _parameter(resource, "neptune_enforce_ssl", lambda value: value == "1")
        if problem is not None:
            yield problem
        elif value not in (MISSING, "1"):
            yield Violation(
                f"parameter neptune_enforce_ssl is {describe(value)}: leave it at 1 so clients must use TLS"
            )
    elif kind == DOCDB_PARAMETER_GROUP:
        value, problem = _parameter(resource, "tls", lambda value: value in DOCDB_TLS_ON)
        if problem is not None:
            yield problem
        elif value is not MISSING and value not in DOCDB_TLS_ON:
            yield Violation(f"parameter tls is {describe(value)}: set it to tls1.2+ (or leave it unset)")


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


# --- in transit: resource policies that refuse plain HTTP -----------------------------------------------


@dataclass(frozen=True)
class TlsOnlyPolicy:
    """Where a queue, topic or file system keeps its resource policy, and what its TLS statement must deny.

    The service's API already refuses TLS 1.0 and 1.1 (every AWS API endpoint requires TLS 1.2 or later
    since June 2023) and neither SQS, SNS nor EFS has a condition key for the TLS version, so what a
    policy can and must add is refusing requests sent without TLS at all (`aws:SecureTransport` false).
    """

    noun: str
    # The store's own input holding a policy, if it has one, and the resource type that attaches one, its
    # input naming the store and the store's outputs that input may equal.
    inline: str | None
    attached: str
    attached_key: str
    match_on: tuple[str, ...]
    # The actions that carry the data: the Deny must cover each of them.
    actions: tuple[str, ...]
    example_action: str


QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
FILE_SYSTEM_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
TLS_ONLY_POLICIES: Mapping[str, TlsOnlyPolicy] = {
    QUEUE: TlsOnlyPolicy(
        "queue",
        "policy",
        QUEUE_POLICY,
        "queueUrl",
        ("url", "id"),
        ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"),
        "sqs:*",
    ),
    TOPIC: TlsOnlyPolicy(
        "topic", "policy", TOPIC_POLICY, "arn", ("arn", "id"), ("sns:Publish",), "sns:Publish"
    ),
    FILE_SYSTEM: TlsOnlyPolicy(
        "file system",
        None,
        FILE_SYSTEM_POLICY,
        "fileSystemId",
        ("id",),
        ("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"),
        "*",
    ),
}
SECURE_TRANSPORT = "aws:securetransport"


def _without_tls(statement: Statement) -> bool:
    """True when the statement applies exactly to requests sent without TLS (`aws:SecureTransport` false)."""
    return (
        [value.lower() for value in statement.condition_values(SECURE_TRANSPORT)] == ["false"]
        and all(operator.lower() in ("bool", "boolifexists") for operator in statement.conditions)
        and statement.condition_keys == {SECURE_TRANSPORT}
    )


def _denies_plain_http(statement: Statement, actions: tuple[str, ...]) -> bool:
    """A Deny for every principal, on every data action, with `aws:SecureTransport` false as its only
    condition (any other condition narrows whom or what it refuses)."""
    return (
        not statement.allows
        and statement.is_public
        and not statement.not_principal
        and not statement.not_resources
        and not statement.not_actions
        and all(statement.grants_action(action) for action in actions)
        and _without_tls(statement)
    )


def _tls_policy_problems(document: Any, where: str, spec: TlsOnlyPolicy) -> tuple[list[str], bool]:
    """What is wrong with one policy document, and whether it refuses plain HTTP."""
    try:
        statements = parse(document).statements
    except PolicyDocumentError as error:
        return [f"{where} is not a policy document: {error}"], False
    problems = [
        f"{where} Statement[{index}] allows requests sent without TLS (aws:SecureTransport false): remove it"
        for index, statement in enumerate(statements)
        if statement.allows and "false" in [v.lower() for v in statement.condition_values(SECURE_TRANSPORT)]
    ]
    return problems, any(_denies_plain_http(statement, spec.actions) for statement in statements)


def _tls_statement_example(spec: TlsOnlyPolicy) -> str:
    return (
        f'{{"Effect": "Deny", "Principal": "*", "Action": "{spec.example_action}", "Resource": "*", '
        '"Condition": {"Bool": {"aws:SecureTransport": "false"}}}'
    )


@stack_rule(
    "datastore-policy-requires-tls",
    "Queues, topics and file systems refuse every request sent without TLS through their resource policy.",
    Severity.CRITICAL,
    "Give each SQS queue, SNS topic and EFS file system a resource policy (its `policy`, or an "
    "aws.sqs.QueuePolicy / aws.sns.TopicPolicy / aws.efs.FileSystemPolicy given the store's own output) with "
    'a statement {"Effect": "Deny", "Principal": "*", "Action": <the data actions, e.g. sqs:*, sns:Publish, '
    'elasticfilesystem:ClientMount and ClientWrite>, "Condition": {"Bool": {"aws:SecureTransport": '
    '"false"}}}, and no statement that allows requests without TLS.',
    types=(*TLS_ONLY_POLICIES, *(spec.attached for spec in TLS_ONLY_POLICIES.values())),
)
def policy_requires_tls(stack: Stack, _: Settings) -> Iterator[Outcome]:
    for kind, spec in TLS_ONLY_POLICIES.items():
        # Each policy resource of this kind is read once: one that allows plain HTTP is at fault whatever
        # store it belongs to, and whether it refuses plain HTTP decides for each store it may belong to.
        refuses: dict[str, bool] = {}
        for attached in stack.of_type(spec.attached):
            document = attached.get("policy")
            if document is not UNKNOWN and document is not MISSING:
                problems, refuses[attached.urn] = _tls_policy_problems(document, "policy", spec)
                for problem in problems:
                    yield Violation(f"{attached.name}: {problem}", attached)
        for store in stack.of_type(kind):
            yield from _store_requires_tls(stack, store, spec, refuses)


def _store_requires_tls(
    stack: Stack, store: Resource, spec: TlsOnlyPolicy, refuses: Mapping[str, bool]
) -> Iterator[Outcome]:
    """Every policy that may be the store's (AWS keeps the one applied last) refuses plain HTTP; `refuses`
    tells it of each policy resource with a known document (one without a document refuses nothing)."""
    joined = stack.configs_of(store, (spec.attached,), spec.attached_key, spec.match_on)
    inline = store.get(spec.inline) if spec.inline is not None else MISSING
    # The store's `policy` output is the policy AWS holds, which an attached policy resource sets: unknown
    # in preview next to a joined policy resource, it is that resource's document, judged there.
    if inline is UNKNOWN and joined.configs:
        inline = MISSING
    has_inline = inline is not MISSING and inline != ""
    if not joined.configs and not has_inline:
        yield Violation(
            f"{spec.noun} {store.name} has no resource policy, so it accepts requests sent without TLS: add "
            f"one that denies them, such as {_tls_statement_example(spec)}" + joined.undecided_note(),
            store,
        )
        return
    for config in joined.undecided:
        # It may be the store's policy: harmless if it refuses plain HTTP too, undecidable otherwise.
        if config.get("policy") is UNKNOWN or not refuses.get(config.urn, False):
            yield Unverifiable(f"{config.name}.{spec.attached_key}", store)
    for config in joined.configs:
        if config.get("policy") is UNKNOWN:
            yield Unverifiable(f"{config.name}.policy", store)
        elif not refuses.get(config.urn, False):
            yield _accepts_plain_http(spec, store, f"{config.name}.policy")
    if not has_inline:
        return
    if inline is UNKNOWN:
        yield Unverifiable(str(spec.inline), store)
        return
    where = f"{store.name}.{spec.inline}"
    problems, inline_refuses = _tls_policy_problems(inline, where, spec)
    yield from (Violation(problem, store) for problem in problems)
    if not inline_refuses:
        yield _accepts_plain_http(spec, store, where)


def _accepts_plain_http(spec: TlsOnlyPolicy, store: Resource, where: str) -> Violation:
    return Violation(
        f"{spec.noun} {store.name}: {where} does not deny every principal {', '.join(spec.actions)} "
        "when aws:SecureTransport is false (without other conditions), so requests without TLS are "
        f"accepted: add {_tls_statement_example(spec)}",
        store,
    )


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


# S3 Express One Zone: a directory bucket keeps its data in one zone (or one Local Zone), by design.
DIRECTORY_BUCKET = "aws:s3/directoryBucket:DirectoryBucket"


@resource_rule(
    "datastore-redundant",
    "Caches and search domains keep a replica in another availability zone and fail over on their own; "
    "no data sits in a single-zone directory bucket.",
    Severity.HIGH,
    "ElastiCache: automaticFailoverEnabled and multiAzEnabled true with at least two nodes; OpenSearch: "
    "clusterConfig.zoneAwarenessEnabled true with at least two instances; OpenSearch Serverless "
    "collections and collection groups: standbyReplicas ENABLED; S3: use general-purpose buckets, not "
    "directory buckets.",
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:opensearch/domain:Domain",
        *STANDBY_REPLICAS,
        DIRECTORY_BUCKET,
    ),
)
def redundant(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type == DIRECTORY_BUCKET:
        yield Violation(
            f"a directory bucket (dataRedundancy {describe(resource.get('dataRedundancy'))}) stores every "
            "object in a single zone: when that zone fails the data is unavailable or lost; keep client data "
            "in a general-purpose bucket, which S3 stores across zones"
        )
        return
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
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "repositoryPolicy",
    "aws:s3/filesFileSystemPolicy:FilesFileSystemPolicy": "policy",
    "aws:s3/vectorsVectorBucketPolicy:VectorsVectorBucketPolicy": "policy",
    "aws:s3/accessPoint:AccessPoint": "policy",
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
ACCESS_POINT = "aws:s3/accessPoint:AccessPoint"
SNAPSHOT_BLOCK_PUBLIC_ACCESS = "aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess"


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
    "named principals or a condition on the account, organisation or VPC endpoint; keep S3 access points' "
    "public access blocks on; block all public sharing of EBS snapshots.",
    (
        *RESOURCE_POLICIES,
        *PUBLIC_FLAGS,
        LAMBDA_PERMISSION,
        FUNCTION_URL,
        LAYER_PERMISSION,
        ACCOUNT_PUBLIC_ACCESS_BLOCK,
        SNAPSHOT_BLOCK_PUBLIC_ACCESS,
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
        for flag in PUBLIC_ACCESS_FLAGS:
            yield from _expect(resource, (flag,), True, False, "set every account-wide block to true")
        return
    if resource.type == SNAPSHOT_BLOCK_PUBLIC_ACCESS:
        yield from _expect(
            resource,
            ("state",),
            "block-all-sharing",
            MISSING,
            "every EBS snapshot of the region, new or old, must stay unshareable with the public; set "
            "block-all-sharing",
        )
        return
    if resource.type == ACCESS_POINT:
        # AWS blocks all four for an access point unless told otherwise.
        for flag in PUBLIC_ACCESS_FLAGS:
            yield from _expect(
                resource,
                ("publicAccessBlockConfiguration", flag),
                True,
                True,
                "leave every public access block of the access point on (unset or true)",
            )
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
        accounts = list_items(resource.get("sharedAccounts"), "sharedAccounts", "account ids")
        if "all" in accounts.values:
            yield Violation('sharedAccounts contains "all": the snapshot is public; remove it')
        elif outside := outside_accounts(accounts.values, allowed):
            yield Violation(
                f"sharedAccounts shares the snapshot with {', '.join(outside)}, outside the accounts the "
                f"pack config allows ({listed})"
            )
        yield from accounts.unverifiable()
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
    elif account is not MISSING and outside_accounts([account], allowed):
        yield Violation(
            f"accountId {describe(account)} is outside the accounts the pack config allows ({listed})"
        )


# --- copies and destinations in other accounts -----------------------------------------------------------

# Type -> the inputs holding ARNs (or account ids) that data is sent or copied to; `EACH` steps over a list.
DESTINATIONS: Mapping[str, tuple[Path, ...]] = {
    # Invocation records, with the event that triggered the function, go to these on success or failure.
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": (
        ("destinationConfig", "onSuccess", "destination"),
        ("destinationConfig", "onFailure", "destination"),
    ),
    "aws:kinesis/analyticsApplication:AnalyticsApplication": (
        ("outputs", EACH, "kinesisStream", "resourceArn"),
        ("outputs", EACH, "kinesisFirehose", "resourceArn"),
        ("outputs", EACH, "lambda", "resourceArn"),
        ("cloudwatchLoggingOptions", "logStreamArn"),
    ),
    # Registry ids are account ids: images are replicated into those registries.
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": (
        ("replicationConfiguration", "rules", EACH, "destinations", EACH, "registryId"),
    ),
}


@resource_rule(
    "data-destinations-within-accounts",
    "Data a service sends or copies on its own (invocation records, analytics output, image replicas) "
    "goes only to the client's accounts.",
    Severity.CRITICAL,
    "Point destinations at queues, topics, streams, functions and registries of the accounts the provider "
    "is pinned to, or list another account of the client in the config's trustedAccounts.",
    tuple(DESTINATIONS),
    properties={"trustedAccounts": TRUSTED_ACCOUNTS},
)
def destinations_within_accounts(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    own = own_accounts(resource, settings)
    for path in DESTINATIONS[resource.type]:
        for where, value in values_at(resource.props, path):
            if value is MISSING:
                continue
            if value is UNKNOWN:
                yield Unverifiable(where)
                continue
            account = (
                value if isinstance(value, str) and re.fullmatch(r"\d{12}", value) else arn_account(value)
            )
            if account is None or account == "":
                yield Violation(
                    f"{where} is {describe(value)}, which names no account: it cannot be shown to stay in "
                    "the client's accounts; use the ARN of a queue, topic, stream or function"
                )
            elif account not in own:
                yield Violation(
                    f"{where} sends data to account {account}, outside the client's accounts "
                    f"({describe_accounts(own)})"
                )


EBS_VOLUME = "aws:ebs/volume:Volume"
# Type -> the input naming the volume it copies; the copy is encrypted exactly as that volume is.
EBS_COPIES: Mapping[str, str] = {
    "aws:ebs/snapshot:Snapshot": "volumeId",
    "aws:ebs/volumeCopy:VolumeCopy": "sourceVolumeId",
}


@stack_rule(
    "ebs-copies-encrypted",
    "EBS snapshots and volume copies are taken only of volumes this stack encrypts with the client's key.",
    Severity.HIGH,
    "Snapshot or copy a volume the stack declares (pass its own id) with encrypted: true and kmsKeyId set "
    "to the client's customer-managed key; to re-encrypt an existing snapshot use aws.ebs.SnapshotCopy "
    "with encrypted and kmsKeyId.",
    types=tuple(EBS_COPIES),
)
def ebs_copies_encrypted(stack: Stack, _: Settings) -> Iterator[Outcome]:
    volumes = stack.of_type(EBS_VOLUME)
    for copy in stack.of_type(*EBS_COPIES):
        key = EBS_COPIES[copy.type]
        sources, undecided = stack.references(copy, key, volumes, ("id",))
        if not sources:
            if undecided:
                yield Unverifiable(key, copy)
            else:
                yield Violation(
                    f"{copy.name}: {key} {describe(copy.get(key))} is not a volume this stack declares, so "
                    "the copy's encryption cannot be shown (a copy is encrypted exactly as its volume is): "
                    "copy a volume of this stack, passing its own id",
                    copy,
                )
            continue
        for volume in sources:
            encrypted, kms_key = volume.get("encrypted"), volume.get("kmsKeyId")
            if encrypted is UNKNOWN:
                yield Unverifiable(f"{volume.name}.encrypted", copy)
            elif encrypted is not True or not is_customer_key_reference(kms_key):
                yield Violation(
                    f"{copy.name} copies volume {volume.name}, whose encrypted is {describe(encrypted)} and "
                    f"kmsKeyId {describe(kms_key)}: the copy would not be encrypted with the client's key",
                    copy,
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


def _account_granted(resource: Resource, path: Path, allowed: frozenset[str], what: str) -> Iterator[Outcome]:
    value = resource.get(*path)
    if value is UNKNOWN:
        yield Unverifiable(_dotted(path))
        return
    accounts = ACCOUNT_ID.findall(value) if isinstance(value, str) else []
    listed = describe_accounts(allowed)
    if not accounts:
        yield Violation(
            f"{_dotted(path)} is {describe(value)}, which names no AWS account: {what} pinned by "
            f"the provider or listed in trustedAccounts ({listed})"
        )
    elif outside := outside_accounts(accounts, allowed):
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
    allowed = own_accounts(resource, settings)
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
        exports = list_items(resource.get("logExports"), "logExports", "log names")
        yield from exports.require_all(REDSHIFT_AUDIT_LOGS, "export every audit log")
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
    allowed = {version.lower() for version in accepted}
    value, problem = _parameter(resource, name, lambda value: value in allowed)
    if problem is not None:
        yield problem
    elif value is MISSING or value not in allowed:
        shown = "not set (the engine's default may accept TLS 1.0)" if value is MISSING else describe(value)
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
