"""A client's baseline built in moto with boto3, as the program builds it, for the audit and drill tests.

Names, tags and settings follow the components (`components/*.py`), and the values come from the client's
stack file through the program's own config code, so what the audit expects is what `pulumi up` makes.
`Deployed` overrides the stack file's values (a drifted account); `compliant=False` breaks every measure
the audit checks. `build_database` makes only what a restore drill needs.

Where moto departs from AWS, the builder works around it here, narrowly, and says so:
- `create_service` ignores `deploymentConfiguration`; `update_service` stores it, so the builder sets the
  circuit breaker with a second call (harmless against AWS too).
- ECS running counts come from the environment variable MOTO_ECS_SERVICE_RUNNING when the service is
  created; the builder sets it around `create_service`.
- moto never fails a deployment; `fail_deployments` marks the service's deployment FAILED in moto's backend.
- moto cannot import a certificate under the stack file's ARN; the listener uses one requested from moto's
  ACM.
- moto answers every request in the account MOTO_ACCOUNT_ID names (read per request): `in_account` builds and
  audits each client in the account its stack file deploys into, as the audit and the report require.
- moto's PutEventSelectors keeps a trail's advanced selectors when basic ones are put later (AWS replaces one
  kind with the other): the builder and the tests put one kind per trail only.
- moto's AssociateWebACL adds the load balancer to the new web ACL without taking it from the one it had
  (AWS moves it): the builder and the tests associate each load balancer once.
"""

from __future__ import annotations

import functools
import json
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from moto.server import ThreadedMotoServer

from components import log_archive, service
from components.audit_trail import event_selectors
from components.bucket import INCOMPLETE_UPLOAD_DAYS
from components.config import ClientConfig, parse_client_config, stack_file
from components.context import ClientContext
from components.database import (
    DATABASE_NAME,
    LOG_EXPORTS,
    MASTER_USERNAME,
    PERFORMANCE_INSIGHTS_RETENTION_DAYS,
    POSTGRES_PORT,
    instance_identifier,
    rds_log_group_name,
)
from components.keys import key_policy
from components.log_archive import (
    CLOUDTRAIL_PREFIX,
    EXPORT_ERROR_LOG_STREAM,
    access_logs_bucket_name,
    archive_bucket_name,
    audit_trail_arn,
    audit_trail_name,
    export_error_log_group_name,
)
from components.log_group import EXPORT_EVERYTHING, client_log_group_name
from components.service import CONTAINER_INSIGHTS, CONTAINER_NAME, DEPLOYMENT_MAXIMUM_PERCENT
from policies.toms_pack import standards
from toms import __version__
from toms.project import read_stack_file

REPOSITORY = Path(__file__).resolve().parents[2]
# acme's region (stacks/Pulumi.acme.yaml): the tests' default region.
REGION = "eu-west-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # moto loads thousands of default AMIs into every EC2 backend; nothing here uses them.
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}
# Variables that would point a test at a real account or a different endpoint.
ENVIRONMENT_TO_CLEAR = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE")


@contextmanager
def fake_aws_environment() -> Iterator[None]:
    """Fake credentials, nothing pointing at a real account, and one botocore data loader for every
    session: the tools open a new session per run, and re-reading each service's model from JSON is most
    of the time an in-process test takes (a speed-up only: the loader's models are read-only)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ENVIRONMENT_TO_CLEAR:
            patch.delenv(name, raising=False)
        for name, value in FAKE_CREDENTIALS.items():
            patch.setenv(name, value)
        patch.setattr(botocore.session, "create_loader", _shared_loader)
        yield


@contextmanager
def in_account(account: str) -> Iterator[None]:
    """moto answers as account `account` inside the block (STS, ARNs, every backend)."""
    previous = os.environ.get("MOTO_ACCOUNT_ID")
    os.environ["MOTO_ACCOUNT_ID"] = account
    try:
        yield
    finally:
        if previous is None:
            del os.environ["MOTO_ACCOUNT_ID"]
        else:
            os.environ["MOTO_ACCOUNT_ID"] = previous


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server on 127.0.0.1 for tools run as processes; yields its URL, with the fake environment and
    AWS_ENDPOINT_URL set in this process for the block. The server shares moto's in-process backends with
    this process (as `mock_aws` does), so they are reset when it starts and when it stops: what a module
    builds never depends on, nor leaks into, another module run earlier in the same process (a
    pytest-xdist worker runs many modules, in an order no test may rely on)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        _reset_moto(url)
        with fake_aws_environment(), pytest.MonkeyPatch.context() as patch:
            patch.setenv("AWS_ENDPOINT_URL", url)
            yield url
    finally:
        try:
            _reset_moto(url)
        finally:
            server.stop()


def _reset_moto(url: str) -> None:
    """Every moto backend back to empty, through the server's own reset endpoint."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")  # noqa: S310 - moto on 127.0.0.1
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        response.read()


@functools.cache
def _shared_loader(search_path: str | None) -> botocore.loaders.Loader:
    return botocore.loaders.create_loader(search_path)


# A key policy as the issue found it: every principal of the account may use the key through a service.
WILDCARD_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ServicesUseTheKeyForThisAccount",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
        }
    ],
}


def client_key_policy(config: ClientConfig) -> dict[str, object]:
    """The key policy the program gives the client's key (components/keys.py)."""
    context = ClientContext.of(config)
    users = [*service.key_users(context), *log_archive.key_users(context)]
    return key_policy(context, users, audit_trail_arn(context))


@functools.cache
def stack_config(client: str) -> ClientConfig:
    """An example client's configuration, read and validated as the program and the audit do."""
    return parse_client_config(read_stack_file(REPOSITORY / stack_file(client)), stack_file(client))


@dataclass(frozen=True)
class Deployed:
    """The values an account was deployed with: the stack file's, unless a test makes them drift."""

    log_days: int
    backup_days: int
    archive_days: int
    lock_mode: str
    replicas: int
    tls_policy: str
    multi_az: bool

    @classmethod
    def from_config(cls, config: ClientConfig) -> Deployed:
        return cls(
            log_days=config.retention.log_days,
            backup_days=config.retention.backup_days,
            archive_days=config.retention.archive_retention_days,
            lock_mode=config.archive.lock_mode,
            replicas=config.service.replicas,
            tls_policy=config.load_balancer.tls_policy,
            multi_az=config.database.multi_az,
        )


def client_tags(client: str) -> dict[str, str]:
    """The provider's default tags (`client_provider` in __main__.py)."""
    return {
        standards.TAG_CLIENT: client,
        standards.TAG_MANAGED_BY: standards.MANAGED_BY,
        standards.TAG_TOMS_VERSION: __version__,
    }


def _tag_list(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in tags.items()]


@dataclass
class DatabaseBaseline:
    """What a restore drill needs: the client's key, network and database."""

    client: str
    account: str
    region: str
    key_arn: str
    vpc: str
    subnets: list[str]
    db_instance: str
    db_arn: str
    parameter_group: str
    subnet_group: str
    security_group: str


@dataclass
class Baseline(DatabaseBaseline):
    """The whole baseline; ARNs and names for the tests' assertions."""

    load_balancer_arn: str = ""
    https_listener_arn: str = ""
    http_listener_arn: str = ""
    cluster: str = ""
    service_arn: str = ""
    log_group_arns: list[str] = field(default_factory=list)
    bucket: str = ""
    access_logs_bucket: str = ""
    trail_arn: str = ""
    web_acl_arn: str = ""
    alert_topic_arn: str = ""
    alarm_arns: list[str] = field(default_factory=list)


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


def build_database(
    config: ClientConfig, *, compliant: bool = True, deployed: Deployed | None = None
) -> DatabaseBaseline:
    """The client's key, VPC and PostgreSQL instance (`components/keys.py`, `network.py`, `database.py`), in
    the stack's account."""
    with in_account(config.account_id):
        return _build_database(config, compliant=compliant, deployed=deployed)


def _build_database(config: ClientConfig, *, compliant: bool, deployed: Deployed | None) -> DatabaseBaseline:
    deployed = deployed or Deployed.from_config(config)
    session = boto3.Session(region_name=config.region)
    client, region = config.client, config.region
    tags = client_tags(client)

    kms = session.client("kms")
    key_arn = kms.create_key(
        Description=f"toms: data and logs of client {client}",
        Tags=_tag_list(tags, "TagKey", "TagValue"),
        Policy=json.dumps(client_key_policy(config) if compliant else WILDCARD_KEY_POLICY),
    )["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName=f"alias/toms/{client}", TargetKeyId=key_arn)
    if compliant:
        kms.enable_key_rotation(KeyId=key_arn)

    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock=config.network.cidr)["Vpc"]["VpcId"]
    network = config.network.cidr.rsplit(".", 2)[0]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"{network}.{index}.0/24", AvailabilityZone=f"{region}{zone}")[
            "Subnet"
        ]["SubnetId"]
        for index, zone in enumerate("abc"[: config.network.az_count])
    ]
    security_group = ec2.create_security_group(
        GroupName=f"toms-{client}-database", Description=f"toms: database of client {client}", VpcId=vpc
    )["GroupId"]

    rds = session.client("rds")
    identifier = instance_identifier(client)
    database = config.database
    parameter_group = f"{identifier}-{database.parameter_group_family}"
    force_tls_parameter, (force_tls_value, *_) = standards.TLS_PARAMETERS[database.engine]
    rds.create_db_parameter_group(
        DBParameterGroupName=parameter_group,
        DBParameterGroupFamily=database.parameter_group_family,
        Description=f"toms: client {client}, encrypted connections only",
    )
    rds.modify_db_parameter_group(
        DBParameterGroupName=parameter_group,
        Parameters=[
            {
                "ParameterName": force_tls_parameter,
                "ParameterValue": force_tls_value if compliant else "0",
                "ApplyMethod": "immediate",
            }
        ],
    )
    rds.create_db_subnet_group(
        DBSubnetGroupName=identifier,
        DBSubnetGroupDescription=f"toms: private subnets of client {client}",
        SubnetIds=subnets,
    )
    encryption: dict[str, Any] = {"StorageEncrypted": True, "KmsKeyId": key_arn} if compliant else {}
    db_arn = rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass=database.instance_class,
        Engine=database.engine,
        EngineVersion=database.engine_version,
        AllocatedStorage=database.allocated_storage,
        StorageType="gp3",
        DBName=DATABASE_NAME,
        MasterUsername=MASTER_USERNAME,
        ManageMasterUserPassword=True,
        MasterUserSecretKmsKeyId=key_arn,
        EnableIAMDatabaseAuthentication=True,
        Port=POSTGRES_PORT,
        DBParameterGroupName=parameter_group,
        CACertificateIdentifier=standards.RDS_CA_CERTIFICATE_IDENTIFIER,
        DBSubnetGroupName=identifier,
        VpcSecurityGroupIds=[security_group],
        PubliclyAccessible=False,
        MultiAZ=deployed.multi_az if compliant else False,
        BackupRetentionPeriod=deployed.backup_days if compliant else 0,
        CopyTagsToSnapshot=True,
        DeletionProtection=compliant,
        AutoMinorVersionUpgrade=True,
        EnableCloudwatchLogsExports=list(LOG_EXPORTS),
        EnablePerformanceInsights=True,
        PerformanceInsightsKMSKeyId=key_arn,
        PerformanceInsightsRetentionPeriod=PERFORMANCE_INSIGHTS_RETENTION_DAYS,
        Tags=_tag_list({**tags, standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_PERSONAL}),
        **encryption,
    )["DBInstance"]["DBInstanceArn"]
    return DatabaseBaseline(
        client=client,
        account=config.account_id,
        region=region,
        key_arn=key_arn,
        vpc=vpc,
        subnets=subnets,
        db_instance=identifier,
        db_arn=db_arn,
        parameter_group=parameter_group,
        subnet_group=identifier,
        security_group=security_group,
    )


def build_baseline(
    config: ClientConfig, *, compliant: bool = True, deployed: Deployed | None = None
) -> Baseline:
    """The whole baseline of one client in the stack's account and region."""
    with in_account(config.account_id):
        return _build_baseline(config, compliant=compliant, deployed=deployed)


def _build_baseline(config: ClientConfig, *, compliant: bool, deployed: Deployed | None) -> Baseline:
    deployed = deployed or Deployed.from_config(config)
    database = build_database(config, compliant=compliant, deployed=deployed)
    session = boto3.Session(region_name=config.region)
    client, region, key_arn = config.client, config.region, database.key_arn
    tags = client_tags(client)
    location = {"CreateBucketConfiguration": {"LocationConstraint": region}}

    # components/log_archive.py: the locked, KMS-encrypted archive and the SSE-S3 access-log bucket, both
    # HardenedBucket (components/bucket.py).
    s3 = session.client("s3")
    archive = archive_bucket_name(client, config.account_id, region)
    access_logs = access_logs_bucket_name(client, config.account_id, region)
    s3.create_bucket(Bucket=archive, ObjectLockEnabledForBucket=compliant, **location)
    s3.put_bucket_tagging(
        Bucket=archive,
        Tagging={
            "TagSet": _tag_list(
                {**tags, standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_LOG_ARCHIVE}
            )
        },
    )
    s3.create_bucket(Bucket=access_logs, **location)
    s3.put_bucket_tagging(
        Bucket=access_logs,
        Tagging={
            "TagSet": _tag_list(
                {**tags, standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_ACCESS_LOGS}
            )
        },
    )
    for bucket, kms_key in ((archive, key_arn), (access_logs, None)):
        if not compliant and bucket == archive:
            continue
        _harden_bucket(s3, bucket, kms_key, deployed.archive_days)
    if compliant:
        s3.put_object_lock_configuration(
            Bucket=archive,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": deployed.lock_mode, "Days": deployed.archive_days}},
            },
        )

    # The export path every log group subscribes to; it logs its own delivery errors to a log group that
    # is not exported (components/log_archive.py).
    logs = session.client("logs")
    error_log = export_error_log_group_name(client)
    logs.create_log_group(logGroupName=error_log, tags=tags, **({"kmsKeyId": key_arn} if compliant else {}))
    if compliant:
        logs.put_retention_policy(logGroupName=error_log, retentionInDays=deployed.log_days)
    firehose_arn = session.client("firehose").create_delivery_stream(
        DeliveryStreamName=f"toms-{client}-log-export",
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": f"arn:aws:iam::{config.account_id}:role/toms-{client}-archive-writer",
            "BucketARN": f"arn:aws:s3:::{archive}",
            "Prefix": f"{client}/",
            "CloudWatchLoggingOptions": {
                # Off in a non-compliant account: the group is then an ordinary, unexported one.
                "Enabled": compliant,
                "LogGroupName": error_log,
                "LogStreamName": EXPORT_ERROR_LOG_STREAM,
            },
        },
    )["DeliveryStreamARN"]

    # components/log_group.py: every log group the program makes, with retention, key and export.
    cluster = f"toms-{client}"
    log_groups = [
        client_log_group_name(client, "vpc-flow-logs"),
        *(rds_log_group_name(database.db_instance, log) for log in LOG_EXPORTS),
        f"/aws/ecs/containerinsights/{cluster}/performance",
        client_log_group_name(client, "service"),
        client_log_group_name(client, "cloudtrail"),
    ]
    log_group_arns = []
    for name in log_groups:
        logs.create_log_group(logGroupName=name, tags=tags, **({"kmsKeyId": key_arn} if compliant else {}))
        if compliant:
            logs.put_retention_policy(logGroupName=name, retentionInDays=deployed.log_days)
            logs.put_subscription_filter(
                logGroupName=name,
                filterName="toms-log-archive",
                filterPattern=EXPORT_EVERYTHING,
                destinationArn=firehose_arn,
                roleArn=f"arn:aws:iam::{config.account_id}:role/toms-{client}-log-export",
            )
        [group] = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        log_group_arns.append(group["arn"].removesuffix(":*"))
    [error_group] = logs.describe_log_groups(logGroupNamePrefix=error_log)["logGroups"]
    log_group_arns.append(error_group["arn"].removesuffix(":*"))

    # components/load_balancer.py
    elbv2 = session.client("elbv2")
    ec2 = session.client("ec2")
    alb_security_group = ec2.create_security_group(
        GroupName=f"toms-{client}-alb", Description="load balancer", VpcId=database.vpc
    )["GroupId"]
    load_balancer_arn = elbv2.create_load_balancer(
        Name=f"{client}-alb",
        Subnets=database.subnets,
        SecurityGroups=[alb_security_group],
        Type="application",
        Scheme="internet-facing",
        Tags=_tag_list(tags),
    )["LoadBalancers"][0]["LoadBalancerArn"]
    target_group = elbv2.create_target_group(
        Name=f"{client}-app",
        Protocol="HTTP",
        Port=config.service.container_port,
        VpcId=database.vpc,
        TargetType="ip",
        HealthCheckPath=config.service.health_check_path,
    )["TargetGroups"][0]["TargetGroupArn"]
    certificate = session.client("acm").request_certificate(DomainName=f"{client}.example.com")[
        "CertificateArn"
    ]
    https_listener_arn = elbv2.create_listener(
        LoadBalancerArn=load_balancer_arn,
        Protocol="HTTPS",
        Port=443,
        SslPolicy=deployed.tls_policy if compliant else "ELBSecurityPolicy-2016-08",
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
                {"Key": "routing.http.desync_mitigation_mode", "Value": standards.LB_DESYNC_MITIGATION_MODE},
                {"Key": "deletion_protection.enabled", "Value": "true"},
                {"Key": "access_logs.s3.enabled", "Value": "true"},
                {"Key": "access_logs.s3.bucket", "Value": access_logs},
            ],
        )

    # components/service.py
    ecs = session.client("ecs")
    ecs.create_cluster(
        clusterName=cluster,
        settings=[{"name": "containerInsights", "value": CONTAINER_INSIGHTS}],
        tags=_tag_list(tags, "key", "value"),
    )
    family = f"toms-{client}-{CONTAINER_NAME}"
    ecs.register_task_definition(
        family=family,
        containerDefinitions=[{"name": CONTAINER_NAME, "image": config.service.image}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu=str(config.service.cpu),
        memory=str(config.service.memory),
    )
    service_name = f"{client}-{CONTAINER_NAME}"
    with _running_tasks(deployed.replicas if compliant else deployed.replicas - 1):
        service_arn = ecs.create_service(
            cluster=cluster,
            serviceName=service_name,
            taskDefinition=family,
            desiredCount=deployed.replicas,
            launchType="FARGATE",
            tags=_tag_list(tags, "key", "value"),
        )["service"]["serviceArn"]
    if compliant:
        ecs.update_service(
            cluster=cluster,
            service=service_name,
            deploymentConfiguration={
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                "minimumHealthyPercent": standards.MIN_HEALTHY_PERCENT,
                "maximumPercent": DEPLOYMENT_MAXIMUM_PERCENT,
            },
        )

    # components/audit_trail.py
    cloudtrail = session.client("cloudtrail")
    trail_options: dict[str, Any] = (
        {"EnableLogFileValidation": True, "KmsKeyId": key_arn} if compliant else {}
    )
    trail_arn = cloudtrail.create_trail(
        Name=audit_trail_name(client),
        S3BucketName=archive,
        S3KeyPrefix=CLOUDTRAIL_PREFIX,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        TagsList=_tag_list(tags),
        **trail_options,
    )["TrailARN"]
    if compliant:
        cloudtrail.start_logging(Name=trail_arn)
        cloudtrail.put_event_selectors(
            TrailName=trail_arn, AdvancedEventSelectors=trail_event_selectors(config)
        )

    # components/waf.py: the web ACL of AWS managed rule groups, associated with the load balancer; not
    # there in a non-compliant account, nor for a client whose stack file turns it off.
    web_acl_arn = ""
    if compliant and config.load_balancer.waf:
        wafv2 = session.client("wafv2")
        web_acl_arn = wafv2.create_web_acl(
            Name=f"toms-{client}-web",
            Scope="REGIONAL",
            DefaultAction={"Allow": {}},
            Rules=web_acl_rules(),
            VisibilityConfig=_visibility(f"toms-{client}-web"),
            Tags=_tag_list(tags),
        )["Summary"]["ARN"]
        wafv2.associate_web_acl(WebACLArn=web_acl_arn, ResourceArn=load_balancer_arn)

    # components/alarms.py: the alert topic and every alarm of the baseline, notifying it.
    topic_attributes = {"KmsMasterKeyId": key_arn} if compliant else {}
    alert_topic_arn = session.client("sns").create_topic(
        Name=f"toms-{client}-{standards.ALERT_TOPIC_PURPOSE}",
        Attributes=topic_attributes,
        Tags=_tag_list(tags),
    )["TopicArn"]
    cloudwatch = session.client("cloudwatch")
    alarm_arns = []
    for purpose in standards.BASELINE_ALARMS:
        name = f"toms-{client}-{purpose}"
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            ActionsEnabled=compliant,
            AlarmActions=[alert_topic_arn],
            OKActions=[alert_topic_arn],
            Namespace="toms/test",
            MetricName=purpose,
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            Tags=_tag_list(tags),
        )
        alarm_arns.append(cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmArn"])

    return Baseline(
        **vars(database),
        load_balancer_arn=load_balancer_arn,
        https_listener_arn=https_listener_arn,
        http_listener_arn=http_listener_arn,
        cluster=cluster,
        service_arn=service_arn,
        log_group_arns=log_group_arns,
        bucket=archive,
        access_logs_bucket=access_logs,
        trail_arn=trail_arn,
        web_acl_arn=web_acl_arn,
        alert_topic_arn=alert_topic_arn,
        alarm_arns=alarm_arns,
    )


# Each field selector operator's pulumi_aws attribute, with its name in the CloudTrail API and in Pulumi's
# inputs (what the pack receives).
_SELECTOR_OPERATORS = {
    "equals": ("Equals", "equals"),
    "starts_withs": ("StartsWith", "startsWiths"),
    "ends_withs": ("EndsWith", "endsWiths"),
    "not_equals": ("NotEquals", "notEquals"),
    "not_starts_withs": ("NotStartsWith", "notStartsWiths"),
    "not_ends_withs": ("NotEndsWith", "notEndsWiths"),
}


def trail_event_selectors(config: ClientConfig, *, pulumi_names: bool = False) -> list[dict[str, Any]]:
    """The program's advanced event selectors (components/audit_trail.py), as the CloudTrail API takes them,
    or with `pulumi_names` as the pack receives them."""
    style = 1 if pulumi_names else 0
    name, fields, field = (
        ("name", "fieldSelectors", "field") if pulumi_names else ("Name", "FieldSelectors", "Field")
    )
    return [
        {
            name: selector.name,
            fields: [
                {
                    field: field_selector.field,
                    **{
                        names[style]: list(values)
                        for attribute, names in _SELECTOR_OPERATORS.items()
                        if (values := getattr(field_selector, attribute))
                    },
                }
                for field_selector in selector.field_selectors
            ],
        }
        for selector in event_selectors(ClientContext.of(config))
    ]


def _visibility(metric: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": metric}


def web_acl_rules(counting: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The web ACL's rules as components/waf.py makes them: each AWS managed rule group blocking what it
    matches, except those in `counting` (only counted: what a weakened ACL looks like)."""
    return [
        {
            "Name": group,
            "Priority": priority,
            "Statement": {
                "ManagedRuleGroupStatement": {"VendorName": standards.WAF_MANAGED_VENDOR, "Name": group}
            },
            "OverrideAction": {"Count": {}} if group in counting else {"None": {}},
            "VisibilityConfig": _visibility(group),
        }
        for priority, group in enumerate(standards.WAF_MANAGED_RULE_GROUPS)
    ]


def _harden_bucket(s3: Any, bucket: str, kms_key_arn: str | None, expiry_days: int) -> None:
    """What HardenedBucket sets on every bucket: ownership, public access block, versioning, default
    encryption (the client key, or SSE-S3 when None), and the expiry lifecycle."""
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
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
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    default: dict[str, str] = (
        {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key_arn}
        if kms_key_arn
        else {"SSEAlgorithm": "AES256"}
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": bool(kms_key_arn)}]
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-after-retention",
                    "Status": "Enabled",
                    "Filter": {},
                    "Expiration": {"Days": expiry_days},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": standards.NONCURRENT_VERSION_DAYS},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": INCOMPLETE_UPLOAD_DAYS},
                }
            ]
        },
    )


def fail_deployments(baseline: Baseline) -> None:
    """Marks the service's deployments FAILED: moto has no way to make a deployment fail."""
    from moto.ecs.models import ecs_backends

    backend = ecs_backends[baseline.account][baseline.region]
    service = backend.services[f"{baseline.cluster}:{baseline.service_arn.rsplit('/', 1)[1]}"]
    for deployment in service.deployments:
        deployment["rolloutState"] = "FAILED"
        deployment["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
