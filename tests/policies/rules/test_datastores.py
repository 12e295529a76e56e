"""Data stores beyond RDS and S3: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import DELETE, KEY_ARN, OWN_ACCOUNT, PROVIDER, add, both, set_path
from toms.offline.analyzer_client import UNKNOWN, ResourceInput

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

REDSHIFT = "aws:redshift/cluster:Cluster"
REDSHIFT_PARAMETERS = "aws:redshift/parameterGroup:ParameterGroup"
DOCDB = "aws:docdb/cluster:Cluster"
DOCDB_PARAMETERS = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"
NEPTUNE = "aws:neptune/cluster:Cluster"
DYNAMODB = "aws:dynamodb/table:Table"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
EFS = "aws:efs/fileSystem:FileSystem"
SEARCH = "aws:opensearch/domain:Domain"
QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
TOPIC = "aws:sns/topic:Topic"
STREAM = "aws:kinesis/stream:Stream"
FIREHOSE = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
SECRET = "aws:secretsmanager/secret:Secret"
REPOSITORY = "aws:ecr/repository:Repository"
PROXY = "aws:rds/proxy:Proxy"
GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
SNAPSHOT = "aws:rds/snapshot:Snapshot"
CLUSTER_SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"
RDS_SNAPSHOT_COPY = "aws:rds/snapshotCopy:SnapshotCopy"
RDS_CLUSTER_SNAPSHOT_COPY = "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy"
LAUNCH_PERMISSION = "aws:ec2/amiLaunchPermission:AmiLaunchPermission"
VOLUME_PERMISSION = "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission"
PARAMETER = "aws:ssm/parameter:Parameter"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
LOG_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
DB_PARAMETERS = "aws:rds/parameterGroup:ParameterGroup"
AURORA = "aws:rds/cluster:Cluster"
AURORA_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
OTHER_ACCOUNT = "444455556666"
EBS_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
EBS_DEFAULT_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey"
NEPTUNE_PARAMETERS = "aws:neptune/clusterParameterGroup:ClusterParameterGroup"
EFS_BACKUP = "aws:efs/backupPolicy:BackupPolicy"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
LAYER_PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission"
ACCOUNT_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
ACCOUNT_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
FILE_SYSTEM = "aws:s3/filesFileSystem:FilesFileSystem"
FILE_SYSTEM_POLICY = "aws:s3/filesFileSystemPolicy:FilesFileSystemPolicy"
VECTOR_BUCKET = "aws:s3/vectorsVectorBucket:VectorsVectorBucket"
VECTOR_INDEX = "aws:s3/vectorsIndex:VectorsIndex"
VECTOR_BUCKET_POLICY = "aws:s3/vectorsVectorBucketPolicy:VectorsVectorBucketPolicy"
METADATA = "aws:s3/bucketMetadataConfiguration:BucketMetadataConfiguration"
CAPACITY_PROVIDER = "aws:lambda/capacityProvider:CapacityProvider"
DATA_SYNC = "aws:ssm/resourceDataSync:ResourceDataSync"
ECR_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
ACCESS_POINT = "aws:s3/accessPoint:AccessPoint"
SNAPSHOT_BLOCK = "aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess"
KMS_TABLE = {"sseAlgorithm": "aws:kms", "kmsKeyArn": KEY_ARN}
DIRECTORY_BUCKET = "aws:s3/directoryBucket:DirectoryBucket"
EVENT_INVOKE = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
ANALYTICS = "aws:kinesis/analyticsApplication:AnalyticsApplication"
ECR_REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
EBS_VOLUME = "aws:ebs/volume:Volume"
EBS_SNAPSHOT = "aws:ebs/snapshot:Snapshot"
VOLUME_COPY = "aws:ebs/volumeCopy:VolumeCopy"
OWN = OWN_ACCOUNT
OWN_QUEUE = f"arn:aws:sqs:eu-west-1:{OWN}:failed-invocations"
ACTIVITY_STREAM = "aws:rds/clusterActivityStream:ClusterActivityStream"
EXPORT_TASK = "aws:rds/exportTask:ExportTask"
RDS_INTEGRATION = "aws:rds/integration:Integration"
REDSHIFT_INTEGRATION = "aws:redshift/integration:Integration"
COPY_GRANT = "aws:redshift/snapshotCopyGrant:SnapshotCopyGrant"
TABLE_EXPORT = "aws:dynamodb/tableExport:TableExport"
TABLE_REPLICA = "aws:dynamodb/tableReplica:TableReplica"
MEMORYDB_SNAPSHOT = "aws:memorydb/snapshot:Snapshot"
SEARCH_APPLICATION = "aws:opensearch/application:Application"
EFS_REPLICATION = "aws:efs/replicationConfiguration:ReplicationConfiguration"
MULTI_REGION_CLUSTER = "aws:memorydb/multiRegionCluster:MultiRegionCluster"
SNAPSHOT_COPY = "aws:redshift/snapshotCopy:SnapshotCopy"
REDSHIFT_SNAPSHOT = "aws:redshift/clusterSnapshot:ClusterSnapshot"
COLLECTION = "aws:opensearch/serverlessCollection:ServerlessCollection"
COLLECTION_GROUP = "aws:opensearch/serverlessCollectionGroup:ServerlessCollectionGroup"
DATASHARE = "aws:redshift/dataShareAuthorization:DataShareAuthorization"
DATASHARE_CONSUMER = "aws:redshift/dataShareConsumerAssociation:DataShareConsumerAssociation"
NAMESPACE_REGISTRATION = "aws:redshift/namespaceRegistration:NamespaceRegistration"
ENDPOINT_AUTHORIZATION = "aws:redshift/endpointAuthorization:EndpointAuthorization"
SEARCH_ENDPOINT_ACCESS = "aws:opensearch/authorizeVpcEndpointAccess:AuthorizeVpcEndpointAccess"
SEARCH_CONNECTION = "aws:opensearch/outboundConnection:OutboundConnection"
REDSHIFT_LOGGING = "aws:redshift/logging:Logging"


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


PUBLIC_STATEMENT = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}
ACCOUNT_STATEMENT = {
    **PUBLIC_STATEMENT,
    "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}},
}

# A compliant sample of each type: what a platform team would write to meet every measure.
SAMPLES: dict[str, dict[str, Any]] = {
    REDSHIFT: {
        "encrypted": True,
        "kmsKeyId": KEY_ARN,
        "publiclyAccessible": False,
        "automatedSnapshotRetentionPeriod": 14,
        "clusterParameterGroupName": "warehouse-tls",
    },
    REDSHIFT_PARAMETERS: {"family": "redshift-1.0", "parameters": [{"name": "require_ssl", "value": "true"}]},
    DOCDB: {"storageEncrypted": True, "kmsKeyId": KEY_ARN, "backupRetentionPeriod": 14},
    DOCDB_PARAMETERS: {"family": "docdb5.0", "parameters": [{"name": "tls", "value": "tls1.2+"}]},
    NEPTUNE: {"storageEncrypted": True, "kmsKeyArn": KEY_ARN, "backupRetentionPeriod": 7},
    DYNAMODB: {
        "serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY_ARN},
        "pointInTimeRecovery": {"enabled": True},
    },
    CACHE: {
        "atRestEncryptionEnabled": True,
        "kmsKeyId": KEY_ARN,
        "transitEncryptionEnabled": True,
        "snapshotRetentionLimit": 7,
        "automaticFailoverEnabled": True,
        "multiAzEnabled": True,
        "numCacheClusters": 2,
    },
    CACHE_CLUSTER: {"replicationGroupId": "sessions"},
    EFS: {"encrypted": True, "kmsKeyId": KEY_ARN},
    SEARCH: {
        "encryptAtRest": {"enabled": True, "kmsKeyId": KEY_ARN},
        "domainEndpointOptions": {"enforceHttps": True, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"},
        "nodeToNodeEncryption": {"enabled": True},
        "clusterConfig": {"zoneAwarenessEnabled": True, "instanceCount": 2},
        "vpcOptions": {"subnetIds": ["subnet-a", "subnet-b"]},
    },
    QUEUE: {"kmsMasterKeyId": KEY_ARN, "policy": document(ACCOUNT_STATEMENT)},
    QUEUE_POLICY: {"queueUrl": "https://sqs/1/q", "policy": document(ACCOUNT_STATEMENT)},
    TOPIC: {"kmsMasterKeyId": KEY_ARN},
    STREAM: {"encryptionType": "KMS", "kmsKeyId": KEY_ARN},
    FIREHOSE: {
        "destination": "extended_s3",
        "serverSideEncryption": {"enabled": True, "keyType": "CUSTOMER_MANAGED_CMK", "keyArn": KEY_ARN},
    },
    SECRET: {"kmsKeyId": KEY_ARN},
    REPOSITORY: {
        "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY_ARN}],
        "imageScanningConfiguration": {"scanOnPush": True},
        "imageTagMutability": "IMMUTABLE",
    },
    PROXY: {"engineFamily": "POSTGRESQL", "requireTls": True},
    GLOBAL_CLUSTER: {"storageEncrypted": True},
    SNAPSHOT: {"dbInstanceIdentifier": "orders", "dbSnapshotIdentifier": "orders-1"},
    CLUSTER_SNAPSHOT: {"dbClusterIdentifier": "orders", "sharedAccounts": [OTHER_ACCOUNT]},
    LAUNCH_PERMISSION: {"imageId": "ami-1", "accountId": OTHER_ACCOUNT},
    VOLUME_PERMISSION: {"snapshotId": "snap-1", "accountId": OTHER_ACCOUNT},
    PARAMETER: {"name": "/acme/db/password", "type": "SecureString", "value": "s3cr3t", "keyId": KEY_ARN},
    LAMBDA_PERMISSION: {
        "action": "lambda:InvokeFunction",
        "function": "resize",
        "principal": "apigateway.amazonaws.com",
        "sourceArn": "arn:aws:execute-api:eu-west-1:111122223333:abc/*",
    },
    OWNERSHIP: {"bucket": "acme-data", "rule": {"objectOwnership": "BucketOwnerEnforced"}},
    EBS_DEFAULT: {"enabled": True},
    DB_PARAMETERS: {
        "family": "postgres17",
        "parameters": [
            {"name": "rds.force_ssl", "value": "1"},
            {"name": "ssl_min_protocol_version", "value": "TLSv1.2"},
        ],
    },
    LOG_POLICY: {
        "policyName": "waf-delivery",
        "policyDocument": document(
            {
                "Effect": "Allow",
                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": "logs:PutLogEvents",
            }
        ),
    },
    EBS_DEFAULT_KEY: {"keyArn": KEY_ARN},
    NEPTUNE_PARAMETERS: {
        "family": "neptune1.3",
        "parameters": [{"name": "neptune_enforce_ssl", "value": "1"}],
    },
    EFS_BACKUP: {"fileSystemId": "fs-1", "backupPolicy": {"status": "ENABLED"}},
    FUNCTION_URL: {"functionName": "resize", "authorizationType": "AWS_IAM"},
    LAYER_PERMISSION: {
        "layerName": "shared",
        "versionNumber": 1,
        "action": "lambda:GetLayerVersion",
        "principal": OTHER_ACCOUNT,
    },
    ACCOUNT_BLOCK: dict.fromkeys(ACCOUNT_FLAGS, True),
    RDS_SNAPSHOT_COPY: {
        "sourceDbSnapshotIdentifier": "arn:aws:rds:eu-west-1:444455556666:snapshot:orders-2026-01-01",
        "targetDbSnapshotIdentifier": "orders-2026-01-01",
        "kmsKeyId": KEY_ARN,
    },
    RDS_CLUSTER_SNAPSHOT_COPY: {
        "sourceDbClusterSnapshotIdentifier": "arn:aws:rds:eu-west-1:444455556666:cluster-snapshot:orders-1",
        "targetDbClusterSnapshotIdentifier": "orders-1",
        "kmsKeyId": KEY_ARN,
    },
    FILE_SYSTEM: {
        "bucket": "arn:aws:s3:::acme-data",
        "roleArn": "arn:aws:iam::1:role/f",
        "kmsKeyId": KEY_ARN,
    },
    VECTOR_BUCKET: {
        "vectorBucketName": "embeddings",
        "encryptionConfigurations": [{"sseType": "aws:kms", "kmsKeyArn": KEY_ARN}],
    },
    VECTOR_INDEX: {
        "vectorBucketName": "embeddings",
        "indexName": "people",
        "dataType": "float32",
        "dimension": 1024,
        "distanceMetric": "cosine",
    },
    METADATA: {
        "bucket": "acme-data",
        "metadataConfiguration": {
            "journalTableConfiguration": {
                "recordExpiration": {"expiration": "ENABLED", "days": 30},
                "encryptionConfiguration": KMS_TABLE,
            },
            "inventoryTableConfiguration": {"configurationState": "DISABLED"},
        },
    },
    CAPACITY_PROVIDER: {"vpcConfig": {"subnetIds": ["subnet-a"]}, "kmsKeyArn": KEY_ARN},
    DATA_SYNC: {
        "s3Destination": {"bucketName": "acme-inventory", "region": "eu-west-1", "kmsKeyArn": KEY_ARN}
    },
    ECR_TEMPLATE: {
        "prefix": "ROOT",
        "appliedFors": ["REPLICATION"],
        "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY_ARN}],
        "repositoryPolicy": document(ACCOUNT_STATEMENT),
    },
    FILE_SYSTEM_POLICY: {"fileSystemId": "fs-1", "policy": document(ACCOUNT_STATEMENT)},
    VECTOR_BUCKET_POLICY: {"vectorBucketArn": "arn:aws:s3vectors:x", "policy": document(ACCOUNT_STATEMENT)},
    ACCESS_POINT: {"bucket": "acme-data", "name": "reports", "policy": document(ACCOUNT_STATEMENT)},
    SNAPSHOT_BLOCK: {"state": "block-all-sharing"},
    EVENT_INVOKE: {
        "functionName": "resize",
        "destinationConfig": {"onFailure": {"destination": OWN_QUEUE}},
    },
    ANALYTICS: {
        "name": "clicks",
        "outputs": [
            {
                "name": "OUT",
                "schema": {"recordFormatType": "JSON"},
                "kinesisStream": {
                    "resourceArn": f"arn:aws:kinesis:eu-west-1:{OWN}:stream/out",
                    "roleArn": f"arn:aws:iam::{OWN}:role/analytics",
                },
            }
        ],
    },
    ECR_REPLICATION: {
        "replicationConfiguration": {
            "rules": [{"destinations": [{"region": "eu-central-1", "registryId": OWN}]}],
        }
    },
    ACTIVITY_STREAM: {
        "resourceArn": "arn:aws:rds:eu-west-1:1:cluster:orders",
        "mode": "async",
        "kmsKeyId": KEY_ARN,
    },
    EXPORT_TASK: {
        "exportTaskIdentifier": "orders-export",
        "sourceArn": "arn:aws:rds:eu-west-1:1:snapshot:orders-1",
        "s3BucketName": "acme-exports",
        "iamRoleArn": "arn:aws:iam::111122223333:role/export",
        "kmsKeyId": KEY_ARN,
    },
    RDS_INTEGRATION: {"sourceArn": "arn:aws:rds:eu-west-1:1:cluster:orders", "kmsKeyId": KEY_ARN},
    REDSHIFT_INTEGRATION: {"sourceArn": "arn:aws:dynamodb:eu-west-1:1:table/orders", "kmsKeyId": KEY_ARN},
    COPY_GRANT: {"snapshotCopyGrantName": "acme", "kmsKeyId": KEY_ARN},
    TABLE_EXPORT: {
        "tableArn": "arn:aws:dynamodb:eu-west-1:1:table/orders",
        "s3Bucket": "acme-exports",
        "s3SseAlgorithm": "KMS",
        "s3SseKmsKeyId": KEY_ARN,
    },
    TABLE_REPLICA: {
        "globalTableArn": "arn:aws:dynamodb:eu-west-1:1:table/orders",
        "kmsKeyArn": KEY_ARN,
        "pointInTimeRecovery": True,
    },
    COLLECTION: {
        "name": "logs",
        "type": "SEARCH",
        "encryptionConfigs": [{"awsOwnedKey": False, "kmsKeyArn": KEY_ARN}],
    },
    MEMORYDB_SNAPSHOT: {"clusterName": "sessions", "kmsKeyArn": KEY_ARN},
    SEARCH_APPLICATION: {"name": "search-ui", "kmsKeyArn": KEY_ARN},
    EFS_REPLICATION: {
        "sourceFileSystemId": "fs-1",
        "destination": {"region": "eu-central-1", "kmsKeyId": KEY_ARN},
    },
}
# Samples of types that copy, share or log data without holding it (not in AT_REST_SAMPLES).
MORE_SAMPLES: dict[str, dict[str, Any]] = {
    MULTI_REGION_CLUSTER: {"multiRegionClusterNameSuffix": "sessions", "nodeType": "db.r7g.xlarge"},
    SNAPSHOT_COPY: {
        "clusterIdentifier": "warehouse",
        "destinationRegion": "eu-central-1",
        "retentionPeriod": 14,
    },
    REDSHIFT_SNAPSHOT: {
        "clusterIdentifier": "warehouse",
        "snapshotIdentifier": "before-migration",
        "manualSnapshotRetentionPeriod": 30,
    },
    COLLECTION_GROUP: {"name": "logs", "standbyReplicas": "ENABLED"},
    DATASHARE: {
        "dataShareArn": "arn:aws:redshift:eu-west-1:111122223333:datashare:ns/sales",
        "consumerIdentifier": OTHER_ACCOUNT,
    },
    DATASHARE_CONSUMER: {
        "dataShareArn": f"arn:aws:redshift:eu-west-1:{OTHER_ACCOUNT}:datashare:ns/sales",
        "associateEntireAccount": True,
        "allowWrites": True,
    },
    NAMESPACE_REGISTRATION: {
        "consumerIdentifier": f"DataCatalog/{OTHER_ACCOUNT}",
        "namespaceType": "provisioned",
    },
    ENDPOINT_AUTHORIZATION: {"clusterIdentifier": "warehouse", "account": OTHER_ACCOUNT},
    SEARCH_ENDPOINT_ACCESS: {"domainName": "search", "account": OTHER_ACCOUNT},
    SEARCH_CONNECTION: {
        "connectionAlias": "peer",
        "localDomainInfo": {"domainName": "search", "ownerId": "111122223333", "region": "eu-west-1"},
        "remoteDomainInfo": {"domainName": "peer", "ownerId": OTHER_ACCOUNT, "region": "eu-west-1"},
    },
    REDSHIFT_LOGGING: {
        "clusterIdentifier": "warehouse",
        "logDestinationType": "s3",
        "bucketName": "acme-audit",
    },
}
# The samples of types that hold data at rest (the others only share, route or configure it).
AT_REST_SAMPLES = [
    kind
    for kind in SAMPLES
    if kind
    not in (REDSHIFT_PARAMETERS, DOCDB_PARAMETERS, PROXY, SNAPSHOT, CLUSTER_SNAPSHOT, LAUNCH_PERMISSION)
    and kind not in (VOLUME_PERMISSION, PARAMETER, LAMBDA_PERMISSION, QUEUE_POLICY, OWNERSHIP, EBS_DEFAULT)
    and kind
    not in (NEPTUNE_PARAMETERS, EFS_BACKUP, FUNCTION_URL, LAYER_PERMISSION, ACCOUNT_BLOCK, LOG_POLICY)
    and kind not in (FILE_SYSTEM_POLICY, VECTOR_BUCKET_POLICY, ACCESS_POINT, SNAPSHOT_BLOCK)
    and kind not in (EVENT_INVOKE, ANALYTICS, ECR_REPLICATION)
]
SHARING = {"snapshot-not-shared": {"allowedAccounts": [OTHER_ACCOUNT]}}
DATA_SHARING = {"data-shared-with-listed-accounts": {"trustedAccounts": [OTHER_ACCOUNT]}}


def aurora(*zones: Any, engine: Any = "aurora-postgresql") -> Callable[[dict[str, ResourceInput]], None]:
    """A stack edit adding an Aurora cluster with one instance per zone given (None: zone left to AWS)."""

    def apply(stack: dict[str, ResourceInput]) -> None:
        cluster = ResourceInput(
            AURORA, "aurora", {"engine": engine, "clusterIdentifier": "orders"}, provider=PROVIDER
        )
        stack["aurora"] = cluster
        for index, zone in enumerate(zones):
            props: dict[str, Any] = {"clusterIdentifier": UNKNOWN, "instanceClass": "db.r7g.large"}
            if zone is not None:
                props["availabilityZone"] = zone
            stack[f"aurora-{index}"] = ResourceInput(
                AURORA_INSTANCE,
                f"aurora-{index}",
                props,
                provider=PROVIDER,
                property_dependencies={"clusterIdentifier": (cluster.resolved_urn(),)},
            )

    return apply


def pinned_provider(*accounts: str) -> ResourceInput:
    """The sample provider, pinned to `accounts` (allowedAccountIds), as the engine sends its config."""
    return dataclasses.replace(PROVIDER, props={**PROVIDER.props, "allowedAccountIds": json.dumps(accounts)})


def sample(resource_type: str, provider: ResourceInput = PROVIDER, **changes: Any) -> ResourceInput:
    """The compliant sample of a type, with `changes` (path with `__` for `.`) applied."""
    props = copy.deepcopy({**SAMPLES, **MORE_SAMPLES}[resource_type])
    for path, value in changes.items():
        set_path(props, path.replace("__", "."), value)
    return ResourceInput(resource_type, "subject", props, provider=provider)


def pinned(resource_type: str, **changes: Any) -> ResourceInput:
    """The sample of a type under a provider pinned to the client's account."""
    return sample(resource_type, pinned_provider(OWN), **changes)


def volume(**props: Any) -> Callable[[dict[str, ResourceInput]], None]:
    """A stack edit adding an EBS volume with `props` (encrypted with the client's key by default; a
    property given as DELETE is left out)."""
    defaults = {"availabilityZone": "eu-west-1a", "size": 20, "encrypted": True, "kmsKeyId": KEY_ARN}
    merged = {key: value for key, value in {**defaults, **props}.items() if value is not DELETE}
    return add("volume", EBS_VOLUME, merged)


def copied(
    kind: str, key: str, source: Any, **dependencies: tuple[str, ...]
) -> Callable[[dict[str, ResourceInput]], None]:
    """A stack edit adding a snapshot or volume copy of `source`."""

    def apply(stack: dict[str, ResourceInput]) -> None:
        stack["copy"] = ResourceInput(
            kind,
            "copy",
            {key: source},
            provider=PROVIDER,
            property_dependencies={
                name: tuple(stack[role].resolved_urn() for role in roles)
                for name, roles in dependencies.items()
            },
        )

    return apply


# --- stores whose resource policy must refuse plain HTTP ---------------------------------------------------

QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs"
TOPIC_ARN = "arn:aws:sns:eu-west-1:111122223333:notices"
EFS_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"


def deny_plain_http(action: Any, **changes: Any) -> dict[str, Any]:
    return {
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        **changes,
    }


def tls_store(
    kind: str,
    name: str,
    store_props: dict[str, Any],
    policy_type: str | None = None,
    policy_props: dict[str, Any] | None = None,
    *,
    key: str = "",
    by_dependency: bool = False,
) -> Callable[[dict[str, ResourceInput]], None]:
    """A stack edit adding a store and, if given, a policy resource whose `key` names it: by value, or
    (`by_dependency`) unknown in preview with the engine's property dependency on the store."""

    def apply(stack: dict[str, ResourceInput]) -> None:
        store = ResourceInput(kind, name, store_props, provider=PROVIDER)
        stack[name] = store
        if policy_type is None:
            return
        props = dict(policy_props or {})
        dependencies: dict[str, tuple[str, ...]] = {}
        if by_dependency:
            props[key] = UNKNOWN
            dependencies[key] = (store.resolved_urn(),)
        stack[f"{name}-policy"] = ResourceInput(
            policy_type, f"{name}-policy", props, provider=PROVIDER, property_dependencies=dependencies
        )

    return apply


def queue_with_policy(
    *statements: dict[str, Any], **changes: Any
) -> Callable[[dict[str, ResourceInput]], None]:
    return tls_store(
        QUEUE,
        "jobs",
        {"url": QUEUE_URL, "id": QUEUE_URL, "kmsMasterKeyId": KEY_ARN},
        QUEUE_POLICY,
        {"queueUrl": QUEUE_URL, "policy": document(*statements), **changes},
    )


TLS_ACCOUNT_QUEUE = {
    "kmsMasterKeyId": KEY_ARN,
    "policy": document(ACCOUNT_STATEMENT, deny_plain_http("sqs:*")),
}


CASES: dict[str, list[Case]] = {
    "datastore-encrypted-cmk": [
        *(compliant(sample(kind), label=kind.split(":")[1]) for kind in AT_REST_SAMPLES),
        violating(sample(REDSHIFT, encrypted=False), "encrypted is false: set it to true"),
        violating(sample(DOCDB, kmsKeyId=DELETE), "kmsKeyId is not set"),
        violating(sample(NEPTUNE, kmsKeyArn="alias/aws/rds"), "an AWS-managed key"),
        violating(sample(DYNAMODB, serverSideEncryption=DELETE), "serverSideEncryption.enabled is not set"),
        violating(sample(CACHE, atRestEncryptionEnabled=DELETE), "atRestEncryptionEnabled is not set"),
        violating(sample(EFS, kmsKeyId=DELETE), "kmsKeyId is not set"),
        violating(sample(SEARCH, encryptAtRest__kmsKeyId=DELETE), "encryptAtRest.kmsKeyId is not set"),
        violating(sample(QUEUE, kmsMasterKeyId=DELETE), "kmsMasterKeyId is not set"),
        violating(sample(TOPIC, kmsMasterKeyId="alias/aws/sns"), "an AWS-managed key"),
        violating(sample(STREAM, encryptionType="NONE"), 'encryptionType is "NONE"'),
        violating(sample(FIREHOSE, serverSideEncryption__keyType="AWS_OWNED_CMK"), "keyType"),
        violating(sample(SECRET, kmsKeyId=DELETE), "kmsKeyId is not set"),
        violating(sample(REPOSITORY, encryptionConfigurations=DELETE), "encryptionType is not set"),
        violating(sample(GLOBAL_CLUSTER, storageEncrypted=False), "storageEncrypted is false"),
        violating(sample(CACHE_CLUSTER, replicationGroupId=DELETE), "a standalone ElastiCache cluster"),
        compliant(sample(EBS_DEFAULT, enabled=DELETE), label="ebs-default-unset"),
        violating(sample(EBS_DEFAULT, enabled=False), "new EBS volumes would be stored unencrypted"),
        violating(sample(EBS_DEFAULT_KEY, keyArn="alias/aws/ebs"), "an AWS-managed key"),
        # A copy is encrypted with the key it names, whatever its source's encryption.
        violating(sample(RDS_SNAPSHOT_COPY, kmsKeyId=DELETE), "kmsKeyId is not set", label="snapshot-copy"),
        violating(
            sample(RDS_CLUSTER_SNAPSHOT_COPY, kmsKeyId="alias/aws/rds"),
            "an AWS-managed key",
            label="cluster-snapshot-copy",
        ),
        violating(sample(FILE_SYSTEM, kmsKeyId=DELETE), "kmsKeyId is not set", label="s3-files"),
        violating(
            sample(VECTOR_BUCKET, encryptionConfigurations=DELETE),
            "encryptionConfigurations[0].sseType is not set",
            label="vector-bucket",
        ),
        violating(
            sample(VECTOR_INDEX, encryptionConfigurations=[{"sseType": "AES256"}]),
            'encryptionConfigurations[0].sseType is "AES256"',
            label="vector-index-own-settings",
        ),
        violating(
            sample(
                METADATA, metadataConfiguration__journalTableConfiguration__encryptionConfiguration=DELETE
            ),
            "journalTableConfiguration.encryptionConfiguration.sseAlgorithm is not set",
            label="metadata-journal",
        ),
        violating(
            sample(
                METADATA, metadataConfiguration__inventoryTableConfiguration__configurationState="ENABLED"
            ),
            "inventoryTableConfiguration.encryptionConfiguration.kmsKeyArn is not set",
            label="metadata-inventory",
        ),
        compliant(
            sample(
                METADATA,
                metadataConfiguration__inventoryTableConfiguration={
                    "configurationState": "ENABLED",
                    "encryptionConfiguration": KMS_TABLE,
                },
            ),
            label="metadata-inventory-encrypted",
        ),
        unknown(
            sample(METADATA, metadataConfiguration__inventoryTableConfiguration__configurationState=UNKNOWN),
            "metadataConfiguration.inventoryTableConfiguration.configurationState",
            label="metadata-inventory",
        ),
        violating(sample(CAPACITY_PROVIDER, kmsKeyArn=DELETE), "kmsKeyArn is not set", label="capacity"),
        violating(
            sample(DATA_SYNC, s3Destination__kmsKeyArn=DELETE),
            "s3Destination.kmsKeyArn is not set",
            label="sync",
        ),
        violating(
            sample(ECR_TEMPLATE, encryptionConfigurations__0__encryptionType="AES256"),
            'encryptionType is "AES256"',
            label="ecr-template",
        ),
        unknown(sample(REDSHIFT, encrypted=UNKNOWN), "encrypted"),
        malformed(sample(DYNAMODB, serverSideEncryption="on"), "serverSideEncryption.enabled is not set"),
        violating(sample(ACTIVITY_STREAM, kmsKeyId="alias/aws/rds"), "an AWS-managed key"),
        violating(sample(EXPORT_TASK, kmsKeyId=DELETE), "kmsKeyId is not set"),
        violating(sample(REDSHIFT_INTEGRATION, kmsKeyId=DELETE), "kmsKeyId is not set"),
        violating(sample(COPY_GRANT, kmsKeyId=DELETE), "kmsKeyId is not set"),
        violating(sample(TABLE_EXPORT, s3SseAlgorithm="AES256"), 's3SseAlgorithm is "AES256"'),
        violating(sample(TABLE_EXPORT, s3SseKmsKeyId=DELETE), "s3SseKmsKeyId is not set"),
        violating(sample(TABLE_REPLICA, kmsKeyArn="alias/aws/dynamodb"), "an AWS-managed key"),
        violating(sample(MEMORYDB_SNAPSHOT, kmsKeyArn=DELETE), "kmsKeyArn is not set"),
        violating(sample(SEARCH_APPLICATION, kmsKeyArn=DELETE), "kmsKeyArn is not set"),
        violating(sample(COLLECTION, encryptionConfigs=DELETE), "encryptionConfigs[0].kmsKeyArn is not set"),
        violating(sample(COLLECTION, encryptionConfigs__0__awsOwnedKey=True), "awsOwnedKey is true"),
        violating(sample(EFS_REPLICATION, destination__kmsKeyId=DELETE), "aws/elasticfilesystem key"),
        compliant(
            sample(EFS_REPLICATION, destination={"fileSystemId": "fs-2"}), label="efs-replication-existing"
        ),
        unknown(sample(TABLE_EXPORT, s3SseAlgorithm=UNKNOWN), "s3SseAlgorithm"),
        malformed(sample(EFS_REPLICATION, destination__kmsKeyId=["k"]), "destination.kmsKeyId is"),
    ],
    "datastore-tls": [
        *(compliant(sample(kind), label=kind.split(":")[1]) for kind in (CACHE, SEARCH, PROXY, REDSHIFT)),
        compliant(sample(REDSHIFT_PARAMETERS), label="redshift-parameters"),
        compliant(sample(DOCDB_PARAMETERS, parameters=[]), label="docdb-default-tls"),
        violating(sample(CACHE, transitEncryptionEnabled=DELETE), "transitEncryptionEnabled is not set"),
        violating(sample(CACHE, transitEncryptionMode="preferred"), "'preferred' still accepts plain-text"),
        violating(
            sample(SEARCH, domainEndpointOptions__tlsSecurityPolicy=DELETE), "the default accepts TLS 1.0"
        ),
        violating(sample(SEARCH, nodeToNodeEncryption=DELETE), "nodeToNodeEncryption.enabled is not set"),
        violating(sample(PROXY, requireTls=False), "set requireTls: true"),
        violating(sample(REDSHIFT, clusterParameterGroupName="default.redshift-1.0"), "does not require SSL"),
        violating(sample(REDSHIFT_PARAMETERS, parameters=[]), "require_ssl is not true"),
        compliant(sample(NEPTUNE_PARAMETERS), label="neptune-parameters"),
        violating(sample(NEPTUNE_PARAMETERS, parameters__0__value="0"), 'neptune_enforce_ssl is "0"'),
        violating(sample(DOCDB_PARAMETERS, parameters__0__value="disabled"), 'parameter tls is "disabled"'),
        compliant(sample(MULTI_REGION_CLUSTER), label="memorydb-multi-region"),
        violating(sample(MULTI_REGION_CLUSTER, tlsEnabled=False), "tlsEnabled is false"),
        unknown(sample(PROXY, requireTls=UNKNOWN), "requireTls"),
        unknown(sample(REDSHIFT_PARAMETERS, parameters__0__value=UNKNOWN), "parameters"),
        # Was a Violation claiming 'parameters is unknown, expected a list'.
        unknown(sample(REDSHIFT_PARAMETERS, parameters=UNKNOWN), "parameters", label="list"),
        unknown(
            sample(
                REDSHIFT_PARAMETERS,
                parameters=[{"name": "max_cursor_result_set_size", "value": "0"}, UNKNOWN],
            ),
            "parameters",
            label="one-entry",
        ),
        violating(
            sample(DOCDB_PARAMETERS, parameters=[UNKNOWN, {"name": "tls", "value": "disabled"}]),
            'parameter tls is "disabled"',
            label="beside-unknown",
        ),
        malformed(
            sample(REDSHIFT_PARAMETERS, parameters="require_ssl=true"),
            "expected a list of name/value parameters",
        ),
    ],
    "datastore-backups": [
        *(
            compliant(sample(kind), label=kind.split(":")[1])
            for kind in (REDSHIFT, DOCDB, NEPTUNE, DYNAMODB, CACHE)
        ),
        violating(sample(REDSHIFT, automatedSnapshotRetentionPeriod=DELETE), "1 (AWS's value when unset)"),
        violating(sample(DOCDB, backupRetentionPeriod=1), "backupRetentionPeriod is 1, expected between 7"),
        violating(sample(DYNAMODB, pointInTimeRecovery=DELETE), "turn on point-in-time recovery"),
        violating(sample(CACHE, snapshotRetentionLimit=DELETE), "snapshotRetentionLimit is 0"),
        compliant(sample(EFS_BACKUP), label="efs-backup-policy"),
        violating(sample(EFS_BACKUP, backupPolicy__status="DISABLED"), "turn on AWS Backup"),
        compliant(sample(NEPTUNE, backupRetentionPeriod=3), config={"datastore-backups": {"minDays": 3}}),
        compliant(sample(SNAPSHOT_COPY), label="redshift-snapshot-copy"),
        compliant(sample(SNAPSHOT_COPY, retentionPeriod=DELETE), label="redshift-snapshot-copy-default"),
        violating(sample(SNAPSHOT_COPY, retentionPeriod=1), "retentionPeriod is 1, expected between"),
        compliant(sample(REDSHIFT_SNAPSHOT), label="redshift-manual-snapshot"),
        violating(sample(REDSHIFT_SNAPSHOT, manualSnapshotRetentionPeriod=DELETE), "(kept until deleted)"),
        violating(sample(REDSHIFT_SNAPSHOT, manualSnapshotRetentionPeriod=3650), "is 3650, expected between"),
        compliant(sample(TABLE_REPLICA), label="dynamodb-replica"),
        violating(sample(TABLE_REPLICA, pointInTimeRecovery=DELETE), "recovery for the replica"),
        unknown(sample(TABLE_REPLICA, pointInTimeRecovery=UNKNOWN), "pointInTimeRecovery"),
        unknown(sample(NEPTUNE, backupRetentionPeriod=UNKNOWN), "backupRetentionPeriod"),
        malformed(sample(DOCDB, backupRetentionPeriod="a week"), "expected a whole number of days"),
    ],
    "datastore-redundant": [
        compliant(sample(CACHE)),
        compliant(sample(SEARCH)),
        compliant(sample(CACHE, numCacheClusters=DELETE, replicasPerNodeGroup=1), label="cluster-mode"),
        violating(sample(CACHE, automaticFailoverEnabled=False), "automaticFailoverEnabled is false"),
        violating(sample(CACHE, numCacheClusters=1), "run at least one replica"),
        violating(sample(SEARCH, clusterConfig__zoneAwarenessEnabled=DELETE), "spread nodes over two zones"),
        violating(sample(SEARCH, clusterConfig__instanceCount=1), "run at least two instances"),
        violating(
            ResourceInput(
                DIRECTORY_BUCKET,
                "subject",
                {"bucket": "fast--euw1-az1--x-s3", "location": {"name": "euw1-az1"}},
                provider=PROVIDER,
            ),
            "stores every object in a single zone",
            label="directory-bucket",
        ),
        compliant(sample(COLLECTION), label="serverless-collection"),
        compliant(sample(COLLECTION_GROUP), label="serverless-collection-group"),
        violating(sample(COLLECTION, standbyReplicas="DISABLED"), "keeps the collection in a single zone"),
        violating(sample(COLLECTION_GROUP, standbyReplicas=DELETE), "standbyReplicas is not set"),
        unknown(sample(COLLECTION, standbyReplicas=UNKNOWN), "standbyReplicas"),
        unknown(sample(CACHE, multiAzEnabled=UNKNOWN), "multiAzEnabled"),
        malformed(sample(SEARCH, clusterConfig__instanceCount="two"), "run at least two instances"),
    ],
    "datastore-not-public": [
        compliant(sample(REDSHIFT)),
        compliant(sample(SEARCH)),
        compliant(sample(QUEUE)),
        compliant(sample(QUEUE_POLICY)),
        compliant(sample(LAMBDA_PERMISSION)),
        compliant(sample(LOG_POLICY), label="log-resource-policy"),
        violating(
            sample(LOG_POLICY, policyDocument=document({**PUBLIC_STATEMENT, "Action": "logs:PutLogEvents"})),
            "policyDocument Statement[0] allows every principal",
        ),
        compliant(sample(QUEUE, policy=document({**PUBLIC_STATEMENT, "Effect": "Deny"})), label="deny"),
        violating(sample(REDSHIFT, publiclyAccessible=True), "publiclyAccessible is true"),
        *(
            compliant(sample(kind), label=kind.split(":")[1])
            for kind in (FILE_SYSTEM_POLICY, VECTOR_BUCKET_POLICY, ECR_TEMPLATE, ACCESS_POINT, SNAPSHOT_BLOCK)
        ),
        violating(
            sample(ECR_TEMPLATE, repositoryPolicy=document(PUBLIC_STATEMENT)),
            "repositoryPolicy Statement[0] allows every principal",
        ),
        violating(
            sample(VECTOR_BUCKET_POLICY, policy=document(PUBLIC_STATEMENT)),
            "policy Statement[0] allows every principal",
            label="vectors",
        ),
        violating(
            sample(ACCESS_POINT, publicAccessBlockConfiguration={"blockPublicPolicy": False}),
            "publicAccessBlockConfiguration.blockPublicPolicy is false",
        ),
        violating(
            sample(ACCESS_POINT, policy=document(PUBLIC_STATEMENT)),
            "Statement[0] allows every principal",
            label="access-point-policy",
        ),
        violating(sample(SNAPSHOT_BLOCK, state="unblocked"), 'state is "unblocked"'),
        violating(
            sample(SNAPSHOT_BLOCK, state="block-new-sharing"), "set block-all-sharing", label="new-only"
        ),
        unknown(
            sample(ACCESS_POINT, publicAccessBlockConfiguration=UNKNOWN),
            "publicAccessBlockConfiguration.restrictPublicBuckets",
        ),
        malformed(
            sample(ACCESS_POINT, publicAccessBlockConfiguration={"ignorePublicAcls": "no"}),
            'publicAccessBlockConfiguration.ignorePublicAcls is "no"',
            label="access-point",
        ),
        violating(sample(SEARCH, vpcOptions=DELETE), "the domain gets a public endpoint"),
        violating(sample(QUEUE, policy=document(PUBLIC_STATEMENT)), 'allows every principal ("*")'),
        violating(
            sample(QUEUE_POLICY, policy=document({**PUBLIC_STATEMENT, "Principal": {"AWS": ["*"]}})),
            "Statement[0] allows every principal",
        ),
        violating(
            sample(
                QUEUE,
                policy=document(
                    {**ACCOUNT_STATEMENT, "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "1"}}}
                ),
            ),
            "without a condition on the account",
            label="negated-condition",
        ),
        violating(
            sample(LAMBDA_PERMISSION, principal="*", sourceArn=DELETE), "anyone may invoke the function"
        ),
        unknown(sample(QUEUE_POLICY, policy=UNKNOWN), "policy"),
        malformed(sample(QUEUE, policy="{not json"), "policy is not a policy document: not valid JSON"),
        malformed(
            sample(QUEUE, policy=json.dumps({"Statement": [{"Effect": "Maybe"}]})), "expected Allow or Deny"
        ),
    ],
    "datastore-policy-requires-tls": [
        compliant(tls_store(QUEUE, "jobs", TLS_ACCOUNT_QUEUE), label="queue-inline"),
        compliant(queue_with_policy(ACCOUNT_STATEMENT, deny_plain_http("*")), label="queue-policy"),
        compliant(
            tls_store(
                TOPIC,
                "notices",
                {"arn": TOPIC_ARN, "kmsMasterKeyId": KEY_ARN},
                TOPIC_POLICY,
                {"policy": document(deny_plain_http("sns:Publish", Resource=TOPIC_ARN))},
                key="arn",
                by_dependency=True,
            ),
            label="topic-policy-joined-in-preview",
        ),
        compliant(
            tls_store(
                TOPIC,
                "notices",
                {"arn": TOPIC_ARN, "kmsMasterKeyId": KEY_ARN, "policy": UNKNOWN},
                TOPIC_POLICY,
                {"policy": document(deny_plain_http("sns:Publish"))},
                key="arn",
                by_dependency=True,
            ),
            label="topic-policy-output-unknown-beside-its-topic-policy",
        ),
        compliant(
            tls_store(
                EFS,
                "shared-files",
                {"id": "fs-1", **SAMPLES[EFS]},
                EFS_POLICY,
                {"fileSystemId": "fs-1", "policy": document(deny_plain_http("*", Principal={"AWS": "*"}))},
            ),
            label="file-system-policy",
        ),
        violating(tls_store(QUEUE, "jobs", SAMPLES[QUEUE]), "does not deny every principal", at="jobs"),
        violating(
            tls_store(TOPIC, "notices", {"arn": TOPIC_ARN, **SAMPLES[TOPIC]}),
            "topic notices has no resource policy, so it accepts requests sent without TLS",
            at="notices",
        ),
        violating(
            tls_store(
                EFS,
                "shared-files",
                {"id": "fs-1", **SAMPLES[EFS]},
                EFS_POLICY,
                {"fileSystemId": "fs-other", "policy": document(deny_plain_http("*"))},
            ),
            "file system shared-files has no resource policy",
            at="shared-files",
            label="policy-of-another-file-system",
        ),
        violating(
            queue_with_policy(deny_plain_http("sqs:SendMessage")),
            "does not deny every principal sqs:SendMessage, sqs:ReceiveMessage",
            at="jobs",
            label="only-sending",
        ),
        violating(
            queue_with_policy(
                deny_plain_http(
                    "sqs:*",
                    Condition={
                        "Bool": {"aws:SecureTransport": "false"},
                        "StringEquals": {"aws:SourceVpce": "vpce-1"},
                    },
                )
            ),
            "(without other conditions)",
            at="jobs",
            label="narrowed-by-another-condition",
        ),
        violating(
            queue_with_policy(deny_plain_http("sqs:*", Principal={"AWS": "arn:aws:iam::111122223333:root"})),
            "does not deny every principal",
            at="jobs",
            label="one-principal",
        ),
        violating(
            queue_with_policy(
                deny_plain_http("sqs:*"),
                {**ACCOUNT_STATEMENT, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            ),
            "jobs-policy: policy Statement[1] allows requests sent without TLS",
            at="jobs-policy",
            label="allows-without-tls",
        ),
        unknown(queue_with_policy(deny_plain_http("sqs:*"), policy=UNKNOWN), "jobs.jobs-policy.policy"),
        unknown(
            tls_store(QUEUE, "jobs", {**SAMPLES[QUEUE], "policy": UNKNOWN}),
            "jobs.policy",
            label="own-policy",
        ),
        unknown(
            both(
                tls_store(QUEUE, "jobs", {"url": QUEUE_URL, **TLS_ACCOUNT_QUEUE}),
                lambda stack: stack.update(
                    stranger=ResourceInput(
                        QUEUE_POLICY,
                        "stranger",
                        {"queueUrl": UNKNOWN, "policy": document(ACCOUNT_STATEMENT)},
                        provider=PROVIDER,
                    )
                ),
            ),
            "jobs.stranger.queueUrl",
            label="policy-that-may-be-the-queues",
        ),
        malformed(
            tls_store(QUEUE, "jobs", {**SAMPLES[QUEUE], "policy": "{not json"}),
            "jobs.policy is not a policy document",
            at="jobs",
        ),
    ],
    "snapshot-not-shared": [
        compliant(sample(SNAPSHOT)),
        compliant(sample(CLUSTER_SNAPSHOT), config=SHARING),
        compliant(sample(LAUNCH_PERMISSION), config=SHARING),
        compliant(sample(VOLUME_PERMISSION), config=SHARING),
        violating(sample(SNAPSHOT, sharedAccounts=["all"]), 'sharedAccounts contains "all"'),
        violating(sample(CLUSTER_SNAPSHOT), f"shares the snapshot with {OTHER_ACCOUNT}, outside"),
        violating(sample(LAUNCH_PERMISSION, accountId=DELETE, group="all"), "the AMI is public"),
        violating(
            sample(
                LAUNCH_PERMISSION,
                accountId=DELETE,
                organizationArn="arn:aws:organizations::1:organization/o-1",
            ),
            "with a whole organisation",
        ),
        violating(sample(VOLUME_PERMISSION), "outside the accounts the pack config allows (none)"),
        unknown(sample(SNAPSHOT, sharedAccounts=UNKNOWN), "sharedAccounts"),
        violating(
            sample(SNAPSHOT, sharedAccounts=[UNKNOWN, "all"]),
            'sharedAccounts contains "all"',
            label="beside-unknown",
        ),
        unknown(
            sample(CLUSTER_SNAPSHOT, sharedAccounts=[OTHER_ACCOUNT, UNKNOWN]),
            "sharedAccounts[1]",
            config=SHARING,
            label="one-account",
        ),
        malformed(sample(SNAPSHOT, sharedAccounts="all"), "expected a list of account ids"),
    ],
    "data-shared-with-listed-accounts": [
        *(
            compliant(sample(kind), config=DATA_SHARING, label=kind.split(":")[1])
            for kind in (
                DATASHARE,
                DATASHARE_CONSUMER,
                NAMESPACE_REGISTRATION,
                ENDPOINT_AUTHORIZATION,
                SEARCH_ENDPOINT_ACCESS,
                SEARCH_CONNECTION,
            )
        ),
        compliant(sample(DATASHARE_CONSUMER, allowWrites=False), label="read-only-consumer"),
        compliant(
            dataclasses.replace(sample(ENDPOINT_AUTHORIZATION), provider=pinned_provider(OTHER_ACCOUNT)),
            label="provider-pinned-account",
        ),
        violating(
            sample(DATASHARE), f"gives {OTHER_ACCOUNT} access, outside the stack's own and trusted accounts"
        ),
        violating(sample(DATASHARE, consumerIdentifier="ADX"), 'is "ADX", which names no AWS account'),
        violating(sample(DATASHARE_CONSUMER), "allowWrites sends writes to the producer's account"),
        violating(sample(NAMESPACE_REGISTRATION), "consumerIdentifier gives"),
        violating(sample(ENDPOINT_AUTHORIZATION), "account gives"),
        violating(sample(SEARCH_ENDPOINT_ACCESS, account="*"), "names no AWS account"),
        violating(sample(SEARCH_CONNECTION), "remoteDomainInfo.ownerId gives"),
        unknown(sample(SEARCH_CONNECTION, remoteDomainInfo__ownerId=UNKNOWN), "remoteDomainInfo.ownerId"),
        unknown(sample(DATASHARE_CONSUMER, allowWrites=UNKNOWN), "allowWrites"),
        malformed(sample(ENDPOINT_AUTHORIZATION, account=111122223333), "which names no AWS account"),
    ],
    "redshift-audit-logging": [
        compliant(sample(REDSHIFT_LOGGING)),
        compliant(sample(REDSHIFT_LOGGING, logDestinationType=DELETE), label="s3-by-default"),
        compliant(
            sample(
                REDSHIFT_LOGGING,
                logDestinationType="cloudwatch",
                bucketName=DELETE,
                logExports=["connectionlog", "userlog", "useractivitylog"],
            ),
            label="cloudwatch",
        ),
        violating(sample(REDSHIFT_LOGGING, bucketName=DELETE), "bucketName is not set"),
        violating(
            sample(REDSHIFT_LOGGING, logDestinationType="cloudwatch", logExports=["connectionlog"]),
            "logExports lacks userlog, useractivitylog",
        ),
        unknown(sample(REDSHIFT_LOGGING, logDestinationType=UNKNOWN), "logDestinationType"),
        unknown(
            sample(REDSHIFT_LOGGING, logDestinationType="cloudwatch", logExports=UNKNOWN),
            "logExports",
            label="exports",
        ),
        violating(
            sample(REDSHIFT_LOGGING, logDestinationType="cloudwatch", logExports=["connectionlog", UNKNOWN]),
            "logExports lacks userlog, useractivitylog (its 1 unknown item can hold at most 1 of them)",
            label="more-missing-than-unknown",
        ),
        unknown(
            sample(
                REDSHIFT_LOGGING,
                logDestinationType="cloudwatch",
                logExports=["connectionlog", "userlog", UNKNOWN],
            ),
            "logExports[2]",
            label="one-export",
        ),
        malformed(
            sample(REDSHIFT_LOGGING, logDestinationType="cloudwatch", logExports="userlog"),
            'logExports is "userlog", expected a list of log names',
            label="exports",
        ),
        malformed(sample(REDSHIFT_LOGGING, logDestinationType="syslog"), "expected s3 or cloudwatch"),
    ],
    "ssm-parameter-secure-string": [
        compliant(sample(PARAMETER)),
        compliant(sample(PARAMETER, name="/acme/app/log-level", type="String", value="info"), label="plain"),
        compliant(
            sample(PARAMETER, name="/acme/ssh/public-key", type="String", value="ssh-ed25519 AAAA"),
            label="public-key",
        ),
        compliant(
            sample(
                PARAMETER, name="/acme/database/secret-arn", type="String", value="arn:aws:secretsmanager:x"
            ),
            label="names-where-the-secret-is",
        ),
        violating(sample(PARAMETER, type="String"), 'type is "String" for a parameter whose name'),
        violating(
            sample(PARAMETER, name="/acme/app/config", type="String", value="AKIAABCDEFGHIJKLMNOP"),
            "use SecureString",
            label="secret-value",
        ),
        violating(sample(PARAMETER, keyId=DELETE), "unset uses aws/ssm"),
        violating(sample(PARAMETER, value=DELETE, insecureValue="hunter2"), "insecureValue holds a secret"),
        unknown(sample(PARAMETER, type=UNKNOWN), "type"),
        malformed(sample(PARAMETER, keyId=["k"]), "keyId is"),
    ],
    "db-parameter-group-tls-version": [
        compliant(sample(DB_PARAMETERS)),
        compliant(
            sample(
                DB_PARAMETERS,
                family="mysql8.0",
                parameters=[{"name": "tls_version", "value": "TLSv1.2,TLSv1.3"}],
            ),
            label="mysql",
        ),
        compliant(sample(DB_PARAMETERS, family="oracle-ee-19", parameters=[]), label="oracle-not-judged"),
        violating(
            sample(DB_PARAMETERS, parameters=[{"name": "rds.force_ssl", "value": "1"}]),
            "ssl_min_protocol_version is not set",
        ),
        violating(sample(DB_PARAMETERS, parameters__1__value="TLSv1"), 'ssl_min_protocol_version is "tlsv1"'),
        violating(
            sample(
                DB_PARAMETERS,
                family="aurora-mysql8.0",
                parameters=[{"name": "tls_version", "value": "TLSv1,TLSv1.1,TLSv1.2"}],
            ),
            "parameter tls_version is",
        ),
        unknown(sample(DB_PARAMETERS, family=UNKNOWN), "family"),
        unknown(sample(DB_PARAMETERS, parameters=UNKNOWN), "parameters", label="list"),
        violating(
            sample(DB_PARAMETERS, parameters__0=UNKNOWN, parameters__1__value="TLSv1"),
            'ssl_min_protocol_version is "tlsv1"',
            label="beside-unknown",
        ),
        unknown(sample(DB_PARAMETERS, parameters__0=UNKNOWN), "parameters", label="one-entry"),
        malformed(
            sample(DB_PARAMETERS, parameters={"ssl_min_protocol_version": "TLSv1.2"}), "expected a list"
        ),
    ],
    "cluster-instances-across-zones": [
        compliant(aurora(None, None)),
        compliant(aurora("eu-west-1a", "eu-west-1b"), label="two-zones"),
        compliant(aurora(None, engine="postgres"), label="multi-az-db-cluster"),
        violating(aurora(None), "aurora has 1 instance(s) in this stack", at="aurora"),
        violating(aurora(), "aurora has 0 instance(s)", at="aurora"),
        violating(aurora("eu-west-1a", "eu-west-1a"), "every instance is in eu-west-1a", at="aurora"),
        unknown(aurora("eu-west-1a", UNKNOWN), "aurora.availabilityZone"),
        malformed(aurora(None, engine=5), "aurora has 1 instance(s)", at="aurora"),
    ],
    "s3-acls-disabled": [
        compliant(sample(OWNERSHIP)),
        violating(sample(OWNERSHIP, rule__objectOwnership="ObjectWriter"), '"ObjectWriter"'),
        unknown(sample(OWNERSHIP, rule__objectOwnership=UNKNOWN), "rule.objectOwnership"),
        malformed(sample(OWNERSHIP, rule="BucketOwnerEnforced"), "rule.objectOwnership is not set"),
    ],
    "data-destinations-within-accounts": [
        *(
            compliant(pinned(kind), label=kind.split(":")[1])
            for kind in (EVENT_INVOKE, ANALYTICS, ECR_REPLICATION)
        ),
        compliant(
            sample(
                EVENT_INVOKE,
                destinationConfig__onFailure__destination=f"arn:aws:sns:eu-west-1:{OTHER_ACCOUNT}:t",
            ),
            config={"data-destinations-within-accounts": {"trustedAccounts": [OTHER_ACCOUNT]}},
            label="trusted-account",
        ),
        violating(
            pinned(
                EVENT_INVOKE,
                destinationConfig__onSuccess={"destination": f"arn:aws:sqs:eu-west-1:{OTHER_ACCOUNT}:q"},
            ),
            f"destinationConfig.onSuccess.destination sends data to account {OTHER_ACCOUNT}",
        ),
        violating(sample(EVENT_INVOKE), "outside the client's accounts (none pinned)", label="not-pinned"),
        violating(
            pinned(EVENT_INVOKE, destinationConfig__onFailure__destination="arn:aws:s3:::failures"),
            "which names no account",
            label="bucket",
        ),
        violating(
            pinned(
                ANALYTICS,
                outputs__0__kinesisStream__resourceArn=f"arn:aws:kinesis:eu-west-1:{OTHER_ACCOUNT}:stream/x",
            ),
            "outputs[0].kinesisStream.resourceArn sends data to account",
            label="analytics",
        ),
        violating(
            pinned(
                ECR_REPLICATION, replicationConfiguration__rules__0__destinations__0__registryId=OTHER_ACCOUNT
            ),
            "replicationConfiguration.rules[0].destinations[0].registryId sends data to account",
            label="ecr",
        ),
        unknown(
            pinned(EVENT_INVOKE, destinationConfig__onFailure__destination=UNKNOWN),
            "destinationConfig.onFailure.destination",
        ),
        malformed(
            pinned(ECR_REPLICATION, replicationConfiguration__rules__0__destinations__0__registryId="ours"),
            "which names no account",
        ),
    ],
    "ebs-copies-encrypted": [
        compliant(both(volume(id=UNKNOWN), copied(EBS_SNAPSHOT, "volumeId", UNKNOWN, volumeId=("volume",)))),
        compliant(
            both(volume(id="vol-1"), copied(VOLUME_COPY, "sourceVolumeId", "vol-1")), label="volume-copy"
        ),
        violating(
            both(volume(kmsKeyId=DELETE, id="vol-1"), copied(EBS_SNAPSHOT, "volumeId", "vol-1")),
            "the copy would not be encrypted with the client's key",
            at="copy",
        ),
        violating(
            both(volume(encrypted=False, id="vol-1"), copied(VOLUME_COPY, "sourceVolumeId", "vol-1")),
            "whose encrypted is false",
            at="copy",
            label="unencrypted-volume",
        ),
        violating(
            copied(EBS_SNAPSHOT, "volumeId", "vol-0123456789"),
            "is not a volume this stack declares",
            at="copy",
            label="outside-the-stack",
        ),
        unknown(both(volume(id=UNKNOWN), copied(EBS_SNAPSHOT, "volumeId", UNKNOWN)), "copy.volumeId"),
        malformed(
            both(volume(id="vol-1"), copied(EBS_SNAPSHOT, "volumeId", ["vol-1"])),
            "is not a volume this stack declares",
            at="copy",
        ),
    ],
}
