"""Compliant resources of every type the pack polices, and a compliant stack; tests derive violations from them
by changing one property at a time."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

from policies.toms_pack import standards
from tests.policies.conftest import APPROVED_AMI
from toms.offline.analyzer_client import UNKNOWN, ResourceInput

KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01"
TAGS = {
    standards.TAG_CLIENT: "acme",
    standards.TAG_MANAGED_BY: standards.MANAGED_BY,
    standards.TAG_TOMS_VERSION: "0.1.0",
}
# Provider inputs carry objects as JSON text, as the engine sends them.
PROVIDER = ResourceInput(
    "pulumi:providers:aws", "aws", {"region": "eu-west-1", "defaultTags": json.dumps({"tags": TAGS})}
)
# The client's account, and the stack's provider pinned to it as the toms stacks pin it.
OWN_ACCOUNT = "111122223333"
PINNED_PROVIDER = ResourceInput(
    "pulumi:providers:aws", "aws", {**PROVIDER.props, "allowedAccountIds": json.dumps([OWN_ACCOUNT])}
)
DELETE = object()
"""Marks a property to remove in `variant`."""

HTTPS_REDIRECT = {
    "type": "redirect",
    "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
}

CONTAINERS = [
    {
        "name": "app",
        "image": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/app:2.3.1",
        "essential": True,
        "readonlyRootFilesystem": True,
        "privileged": False,
        "user": "1000:1000",
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/toms/acme/app"}},
        "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/healthz || exit 1"]},
        "environment": [{"name": "LOG_LEVEL", "value": "info"}],
        "secrets": [{"name": "DATABASE_URL", "valueFrom": "arn:aws:secretsmanager:eu-west-1:1:secret:x"}],
    }
]

COMPLIANT: dict[str, dict[str, Any]] = {
    "aws:rds/instance:Instance": {
        "engine": "postgres",
        "instanceClass": "db.t4g.medium",
        "storageEncrypted": True,
        "kmsKeyId": KEY_ARN,
        "publiclyAccessible": False,
        "multiAz": True,
        "backupRetentionPeriod": 14,
        "deletionProtection": True,
        "skipFinalSnapshot": False,
        "finalSnapshotIdentifier": "acme-db-final",
        "iamDatabaseAuthenticationEnabled": True,
        "manageMasterUserPassword": True,
        "enabledCloudwatchLogsExports": ["postgresql", "upgrade"],
        "identifier": "acme-db",
        "parameterGroupName": "acme-db-pg",
    },
    "aws:rds/cluster:Cluster": {
        "engine": "aurora-postgresql",
        "storageEncrypted": True,
        "kmsKeyId": KEY_ARN,
        "availabilityZones": ["eu-west-1a", "eu-west-1b"],
        "backupRetentionPeriod": 14,
        "deletionProtection": True,
        "finalSnapshotIdentifier": "acme-cluster-final",
        "iamDatabaseAuthenticationEnabled": True,
        "manageMasterUserPassword": True,
        "enabledCloudwatchLogsExports": ["postgresql"],
        "dbClusterParameterGroupName": "acme-cluster-pg",
    },
    "aws:lb/loadBalancer:LoadBalancer": {
        "loadBalancerType": "application",
        "dropInvalidHeaderFields": True,
        "desyncMitigationMode": standards.LB_DESYNC_MITIGATION_MODE,
        "enableDeletionProtection": True,
        "accessLogs": {"enabled": True, "bucket": "acme-lb-logs"},
    },
    "aws:alb/loadBalancer:LoadBalancer": {
        "dropInvalidHeaderFields": True,
        "desyncMitigationMode": standards.LB_DESYNC_MITIGATION_MODE,
        "enableDeletionProtection": True,
        "accessLogs": {"enabled": True, "bucket": "acme-lb-logs"},
    },
    "aws:lb/listener:Listener": {
        "protocol": "HTTPS",
        "port": 443,
        "sslPolicy": standards.DEFAULT_TLS_POLICY,
        "certificateArn": "arn:aws:acm:eu-west-1:111122223333:certificate/x",
        "routingHttpResponseStrictTransportSecurityHeaderValue": standards.HSTS_HEADER_VALUE,
        "defaultActions": [{"type": "forward", "targetGroupArn": "arn:tg"}],
    },
    "aws:alb/listener:Listener": {"protocol": "HTTP", "port": 80, "defaultActions": [HTTPS_REDIRECT]},
    # A failed target is out of rotation after at most 2 x 10 s + 5 s = 25 s.
    "aws:lb/targetGroup:TargetGroup": {
        "targetType": "ip",
        "protocol": "HTTP",
        "port": 8080,
        "healthCheck": {
            "enabled": True,
            "path": "/healthz",
            "interval": 10,
            "timeout": 5,
            "unhealthyThreshold": 2,
        },
    },
    # Health checks left enabled by AWS's default (not Lambda targets); 3 x 5 s + 2 s = 17 s.
    "aws:alb/targetGroup:TargetGroup": {
        "protocol": "HTTP",
        "port": 8080,
        "healthCheck": {"path": "/healthz", "interval": 5, "timeout": 2, "unhealthyThreshold": 3},
    },
    "aws:ecs/service:Service": {
        "desiredCount": 2,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "deploymentMinimumHealthyPercent": 100,
        "networkConfiguration": {"assignPublicIp": False, "subnets": ["subnet-1", "subnet-2"]},
        "loadBalancers": [{"targetGroupArn": "arn:tg", "containerName": "app", "containerPort": 8080}],
        "healthCheckGracePeriodSeconds": 60,
    },
    "aws:ecs/taskDefinition:TaskDefinition": {
        "family": "acme-app",
        "containerDefinitions": json.dumps(CONTAINERS),
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        "name": "/toms/acme/app",
        "retentionInDays": 90,
        "kmsKeyId": KEY_ARN,
    },
    "aws:kms/key:Key": {"enableKeyRotation": True, "deletionWindowInDays": 30},
    "aws:ec2/securityGroup:SecurityGroup": {
        "ingress": [
            {
                "protocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrBlocks": ["0.0.0.0/0"],
                "description": "HTTPS",
            },
            {
                "protocol": "tcp",
                "fromPort": 22,
                "toPort": 22,
                "cidrBlocks": ["10.0.0.0/8"],
                "description": "SSH in VPC",
            },
        ],
        "egress": [
            {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"], "description": "out"}
        ],
    },
    "aws:ec2/securityGroupRule:SecurityGroupRule": {
        "type": "ingress",
        "protocol": "tcp",
        "fromPort": 5432,
        "toPort": 5432,
        "sourceSecurityGroupId": "sg-1",
        "securityGroupId": "sg-2",
        "description": "app to database",
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
        "ipProtocol": "tcp",
        "fromPort": 80,
        "toPort": 80,
        "cidrIpv6": "::/0",
        "securityGroupId": "sg-2",
        "description": "HTTP redirect",
    },
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
        "ipProtocol": "-1",
        "cidrIpv4": "0.0.0.0/0",
        "securityGroupId": "sg-2",
        "description": "out",
    },
    "aws:ecs/cluster:Cluster": {
        "name": "toms-acme",
        "settings": [{"name": "containerInsights", "value": "enhanced"}],
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
        "actionsEnabled": True,
        "alarmActions": ["arn:aws:sns:eu-west-1:111122223333:toms-acme-alerts"],
    },
    "aws:cloudtrail/trail:Trail": {
        "s3BucketName": "acme-trail",
        "enableLogFileValidation": True,
        "kmsKeyId": KEY_ARN,
        "isMultiRegionTrail": True,
    },
    "aws:ec2/instance:Instance": {
        "ami": APPROVED_AMI,
        "instanceType": "t3.micro",
        "metadataOptions": {"httpTokens": "required"},
        "associatePublicIpAddress": False,
        "rootBlockDevice": {"encrypted": True},
        "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True}],
    },
    "aws:ebs/volume:Volume": {"availabilityZone": "eu-west-1a", "size": 10, "encrypted": True},
    # Template booleans are strings in the provider schema; the instance-store device has no EBS volume.
    "aws:ec2/launchTemplate:LaunchTemplate": {
        "imageId": APPROVED_AMI,
        "instanceType": "t3.micro",
        "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required"},
        "networkInterfaces": [
            {"deviceIndex": 0, "associatePublicIpAddress": "false", "subnetId": "subnet-1"}
        ],
        "blockDeviceMappings": [
            {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 20, "volumeType": "gp3"}},
            {"deviceName": "/dev/sdb", "virtualName": "ephemeral0"},
        ],
    },
}


def set_path(props: dict[str, Any], path: str, value: Any) -> None:
    """Set (or with DELETE remove) `a.b.0.c` in nested dicts and lists."""
    steps: list[Any] = [int(step) if step.isdigit() else step for step in path.split(".")]
    target: Any = props
    for step in steps[:-1]:
        target = target[step]
    if value is DELETE:
        del target[steps[-1]]
    else:
        target[steps[-1]] = value


def resource(resource_type: str, name: str = "subject", **changes: Any) -> ResourceInput:
    """The compliant sample of a type, with `changes` (path with `__` for `.`) applied."""
    props = copy.deepcopy(COMPLIANT[resource_type])
    for path, value in changes.items():
        set_path(props, path.replace("__", "."), value)
    return ResourceInput(resource_type, name, props, provider=PROVIDER)


def with_props(resource_type: str, props: dict[str, Any], name: str = "subject") -> ResourceInput:
    return ResourceInput(resource_type, name, props, provider=PROVIDER)


def containers(**changes: Any) -> str:
    """Container definitions JSON with `changes` applied to the first container."""
    definitions = copy.deepcopy(CONTAINERS)
    for path, value in changes.items():
        set_path(definitions[0], path.replace("__", "."), value)
    return json.dumps(definitions)


# --- a compliant stack (resource outputs, as AnalyzeStack receives them) ---------------------------------

ARCHIVE_BUCKET = "acme-log-archive"
ARCHIVE_STREAM_ARN = "arn:aws:firehose:eu-west-1:111122223333:deliverystream/toms-acme-log-export"


def archive_data_events(bucket: str = ARCHIVE_BUCKET) -> list[dict[str, Any]]:
    """Advanced event selectors that record every read and write of `bucket`'s objects."""
    return [
        {"name": "management", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]},
        {
            "name": "archive objects",
            "fieldSelectors": [
                {"field": "eventCategory", "equals": ["Data"]},
                {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                {"field": "resources.ARN", "startsWiths": [f"arn:aws:s3:::{bucket}/"]},
            ],
        },
    ]


def compliant_stack() -> dict[str, ResourceInput]:
    """A stack that satisfies every stack policy, keyed by a short role name."""
    archive_tags = {**TAGS, standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_LOG_ARCHIVE}
    entries: dict[str, tuple[str, dict[str, Any]]] = {
        "bucket": (
            "aws:s3/bucket:Bucket",
            {"bucket": ARCHIVE_BUCKET, "objectLockEnabled": True, "tagsAll": archive_tags},
        ),
        "versioning": (
            "aws:s3/bucketVersioning:BucketVersioning",
            {"bucket": ARCHIVE_BUCKET, "versioningConfiguration": {"status": "Enabled"}},
        ),
        "encryption": (
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            {
                "bucket": ARCHIVE_BUCKET,
                "rules": [
                    {
                        "applyServerSideEncryptionByDefault": {
                            "sseAlgorithm": "aws:kms",
                            "kmsMasterKeyId": KEY_ARN,
                        }
                    }
                ],
            },
        ),
        "public-access-block": (
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            {
                "bucket": ARCHIVE_BUCKET,
                **dict.fromkeys(
                    ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"),
                    True,
                ),
            },
        ),
        "object-lock": (
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            {"bucket": ARCHIVE_BUCKET, "rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": 90}}},
        ),
        "lifecycle": (
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            {
                "bucket": ARCHIVE_BUCKET,
                "rules": [
                    {
                        "id": "expire",
                        "status": "Enabled",
                        "filter": {},
                        "expiration": {"days": 90},
                        "noncurrentVersionExpiration": {"noncurrentDays": standards.NONCURRENT_VERSION_DAYS},
                        "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
                    }
                ],
            },
        ),
        "database": (
            "aws:rds/instance:Instance",
            {**COMPLIANT["aws:rds/instance:Instance"], "arn": "arn:db"},
        ),
        "parameter-group": (
            "aws:rds/parameterGroup:ParameterGroup",
            {
                "name": "acme-db-pg",
                "family": "postgres17",
                "parameters": [{"name": "rds.force_ssl", "value": "1"}],
            },
        ),
        "trail": (
            "aws:cloudtrail/trail:Trail",
            {**COMPLIANT["aws:cloudtrail/trail:Trail"], "advancedEventSelectors": archive_data_events()},
        ),
        "log-group": ("aws:cloudwatch/logGroup:LogGroup", {**COMPLIANT["aws:cloudwatch/logGroup:LogGroup"]}),
        # The groups the database's log exports write to: declared, so RDS does not create them itself.
        **{
            f"db-log-{export}": (
                "aws:cloudwatch/logGroup:LogGroup",
                {
                    **COMPLIANT["aws:cloudwatch/logGroup:LogGroup"],
                    "name": f"/aws/rds/instance/acme-db/{export}",
                },
            )
            for export in ("postgresql", "upgrade")
        },
        **{
            f"db-log-{export}-subscription": (
                "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",
                {
                    "logGroup": f"/aws/rds/instance/acme-db/{export}",
                    "destinationArn": ARCHIVE_STREAM_ARN,
                    "filterPattern": "",
                },
            )
            for export in ("postgresql", "upgrade")
        },
        "subscription": (
            "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",
            {
                "logGroup": "/toms/acme/app",
                "destinationArn": ARCHIVE_STREAM_ARN,
                "filterPattern": "",
            },
        ),
        # The archive delivery path every subscription filter sends to.
        "archive-stream": (
            "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
            {
                "arn": ARCHIVE_STREAM_ARN,
                "destination": "extended_s3",
                "extendedS3Configuration": {
                    "bucketArn": f"arn:aws:s3:::{ARCHIVE_BUCKET}",
                    "roleArn": "arn:r",
                },
                "serverSideEncryption": {
                    "enabled": True,
                    "keyType": "CUSTOMER_MANAGED_CMK",
                    "keyArn": KEY_ARN,
                },
            },
        ),
        "service": ("aws:ecs/service:Service", {**COMPLIANT["aws:ecs/service:Service"]}),
        # The service's subnets, in two zones.
        **{
            name: ("aws:ec2/subnet:Subnet", {"id": name, "vpcId": "vpc-1", "availabilityZone": zone})
            for name, zone in (("subnet-1", "eu-west-1a"), ("subnet-2", "eu-west-1b"))
        },
        "target-group": (
            "aws:lb/targetGroup:TargetGroup",
            {"arn": "arn:tg", "protocol": "HTTP", "healthCheck": {"enabled": True, "path": "/healthz"}},
        ),
        "http-listener": (
            "aws:lb/listener:Listener",
            {"arn": "arn:listener-http", "protocol": "HTTP", "defaultActions": [HTTPS_REDIRECT]},
        ),
        "http-rule": (
            "aws:lb/listenerRule:ListenerRule",
            {"listenerArn": "arn:listener-http", "actions": [HTTPS_REDIRECT]},
        ),
    }
    return {
        role: ResourceInput(kind, role, copy.deepcopy(props), provider=PROVIDER)
        for role, (kind, props) in entries.items()
    }


# --- changes to the compliant stack (for stack cases) -----------------------------------------------------

Stack = dict[str, ResourceInput]


def change(role: str, path: str, value: object) -> Callable[[Stack], None]:
    def apply(stack: Stack) -> None:
        set_path(stack[role].props, path, value)  # type: ignore[arg-type]

    return apply


def both(*changes: Callable[[Stack], None]) -> Callable[[Stack], None]:
    def apply(stack: Stack) -> None:
        for apply_change in changes:
            apply_change(stack)

    return apply


def add(role: str, kind: str, props: dict[str, Any]) -> Callable[[Stack], None]:
    """Add a resource of `kind` with `props` to the stack under `role`."""

    def apply(stack: Stack) -> None:
        # The unknown sentinel is compared by identity: copy everything but it.
        props_copy = copy.deepcopy(props, memo={id(UNKNOWN): UNKNOWN})
        stack[role] = ResourceInput(kind, role, props_copy, provider=PROVIDER)

    return apply


def drop(role: str) -> Callable[[Stack], None]:
    def apply(stack: Stack) -> None:
        del stack[role]

    return apply


def retype(role: str, resource_type: str) -> Callable[[Stack], None]:
    def apply(stack: Stack) -> None:
        stack[role] = dataclasses.replace(stack[role], type=resource_type)

    return apply


def twin(role: str, new_role: str, path: str | None = None, value: object = None) -> Callable[[Stack], None]:
    """A second resource like `role` (a second configuration for the same target), optionally changed."""

    def apply(stack: Stack) -> None:
        original = stack[role]
        stack[new_role] = dataclasses.replace(
            original, name=new_role, props=copy.deepcopy(dict(original.props))
        )
        if path is not None:
            set_path(stack[new_role].props, path, value)  # type: ignore[arg-type]

    return apply


def through_output(role: str, key: str, *sources: str) -> Callable[[Stack], None]:
    """`role.key` computed from the outputs of `sources`, as in preview: unknown, depending on each source."""

    def apply(stack: Stack) -> None:
        resource = stack[role]
        stack[role] = dataclasses.replace(
            resource,
            props={**resource.props, key: UNKNOWN},
            property_dependencies={
                **resource.property_dependencies,
                key: tuple(stack[source].resolved_urn() for source in sources),
            },
        )

    return apply


OTHER_BUCKET = add("other-bucket", "aws:s3/bucket:Bucket", {"bucket": "acme-other", "tagsAll": TAGS})
"""A second, unclassified bucket the stack manages."""
