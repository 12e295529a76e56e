"""A client's baseline built in moto with boto3, compliant or not, for the audit and restore-drill tests.

Where moto departs from AWS, the builder works around it here, narrowly, and says so:
- `create_service` ignores `deploymentConfiguration`; `update_service` stores it, so the builder sets the
  circuit breaker with a second call (harmless against AWS too).
- ECS running counts come from the environment variable MOTO_ECS_SERVICE_RUNNING when the service is
  created; the builder sets it around `create_service`.
- moto never fails a deployment; `fail_deployments` marks the service's deployment FAILED in moto's backend.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3

from policies.toms_pack import standards

REGION = "eu-west-1"
ACCOUNT = "123456789012"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
# Variables that would point a test at a real account or a different endpoint.
ENVIRONMENT_TO_CLEAR = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE")


def client_tags(client: str) -> dict[str, str]:
    return {
        standards.TAG_CLIENT: client,
        standards.TAG_MANAGED_BY: standards.MANAGED_BY,
        standards.TAG_TOMS_VERSION: "0.1.0",
    }


def _tag_list(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in tags.items()]


@dataclass
class Baseline:
    """The ARNs and names of what was built, for the tests' assertions."""

    client: str
    key_arn: str
    db_instance: str
    db_arn: str
    parameter_group: str
    subnet_group: str
    security_group: str
    load_balancer_arn: str
    https_listener_arn: str
    http_listener_arn: str
    cluster: str
    service_arn: str
    log_group_arn: str
    bucket: str
    trail_arn: str


@contextmanager
def _running_tasks(count: int) -> Iterator[None]:
    previous = os.environ.get("MOTO_ECS_SERVICE_RUNNING")
    os.environ["MOTO_ECS_SERVICE_RUNNING"] = str(count)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["MOTO_ECS_SERVICE_RUNNING"]
        else:
            os.environ["MOTO_ECS_SERVICE_RUNNING"] = previous


def build_baseline(client: str, *, compliant: bool, session: boto3.Session | None = None) -> Baseline:
    """Creates one client's baseline; `compliant=False` breaks every measure the audit checks."""
    session = session or boto3.Session(region_name=REGION)
    tags = client_tags(client)

    kms = session.client("kms")
    key_arn = kms.create_key(Description=f"{client} data key", Tags=_tag_list(tags, "TagKey", "TagValue"))[
        "KeyMetadata"
    ]["Arn"]
    if compliant:
        kms.enable_key_rotation(KeyId=key_arn)

    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")[
            "Subnet"
        ]["SubnetId"]
        for index, zone in enumerate("ab")
    ]
    security_group = ec2.create_security_group(GroupName=f"{client}-db", Description="database", VpcId=vpc)[
        "GroupId"
    ]

    rds = session.client("rds")
    parameter_group = f"{client}-postgres16"
    rds.create_db_parameter_group(
        DBParameterGroupName=parameter_group, DBParameterGroupFamily="postgres16", Description="TLS only"
    )
    rds.modify_db_parameter_group(
        DBParameterGroupName=parameter_group,
        Parameters=[
            {
                "ParameterName": "rds.force_ssl",
                "ParameterValue": "1" if compliant else "0",
                "ApplyMethod": "immediate",
            }
        ],
    )
    subnet_group = f"{client}-db"
    rds.create_db_subnet_group(
        DBSubnetGroupName=subnet_group, DBSubnetGroupDescription="private", SubnetIds=subnets
    )
    db_instance = f"{client}-db"
    encryption: dict[str, Any] = {"StorageEncrypted": True, "KmsKeyId": key_arn} if compliant else {}
    db_arn = rds.create_db_instance(
        DBInstanceIdentifier=db_instance,
        DBInstanceClass="db.t4g.medium",
        Engine="postgres",
        EngineVersion="16.8",
        AllocatedStorage=20,
        MasterUsername="app",
        ManageMasterUserPassword=True,
        DBParameterGroupName=parameter_group,
        DBSubnetGroupName=subnet_group,
        VpcSecurityGroupIds=[security_group],
        PubliclyAccessible=False,
        MultiAZ=compliant,
        BackupRetentionPeriod=14 if compliant else 0,
        DeletionProtection=compliant,
        Tags=_tag_list(tags),
        **encryption,
    )["DBInstance"]["DBInstanceArn"]

    s3 = session.client("s3")
    bucket = f"{client}-log-archive"
    location = {"CreateBucketConfiguration": {"LocationConstraint": REGION}}
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=compliant, **location)
    archive_tags = {**tags, standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_LOG_ARCHIVE}
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tag_list(archive_tags)})
    # A bucket that is not the archive (as the load balancer's access-log bucket): no archive checks.
    s3.create_bucket(Bucket=f"{client}-access-logs", **location)
    s3.put_bucket_tagging(Bucket=f"{client}-access-logs", Tagging={"TagSet": _tag_list(tags)})
    if compliant:
        s3.put_object_lock_configuration(
            Bucket=bucket,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 90}},
            },
        )
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key_arn,
                        }
                    }
                ]
            },
        )
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket,
            LifecycleConfiguration={
                "Rules": [{"ID": "retention", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 90}}]
            },
        )

    elbv2 = session.client("elbv2")
    load_balancer_arn = elbv2.create_load_balancer(
        Name=f"{client}-edge",
        Subnets=subnets,
        SecurityGroups=[security_group],
        Type="application",
        Scheme="internet-facing",
        Tags=_tag_list(tags),
    )["LoadBalancers"][0]["LoadBalancerArn"]
    target_group = elbv2.create_target_group(
        Name=f"{client}-app", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    certificate = session.client("acm").request_certificate(DomainName=f"{client}.example.com")[
        "CertificateArn"
    ]
    https_listener_arn = elbv2.create_listener(
        LoadBalancerArn=load_balancer_arn,
        Protocol="HTTPS",
        Port=443,
        SslPolicy=standards.DEFAULT_TLS_POLICY if compliant else "ELBSecurityPolicy-2016-08",
        Certificates=[{"CertificateArn": certificate}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}],
    )["Listeners"][0]["ListenerArn"]
    http_action = (
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
        if compliant
        else {"Type": "forward", "TargetGroupArn": target_group}
    )
    http_listener_arn = elbv2.create_listener(
        LoadBalancerArn=load_balancer_arn, Protocol="HTTP", Port=80, DefaultActions=[http_action]
    )["Listeners"][0]["ListenerArn"]
    if compliant:
        elbv2.modify_load_balancer_attributes(
            LoadBalancerArn=load_balancer_arn,
            Attributes=[
                {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
                {"Key": "deletion_protection.enabled", "Value": "true"},
                {"Key": "access_logs.s3.enabled", "Value": "true"},
                {"Key": "access_logs.s3.bucket", "Value": bucket},
            ],
        )

    ecs = session.client("ecs")
    cluster = f"{client}-cluster"
    ecs.create_cluster(clusterName=cluster, tags=_tag_list(tags, "key", "value"))
    ecs.register_task_definition(
        family=f"{client}-app",
        containerDefinitions=[{"name": "app", "image": "app:1", "memory": 512}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    with _running_tasks(2 if compliant else 1):
        service_arn = ecs.create_service(
            cluster=cluster,
            serviceName=f"{client}-app",
            taskDefinition=f"{client}-app",
            desiredCount=2,
            launchType="FARGATE",
            tags=_tag_list(tags, "key", "value"),
        )["service"]["serviceArn"]
    if compliant:
        ecs.update_service(
            cluster=cluster,
            service=f"{client}-app",
            deploymentConfiguration={
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                "minimumHealthyPercent": 100,
                "maximumPercent": 200,
            },
        )

    logs = session.client("logs")
    log_group = f"/toms/{client}/app"
    log_group_options: dict[str, Any] = {"kmsKeyId": key_arn} if compliant else {}
    logs.create_log_group(logGroupName=log_group, tags=tags, **log_group_options)
    if compliant:
        logs.put_retention_policy(logGroupName=log_group, retentionInDays=90)
        stream_arn = session.client("kinesis").create_stream(StreamName=f"{client}-export", ShardCount=1)
        del stream_arn
        stream = session.client("kinesis").describe_stream(StreamName=f"{client}-export")["StreamDescription"]
        logs.put_subscription_filter(
            logGroupName=log_group,
            filterName="archive",
            filterPattern="",
            destinationArn=stream["StreamARN"],
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{client}-logs-export",
        )
    log_group_arn = next(
        group["arn"] for group in logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]
    ).removesuffix(":*")

    cloudtrail = session.client("cloudtrail")
    trail_options: dict[str, Any] = (
        {"EnableLogFileValidation": True, "KmsKeyId": key_arn} if compliant else {}
    )
    trail_arn = cloudtrail.create_trail(
        Name=f"{client}-trail", S3BucketName=bucket, TagsList=_tag_list(tags), **trail_options
    )["TrailARN"]
    if compliant:
        cloudtrail.start_logging(Name=trail_arn)

    return Baseline(
        client=client,
        key_arn=key_arn,
        db_instance=db_instance,
        db_arn=db_arn,
        parameter_group=parameter_group,
        subnet_group=subnet_group,
        security_group=security_group,
        load_balancer_arn=load_balancer_arn,
        https_listener_arn=https_listener_arn,
        http_listener_arn=http_listener_arn,
        cluster=cluster,
        service_arn=service_arn,
        log_group_arn=log_group_arn,
        bucket=bucket,
        trail_arn=trail_arn,
    )


def fail_deployments(baseline: Baseline) -> None:
    """Marks the service's deployments FAILED: moto has no way to make a deployment fail."""
    from moto.ecs.models import ecs_backends

    backend = ecs_backends[ACCOUNT][REGION]
    service = backend.services[f"{baseline.cluster}:{baseline.service_arn.rsplit('/', 1)[1]}"]
    for deployment in service.deployments:
        deployment["rolloutState"] = "FAILED"
        deployment["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
