"""`python -m toms audit`: check, in the live account, the measures that can be checked there.

The policy pack proves what a preview will deploy; this proves what is running. Each check id is named by a
measure in `policies/toms_pack/catalogue.py`, and every finding carries the ids of the measures it serves.
The client's resources are found by the tags the provider puts on every resource of the baseline
(`client=<client>`, `managed-by=pulumi`), so a restore drill's temporary instance is never audited.
Live values are compared with what the client's stack file says (retention days, lock mode, replicas, TLS
policy, Multi-AZ), read and validated by the program's own code; without a stack file, with the pack's
default bounds. Each such finding's `observed` holds `{"expected": .., "actual": ..}` (or `"allowed"`
when only bounds are known) under the value's name.
A call that AWS refuses (AccessDenied, throttled past the retries, ...) becomes an ERROR finding for the
checks that needed it, and the audit goes on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.table import Table

from components.config import ClientConfig, StackConfigError, parse_client_config, stack_file
from policies.toms_pack import catalogue, standards
from toms import __version__
from toms.aws import AwsContext, AwsSetupError, error_code, error_message, iso_utc, tags_to_dict
from toms.project import ProjectFileError, read_stack_file

COMMAND = "audit"
HELP = "Check a client's running resources against the measures and report PASS / FAIL / ERROR."

Status = Literal["PASS", "FAIL", "ERROR"]
STATUSES: tuple[Status, ...] = ("PASS", "FAIL", "ERROR")

RDS_CHECKS = (
    "rds-encryption",
    "rds-force-ssl",
    "rds-multi-az",
    "rds-backup-retention",
    "rds-deletion-protection",
    "rds-recent-snapshot",
)
LB_CHECKS = ("lb-listeners", "lb-attributes")
ECS_CHECKS = ("ecs-replicas", "ecs-circuit-breaker", "ecs-deployment-healthy")
LOG_GROUP_CHECKS = ("log-group-retention", "log-group-kms", "log-group-subscription")
ARCHIVE_CHECKS = (
    "archive-object-lock",
    "archive-encryption",
    "archive-public-access-block",
    "archive-lifecycle",
)
CLOUDTRAIL_CHECKS = ("cloudtrail-logging", "cloudtrail-validation", "cloudtrail-kms")
KMS_CHECKS = ("kms-rotation",)
ALL_CHECKS = (
    RDS_CHECKS + LB_CHECKS + ECS_CHECKS + LOG_GROUP_CHECKS + ARCHIVE_CHECKS + CLOUDTRAIL_CHECKS + KMS_CHECKS
)

# Automated backups run daily; two hours on top of the day absorb a backup window that moved or ran long.
SNAPSHOT_MAX_AGE = timedelta(hours=26)

# Load balancer attributes the edge component sets, with their values; header dropping and desync
# mitigation exist only on application load balancers.
LB_REQUIRED_ATTRIBUTES = {"deletion_protection.enabled": "true", "access_logs.s3.enabled": "true"}
ALB_REQUIRED_ATTRIBUTES = {
    "routing.http.drop_invalid_header_fields.enabled": "true",
    "routing.http.desync_mitigation_mode": standards.LB_DESYNC_MITIGATION_MODE,
}

# What the audit compares with when the client has no stack file.
PACK_DEFAULT_BOUNDS = "pack default bounds"
REPOSITORY = Path(__file__).resolve().parents[1]

# S3 answers these errors when a bucket lacks the configuration: the check fails, it is not an error.
S3_NOT_CONFIGURED = frozenset(
    {
        "ObjectLockConfigurationNotFoundError",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "NoSuchLifecycleConfiguration",
    }
)

# Batch sizes the APIs accept.
_ELB_DESCRIBE_BATCH = 20
_ECS_SERVICES_BATCH = 10
_CLOUDTRAIL_TAGS_BATCH = 20


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    resource: str
    observed: dict[str, Any]
    message: str

    @property
    def measures(self) -> list[str]:
        return [measure.id for measure in catalogue.measures_for_audit_check(self.check)]

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status,
            "resource": self.resource,
            "measures": self.measures,
            "observed": self.observed,
            "message": self.message,
        }


# A check's verdict: passed, the values it looked at, and a sentence saying what it found.
Verdict = tuple[bool, dict[str, Any], str]


@dataclass
class Audit:
    """Runs every check for one client in one region and collects the findings."""

    aws: AwsContext
    client: str
    # The client's stack configuration; None compares with the pack's default bounds instead.
    expected: ClientConfig | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    findings: list[Finding] = field(default_factory=list)

    def run(self) -> list[Finding]:
        self._audit_databases()
        self._audit_load_balancers()
        self._audit_services()
        self._audit_log_groups()
        self._audit_archive_buckets()
        self._audit_trails()
        self._audit_keys()
        return self.findings

    # Plumbing shared by every check

    def _check(self, check: str, resource: str, evaluate: Callable[..., Verdict], *arguments: Any) -> None:
        try:
            passed, observed, message = evaluate(*arguments)
        except (ClientError, BotoCoreError) as error:
            self.findings.append(Finding(check, "ERROR", resource, {}, error_message(error)))
            return
        self.findings.append(Finding(check, "PASS" if passed else "FAIL", resource, observed, message))

    def _discover(
        self, checks: tuple[str, ...], kind: str, scope: str, list_resources: Callable[[], list[Any]]
    ) -> list[Any]:
        """The client's resources of one kind; an empty list after reporting why for each check."""
        try:
            resources = list_resources()
        except (ClientError, BotoCoreError) as error:
            message = f"cannot list {kind}: {error_message(error)}"
            self.findings.extend(Finding(check, "ERROR", scope, {}, message) for check in checks)
            return []
        if not resources:
            message = f"no {kind} tagged {standards.TAG_CLIENT}={self.client} found; the baseline creates one"
            self.findings.extend(Finding(check, "FAIL", scope, {"count": 0}, message) for check in checks)
        return resources

    def _scope(self, service: str, resource: str) -> str:
        """An ARN pattern naming every resource of a kind, for findings about the kind as a whole."""
        return f"arn:aws:{service}:{self.region}:{self.aws.account_id}:{resource}"

    @property
    def region(self) -> str:
        return self.aws.region

    def _is_client_resource(self, tags: dict[str, str]) -> bool:
        return (
            tags.get(standards.TAG_CLIENT) == self.client
            and tags.get(standards.TAG_MANAGED_BY) == standards.MANAGED_BY
        )

    def _tagged_arns(self, resource_type: str, **more_tags: str) -> list[str]:
        """ARNs of the client's resources of a type, from the Resource Groups Tagging API."""
        tags = {
            standards.TAG_CLIENT: self.client,
            standards.TAG_MANAGED_BY: standards.MANAGED_BY,
            **more_tags,
        }
        paginator = self.aws.client("resourcegroupstaggingapi").get_paginator("get_resources")
        pages = paginator.paginate(
            TagFilters=[{"Key": key, "Values": [value]} for key, value in tags.items()],
            ResourceTypeFilters=[resource_type],
        )
        return sorted(mapping["ResourceARN"] for page in pages for mapping in page["ResourceTagMappingList"])

    # RDS

    def _audit_databases(self) -> None:
        rds = self.aws.client("rds")

        def client_instances() -> list[dict[str, Any]]:
            pages = rds.get_paginator("describe_db_instances").paginate()
            return [
                instance
                for page in pages
                for instance in page["DBInstances"]
                if self._is_client_resource(tags_to_dict(instance.get("TagList")))
            ]

        instances = self._discover(RDS_CHECKS, "RDS instance", self._scope("rds", "db:*"), client_instances)
        for instance in instances:
            arn = instance["DBInstanceArn"]
            self._check("rds-encryption", arn, self._rds_encryption, instance)
            self._check("rds-force-ssl", arn, self._rds_force_ssl, instance)
            self._check("rds-multi-az", arn, _rds_multi_az, instance, self.expected)
            self._check("rds-backup-retention", arn, _rds_backup_retention, instance, self.expected)
            self._check("rds-deletion-protection", arn, _rds_deletion_protection, instance)
            self._check("rds-recent-snapshot", arn, self._rds_recent_snapshot, instance)

    def _rds_encryption(self, instance: dict[str, Any]) -> Verdict:
        encrypted = bool(instance.get("StorageEncrypted"))
        key_id = instance.get("KmsKeyId")
        observed: dict[str, Any] = {"storage_encrypted": encrypted, "kms_key_id": key_id}
        if not encrypted or not key_id:
            return False, observed, "storage is not encrypted"
        key = self.aws.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]
        observed["key_manager"] = key.get("KeyManager")
        if key.get("KeyManager") != "CUSTOMER":
            return False, observed, "encrypted with an AWS managed key, not the client's key"
        return True, observed, "encrypted with the client's customer managed key"

    def _rds_force_ssl(self, instance: dict[str, Any]) -> Verdict:
        engine = str(instance.get("Engine", ""))
        family = next((family for family in standards.TLS_PARAMETERS if family in engine), None)
        if family is None:
            return False, {"engine": engine}, f"no known parameter forces TLS on engine {engine!r}"
        name, accepted = standards.TLS_PARAMETERS[family]
        groups = [group["DBParameterGroupName"] for group in instance.get("DBParameterGroups", [])]
        values: dict[str, Any] = {}
        rds = self.aws.client("rds")
        for group in groups:
            pages = rds.get_paginator("describe_db_parameters").paginate(DBParameterGroupName=group)
            values[group] = next(
                (
                    parameter.get("ParameterValue")
                    for page in pages
                    for parameter in page["Parameters"]
                    if parameter["ParameterName"] == name
                ),
                None,
            )
        observed = {"parameter": name, "parameter_groups": values}
        if groups and all(value in accepted for value in values.values()):
            return True, observed, f"{name} = {'/'.join(accepted)}: connections without TLS are refused"
        return False, observed, f"{name} is not {'/'.join(accepted)}: connections without TLS are accepted"

    def _rds_recent_snapshot(self, instance: dict[str, Any]) -> Verdict:
        rds = self.aws.client("rds")
        pages = rds.get_paginator("describe_db_snapshots").paginate(
            DBInstanceIdentifier=instance["DBInstanceIdentifier"], SnapshotType="automated"
        )
        snapshots = [
            snapshot
            for page in pages
            for snapshot in page["DBSnapshots"]
            if snapshot.get("Status") == "available" and snapshot.get("SnapshotCreateTime")
        ]
        if not snapshots:
            return False, {"newest_snapshot": None}, "no available automated snapshot"
        newest = max(snapshots, key=lambda snapshot: snapshot["SnapshotCreateTime"])
        age = self.now() - newest["SnapshotCreateTime"]
        observed = {
            "newest_snapshot": newest["DBSnapshotIdentifier"],
            "created_at": iso_utc(newest["SnapshotCreateTime"]),
            "age_hours": round(age.total_seconds() / 3600, 1),
            "max_age_hours": SNAPSHOT_MAX_AGE.total_seconds() / 3600,
        }
        if age > SNAPSHOT_MAX_AGE:
            return False, observed, f"newest automated snapshot is {observed['age_hours']} hours old"
        return True, observed, "an automated snapshot was taken within the last day"

    # Load balancers

    def _audit_load_balancers(self) -> None:
        elbv2 = self.aws.client("elbv2")

        def client_load_balancers() -> list[dict[str, Any]]:
            # Classic load balancers share the resource type; their ARNs lack the app/ or net/ segment.
            arns = [
                arn
                for arn in self._tagged_arns("elasticloadbalancing:loadbalancer")
                if ":loadbalancer/app/" in arn or ":loadbalancer/net/" in arn
            ]
            load_balancers: list[dict[str, Any]] = []
            for batch in _batches(arns, _ELB_DESCRIBE_BATCH):
                pages = elbv2.get_paginator("describe_load_balancers").paginate(LoadBalancerArns=batch)
                load_balancers.extend(lb for page in pages for lb in page["LoadBalancers"])
            return load_balancers

        scope = self._scope("elasticloadbalancing", "loadbalancer/*")
        for load_balancer in self._discover(LB_CHECKS, "load balancer", scope, client_load_balancers):
            arn = load_balancer["LoadBalancerArn"]
            self._audit_listeners(arn)
            self._check("lb-attributes", arn, self._lb_attributes, load_balancer)

    def _audit_listeners(self, load_balancer_arn: str) -> None:
        try:
            pages = (
                self.aws.client("elbv2")
                .get_paginator("describe_listeners")
                .paginate(LoadBalancerArn=load_balancer_arn)
            )
            listeners = [listener for page in pages for listener in page["Listeners"]]
        except (ClientError, BotoCoreError) as error:
            self.findings.append(
                Finding("lb-listeners", "ERROR", load_balancer_arn, {}, error_message(error))
            )
            return
        if not listeners:
            self.findings.append(
                Finding(
                    "lb-listeners",
                    "FAIL",
                    load_balancer_arn,
                    {"listeners": 0},
                    "the load balancer has no listener",
                )
            )
        for listener in listeners:
            self._check("lb-listeners", listener["ListenerArn"], _listener_verdict, listener, self.expected)

    def _lb_attributes(self, load_balancer: dict[str, Any]) -> Verdict:
        response = self.aws.client("elbv2").describe_load_balancer_attributes(
            LoadBalancerArn=load_balancer["LoadBalancerArn"]
        )
        attributes = {attribute["Key"]: attribute.get("Value") for attribute in response["Attributes"]}
        required = dict(LB_REQUIRED_ATTRIBUTES)
        if load_balancer.get("Type") == "application":
            required.update(ALB_REQUIRED_ATTRIBUTES)
        observed: dict[str, Any] = {key: attributes.get(key) for key in required}
        observed["access_logs.s3.bucket"] = attributes.get("access_logs.s3.bucket")
        wrong = [
            f"{key} (expected {value})" for key, value in required.items() if attributes.get(key) != value
        ]
        if wrong:
            return False, observed, "not as the baseline sets it: " + ", ".join(wrong)
        return (
            True,
            observed,
            "header dropping, desync mitigation, deletion protection and access logs are on",
        )

    # ECS

    def _audit_services(self) -> None:
        ecs = self.aws.client("ecs")

        def client_services() -> list[dict[str, Any]]:
            services: list[dict[str, Any]] = []
            for cluster_page in ecs.get_paginator("list_clusters").paginate():
                for cluster in cluster_page["clusterArns"]:
                    for service_page in ecs.get_paginator("list_services").paginate(cluster=cluster):
                        for batch in _batches(service_page["serviceArns"], _ECS_SERVICES_BATCH):
                            described = ecs.describe_services(
                                cluster=cluster, services=batch, include=["TAGS"]
                            )
                            services.extend(
                                service
                                for service in described["services"]
                                if self._is_client_resource(tags_to_dict(service.get("tags"), "key", "value"))
                            )
            return services

        for service in self._discover(
            ECS_CHECKS, "ECS service", self._scope("ecs", "service/*"), client_services
        ):
            arn = service["serviceArn"]
            self._check("ecs-replicas", arn, _ecs_replicas, service, self.expected)
            self._check("ecs-circuit-breaker", arn, _ecs_circuit_breaker, service)
            self._check("ecs-deployment-healthy", arn, _ecs_deployment_healthy, service)

    # CloudWatch Logs

    def _audit_log_groups(self) -> None:
        # The tagging API's type is `logs:log-group` (moto's: `logs:loggroup`); the service matches both.
        scope = self._scope("logs", "log-group:*")
        for arn in self._discover(LOG_GROUP_CHECKS, "log group", scope, lambda: self._tagged_arns("logs")):
            arn = arn.removesuffix(":*")
            if ":log-group:" not in arn:
                continue
            name = arn.split(":log-group:", 1)[1]
            try:
                group = self._describe_log_group(name)
            except (ClientError, BotoCoreError) as error:
                self.findings.extend(
                    Finding(check, "ERROR", arn, {}, error_message(error)) for check in LOG_GROUP_CHECKS
                )
                continue
            self._check("log-group-retention", arn, _log_group_retention, group, self.expected)
            self._check("log-group-kms", arn, _log_group_kms, group)
            self._check("log-group-subscription", arn, self._log_group_subscription, name)

    def _describe_log_group(self, name: str) -> dict[str, Any]:
        pages = self.aws.client("logs").get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name)
        matches = [group for page in pages for group in page["logGroups"] if group["logGroupName"] == name]
        return matches[0] if matches else {"logGroupName": name}

    def _log_group_subscription(self, name: str) -> Verdict:
        pages = (
            self.aws.client("logs").get_paginator("describe_subscription_filters").paginate(logGroupName=name)
        )
        destinations = [item["destinationArn"] for page in pages for item in page["subscriptionFilters"]]
        observed = {"subscription_destinations": destinations}
        if not destinations:
            return False, observed, "no subscription filter: events are not exported off the server"
        return True, observed, "events are exported by a subscription filter"

    # Archive buckets

    def _audit_archive_buckets(self) -> None:
        # The log archive is the bucket the baseline classifies as such; other buckets are not archives.
        def archive_buckets() -> list[str]:
            classification = {standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_LOG_ARCHIVE}
            return self._tagged_arns("s3", **classification)

        scope = "arn:aws:s3:::*"
        s3 = self.aws.client("s3")
        for arn in self._discover(ARCHIVE_CHECKS, "log archive bucket", scope, archive_buckets):
            bucket = arn.rsplit(":", 1)[1]
            self._check("archive-object-lock", arn, _object_lock_verdict, s3, bucket, self.expected)
            self._check("archive-encryption", arn, _encryption_verdict, s3, bucket)
            self._check("archive-public-access-block", arn, _public_access_verdict, s3, bucket)
            self._check("archive-lifecycle", arn, _lifecycle_verdict, s3, bucket, self.expected)

    # CloudTrail

    def _audit_trails(self) -> None:
        cloudtrail = self.aws.client("cloudtrail")

        def client_trails() -> list[str]:
            # The tagging API does not list trails in moto; CloudTrail's own tag listing works in both.
            pages = cloudtrail.get_paginator("list_trails").paginate()
            arns = [
                trail["TrailARN"]
                for page in pages
                for trail in page["Trails"]
                if trail.get("HomeRegion") == self.region
            ]
            tagged: list[str] = []
            for batch in _batches(arns, _CLOUDTRAIL_TAGS_BATCH):
                tag_pages = cloudtrail.get_paginator("list_tags").paginate(ResourceIdList=batch)
                for page in tag_pages:
                    for resource in page["ResourceTagList"]:
                        if self._is_client_resource(tags_to_dict(resource.get("TagsList"))):
                            tagged.append(resource["ResourceId"])
            return sorted(tagged)

        for arn in self._discover(
            CLOUDTRAIL_CHECKS, "CloudTrail trail", self._scope("cloudtrail", "trail/*"), client_trails
        ):
            try:
                trail = cloudtrail.get_trail(Name=arn)["Trail"]
            except (ClientError, BotoCoreError) as error:
                self.findings.extend(
                    Finding(check, "ERROR", arn, {}, error_message(error)) for check in CLOUDTRAIL_CHECKS
                )
                continue
            self._check("cloudtrail-logging", arn, _trail_logging, cloudtrail, arn)
            self._check("cloudtrail-validation", arn, _trail_validation, trail)
            self._check("cloudtrail-kms", arn, _trail_kms, trail)

    # KMS

    def _audit_keys(self) -> None:
        kms = self.aws.client("kms")
        scope = self._scope("kms", "key/*")
        for arn in self._discover(KMS_CHECKS, "KMS key", scope, lambda: self._tagged_arns("kms")):
            self._check("kms-rotation", arn, _kms_rotation, kms, arn)


# Verdicts on values already fetched


def _rds_multi_az(instance: dict[str, Any], config: ClientConfig | None) -> Verdict:
    # Without a stack file, the program's default (a standby in a second zone) is what is expected.
    expected = config.database.multi_az if config is not None else True
    actual = bool(instance.get("MultiAZ"))
    observed = {"multi_az": {"expected": expected, "actual": actual}}
    where = "standby in a second zone" if actual else "single-AZ instance"
    if actual == expected:
        return True, observed, where
    return False, observed, f"{where}; expected {'Multi-AZ' if expected else 'single-AZ'} (database.multiAz)"


def _rds_backup_retention(instance: dict[str, Any], config: ClientConfig | None) -> Verdict:
    days = int(instance.get("BackupRetentionPeriod", 0))
    if config is not None:
        expected = config.retention.backup_days
        observed: dict[str, Any] = {"backup_retention_days": {"expected": expected, "actual": days}}
        if days == expected:
            return True, observed, f"automated backups kept {days} days, as retention.backupDays says"
        if days == 0:
            return (
                False,
                observed,
                f"automated backups are off; expected {expected} days (retention.backupDays)",
            )
        return False, observed, f"backups kept {days} days; expected {expected} (retention.backupDays)"
    allowed = (standards.BACKUP_RETENTION_DEFAULT_MIN_DAYS, standards.BACKUP_RETENTION_MAX_DAYS)
    observed = {"backup_retention_days": {"allowed": list(allowed), "actual": days}}
    if allowed[0] <= days <= allowed[1]:
        return True, observed, f"automated backups kept {days} days"
    if days == 0:
        return False, observed, "automated backups are off"
    return False, observed, f"backups kept {days} days, outside {allowed[0]}-{allowed[1]}"


def _rds_deletion_protection(instance: dict[str, Any]) -> Verdict:
    on = bool(instance.get("DeletionProtection"))
    return on, {"deletion_protection": on}, "deletion protection on" if on else "deletion protection off"


def _listener_verdict(listener: dict[str, Any], config: ClientConfig | None) -> Verdict:
    protocol = listener.get("Protocol")
    observed: dict[str, Any] = {"protocol": protocol, "port": listener.get("Port")}
    if protocol in ("HTTPS", "TLS"):
        policy = listener.get("SslPolicy")
        expected = config.load_balancer.tls_policy if config is not None else None
        observed["ssl_policy"] = (
            {"expected": expected, "actual": policy}
            if expected is not None
            else {"allowed": standards.TLS_POLICY_PATTERN.pattern, "actual": policy}
        )
        if not standards.is_allowed_tls_policy(policy):
            return False, observed, f"{protocol} with policy {policy}, which accepts TLS older than 1.2"
        if expected is not None and policy != expected:
            return (
                False,
                observed,
                f"{protocol} with policy {policy}; expected {expected} (loadBalancer.tlsPolicy)",
            )
        return True, observed, f"{protocol} with TLS 1.2/1.3 policy {policy}"
    actions = listener.get("DefaultActions", [])
    observed["default_actions"] = [action.get("Type") for action in actions]
    redirects_to_https = bool(actions) and all(
        action.get("Type") == "redirect" and action.get("RedirectConfig", {}).get("Protocol") == "HTTPS"
        for action in actions
    )
    if protocol == "HTTP" and redirects_to_https:
        return True, observed, "plain HTTP only redirects to HTTPS"
    return False, observed, f"{protocol} listener on port {listener.get('Port')} serves traffic unencrypted"


def _ecs_replicas(service: dict[str, Any], config: ClientConfig | None) -> Verdict:
    # Autoscaling may run more than `replicas` copies, never fewer: the desired count is a floor.
    replicas = config.service.replicas if config is not None else standards.MIN_REPLICAS
    desired = int(service.get("desiredCount", 0))
    running = int(service.get("runningCount", 0))
    observed = {
        "desired_count": {"expected_at_least": replicas, "actual": desired},
        "running_count": {"expected": desired, "actual": running},
    }
    if desired < replicas:
        return False, observed, f"desired count {desired} is below {replicas} replicas (service.replicas)"
    if running != desired:
        return False, observed, f"{running} of {desired} tasks running"
    return True, observed, f"{running} of {desired} tasks running, at least {replicas} replicas"


def _ecs_circuit_breaker(service: dict[str, Any]) -> Verdict:
    breaker = service.get("deploymentConfiguration", {}).get("deploymentCircuitBreaker", {})
    enabled, rollback = bool(breaker.get("enable")), bool(breaker.get("rollback"))
    observed = {"circuit_breaker": enabled, "rollback": rollback}
    if enabled and rollback:
        return True, observed, "a failing deployment is stopped and rolled back"
    return False, observed, "deployment circuit breaker with rollback is not on"


def _ecs_deployment_healthy(service: dict[str, Any]) -> Verdict:
    deployments = [
        {
            "id": deployment.get("id"),
            "status": deployment.get("status"),
            "rollout_state": deployment.get("rolloutState"),
            "failed_tasks": deployment.get("failedTasks", 0),
        }
        for deployment in service.get("deployments", [])
    ]
    failed = [deployment["id"] for deployment in deployments if deployment["rollout_state"] == "FAILED"]
    observed = {"deployments": deployments}
    if failed:
        return False, observed, "failed deployment: " + ", ".join(str(deployment) for deployment in failed)
    return True, observed, "no failed deployment"


def _log_group_retention(group: dict[str, Any], config: ClientConfig | None) -> Verdict:
    days = group.get("retentionInDays")
    if config is not None:
        expected = config.retention.log_days
        observed: dict[str, Any] = {"retention_in_days": {"expected": expected, "actual": days}}
        if days == expected:
            return True, observed, f"events kept {days} days, as retention.logDays says"
        kept = "events never expire" if days is None else f"events kept {days} days"
        return False, observed, f"{kept}; expected {expected} (retention.logDays)"
    allowed = (standards.LOG_RETENTION_DEFAULT_MIN_DAYS, standards.LOG_RETENTION_DEFAULT_MAX_DAYS)
    observed = {"retention_in_days": {"allowed": list(allowed), "actual": days}}
    if days is None:
        return False, observed, "events never expire"
    if days in standards.CLOUDWATCH_RETENTION_DAYS and allowed[0] <= days <= allowed[1]:
        return True, observed, f"events kept {days} days"
    return False, observed, f"events kept {days} days, outside {allowed[0]}-{allowed[1]}"


def _log_group_kms(group: dict[str, Any]) -> Verdict:
    key = group.get("kmsKeyId")
    return bool(key), {"kms_key_id": key}, "encrypted with the client's key" if key else "no KMS key"


def _object_lock_verdict(s3: Any, bucket: str, config: ClientConfig | None) -> Verdict:
    try:
        configuration = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    except ClientError as error:
        if error_code(error) not in S3_NOT_CONFIGURED:
            raise
        return False, {"object_lock": "Disabled"}, "Object Lock is not enabled"
    retention = configuration.get("Rule", {}).get("DefaultRetention", {})
    mode, days = retention.get("Mode"), retention.get("Days")
    observed: dict[str, Any] = {
        "object_lock": configuration.get("ObjectLockEnabled"),
        "years": retention.get("Years"),
    }
    if configuration.get("ObjectLockEnabled") != "Enabled" or mode not in standards.OBJECT_LOCK_MODES:
        observed |= {"mode": {"actual": mode}, "days": {"actual": days}}
        return False, observed, "Object Lock has no default retention"
    if config is None:
        allowed = (standards.ARCHIVE_RETENTION_DEFAULT_MIN_DAYS, standards.ARCHIVE_RETENTION_DEFAULT_MAX_DAYS)
        observed |= {
            "mode": {"allowed": list(standards.OBJECT_LOCK_MODES), "actual": mode},
            "days": {"allowed": list(allowed), "actual": days},
        }
        if days is not None and allowed[0] <= days <= allowed[1]:
            return True, observed, f"objects locked in {mode} mode for {days} days by default"
        return False, observed, f"default retention is not {allowed[0]}-{allowed[1]} days"
    expected_mode, expected_days = config.archive.lock_mode, config.retention.archive_retention_days
    observed |= {
        "mode": {"expected": expected_mode, "actual": mode},
        "days": {"expected": expected_days, "actual": days},
    }
    wrong = []
    if mode != expected_mode:
        wrong.append(f"mode {mode}, expected {expected_mode} (archive.lockMode)")
    if days != expected_days:
        wrong.append(f"{days} days, expected {expected_days} (retention.archiveDays)")
    if wrong:
        return False, observed, "default retention: " + "; ".join(wrong)
    return True, observed, f"objects locked in {mode} mode for {days} days by default, as the stack file says"


def _encryption_verdict(s3: Any, bucket: str) -> Verdict:
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except ClientError as error:
        if error_code(error) not in S3_NOT_CONFIGURED:
            raise
        return False, {"sse_algorithm": None}, "no default encryption"
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    observed = {"sse_algorithm": default.get("SSEAlgorithm"), "kms_key_id": default.get("KMSMasterKeyID")}
    if str(observed["sse_algorithm"]).startswith("aws:kms") and observed["kms_key_id"]:
        return True, observed, "objects encrypted with the client's KMS key by default"
    return False, observed, "default encryption does not use the client's KMS key"


def _public_access_verdict(s3: Any, bucket: str) -> Verdict:
    settings = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    try:
        configuration = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except ClientError as error:
        if error_code(error) not in S3_NOT_CONFIGURED:
            raise
        configuration = {}
    observed = {setting: bool(configuration.get(setting)) for setting in settings}
    off = [setting for setting in settings if not observed[setting]]
    if off:
        return False, observed, "public access not blocked: " + ", ".join(off)
    return True, observed, "all four public access blocks on"


def _lifecycle_verdict(s3: Any, bucket: str, config: ClientConfig | None) -> Verdict:
    try:
        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    except ClientError as error:
        if error_code(error) not in S3_NOT_CONFIGURED:
            raise
        return False, {"rules": []}, "no lifecycle configuration: objects are kept forever"
    summaries = [
        {
            "id": rule.get("ID"),
            "whole_bucket": _applies_to_every_object(rule),
            "expiration_days": rule.get("Expiration", {}).get("Days"),
            "noncurrent_days": rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"),
        }
        for rule in rules
        if rule.get("Status") == "Enabled"
    ]
    # The baseline's shape: one rule over the whole bucket expires the current version after the
    # retention and removes it, now noncurrent, a day later.
    expiring = next((rule for rule in summaries if rule["whole_bucket"] and rule["expiration_days"]), None)
    actual_days = expiring["expiration_days"] if expiring else None
    actual_noncurrent = expiring["noncurrent_days"] if expiring else None
    noncurrent = {"expected": standards.NONCURRENT_VERSION_DAYS, "actual": actual_noncurrent}
    if config is not None:
        expected_days = config.retention.archive_retention_days
        expiration: dict[str, Any] = {"expected": expected_days, "actual": actual_days}
        days_ok = actual_days == expected_days
        days_wanted = f"{expected_days} days (retention.archiveDays)"
    else:
        allowed = (standards.ARCHIVE_RETENTION_DEFAULT_MIN_DAYS, standards.ARCHIVE_RETENTION_DEFAULT_MAX_DAYS)
        expiration = {"allowed": list(allowed), "actual": actual_days}
        days_ok = actual_days is not None and allowed[0] <= actual_days <= allowed[1]
        days_wanted = f"{allowed[0]}-{allowed[1]} days"
    observed = {"rules": summaries, "expiration_days": expiration, "noncurrent_days": noncurrent}
    if expiring is None:
        return False, observed, "no enabled lifecycle rule expires every object"
    wrong = []
    if not days_ok:
        wrong.append(f"objects expire after {actual_days} days, expected {days_wanted}")
    if actual_noncurrent != standards.NONCURRENT_VERSION_DAYS:
        wrong.append(
            f"noncurrent versions removed after {actual_noncurrent} days, "
            f"expected {standards.NONCURRENT_VERSION_DAYS}"
        )
    if wrong:
        return False, observed, "; ".join(wrong)
    return (
        True,
        observed,
        (
            f"objects expire after {actual_days} days, noncurrent versions "
            f"{standards.NONCURRENT_VERSION_DAYS} day later"
        ),
    )


def _applies_to_every_object(rule: dict[str, Any]) -> bool:
    """True for a rule without prefix, tag or size filter (S3 answers `Filter: {}` or an empty prefix)."""
    if rule.get("Prefix"):
        return False
    return all(not value for value in rule.get("Filter", {}).values())


def _trail_logging(cloudtrail: Any, arn: str) -> Verdict:
    logging = bool(cloudtrail.get_trail_status(Name=arn).get("IsLogging"))
    return logging, {"is_logging": logging}, "the trail is logging" if logging else "the trail is stopped"


def _trail_validation(trail: dict[str, Any]) -> Verdict:
    on = bool(trail.get("LogFileValidationEnabled"))
    return on, {"log_file_validation": on}, "log file validation on" if on else "log file validation off"


def _trail_kms(trail: dict[str, Any]) -> Verdict:
    key = trail.get("KmsKeyId")
    return (
        bool(key),
        {"kms_key_id": key},
        "log files encrypted with KMS" if key else "log files not encrypted with KMS",
    )


def _kms_rotation(kms: Any, arn: str) -> Verdict:
    status = kms.get_key_rotation_status(KeyId=arn)
    on = bool(status.get("KeyRotationEnabled"))
    observed = {"rotation": on, "rotation_period_days": status.get("RotationPeriodInDays")}
    return on, observed, "automatic rotation on" if on else "automatic rotation off"


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Reports


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for finding in findings:
        counts[finding.status] += 1
    return counts


def report_json(
    findings: list[Finding],
    *,
    client: str,
    region: str,
    started_at: datetime,
    finished_at: datetime,
    expected_from: str = PACK_DEFAULT_BOUNDS,
) -> dict[str, Any]:
    return {
        "tool": "toms audit",
        "toms_version": __version__,
        "client": client,
        "region": region,
        "expected_from": expected_from,
        "started_at": iso_utc(started_at),
        "finished_at": iso_utc(finished_at),
        "summary": summary(findings),
        "findings": [finding.to_json() for finding in findings],
    }


def report_markdown(report: dict[str, Any]) -> str:
    counts = report["summary"]
    lines = [
        f"# toms audit: {report['client']} in {report['region']}",
        "",
        f"toms {report['toms_version']}, from {report['started_at']} to {report['finished_at']}.",
        f"Expected values from {report['expected_from']}.",
        "",
        f"**{counts['PASS']} PASS, {counts['FAIL']} FAIL, {counts['ERROR']} ERROR**",
        "",
        "| Status | Check | Measures | Resource | Observed | Message |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for finding in report["findings"]:
        observed = ", ".join(f"{key}={json.dumps(value)}" for key, value in finding["observed"].items())
        cells = [
            finding["status"],
            finding["check"],
            ", ".join(finding["measures"]),
            f"`{finding['resource']}`",
            observed,
            finding["message"],
        ]
        lines.append("| " + " | ".join(_markdown_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


STATUS_STYLES = {"PASS": "green", "FAIL": "bold red", "ERROR": "bold yellow"}


def print_table(console: Console, report: dict[str, Any]) -> None:
    table = Table(title=f"toms audit: {report['client']} in {report['region']}", show_lines=False)
    table.add_column("Status", no_wrap=True)
    table.add_column("Check", no_wrap=True)
    table.add_column("Resource", overflow="fold")
    table.add_column("Message")
    for finding in report["findings"]:
        status = finding["status"]
        table.add_row(
            f"[{STATUS_STYLES[status]}]{status}[/]", finding["check"], finding["resource"], finding["message"]
        )
    if report["expected_from"] == PACK_DEFAULT_BOUNDS:
        console.print(
            f"No stack file for {report['client']}: retention, replicas and TLS policy are checked against "
            f"the {PACK_DEFAULT_BOUNDS}.",
            highlight=False,
        )
    else:
        console.print(f"Expected values from {report['expected_from']}.", highlight=False)
    console.print(table)
    counts = report["summary"]
    console.print(
        f"[green]{counts['PASS']} PASS[/], [red]{counts['FAIL']} FAIL[/], [yellow]{counts['ERROR']} ERROR[/]"
    )


# The command


@dataclass(frozen=True)
class Expectations:
    """Where the expected values come from (a stack file, or the pack's bounds), and the values."""

    source: str
    config: ClientConfig | None


class StackFileError(Exception):
    """A stack file the audit cannot compare with: exit 2 with the file, the key and what was expected."""


def load_expectations(client: str, given: Path | None) -> Expectations:
    """The client's stack file, validated by the program's own code: `given`, else the repository's
    `stacks/Pulumi.<client>.yaml` when it exists, else the pack's default bounds."""
    if given is None:
        shown = stack_file(client)
        path = REPOSITORY / shown
        if not path.is_file():
            return Expectations(PACK_DEFAULT_BOUNDS, None)
    else:
        path, shown = given, str(given)
    try:
        config = parse_client_config(read_stack_file(path), shown)
    except (ProjectFileError, StackConfigError) as error:
        raise StackFileError(str(error)) from None
    if config.client != client:
        raise StackFileError(
            f"{shown}: toms:client: the stack file is for {config.client!r}; expected {client!r} (--client)"
        )
    return Expectations(shown, config)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--region",
        help="AWS region of the client's stack (default: the stack file's aws:region, else AWS_REGION "
        "or the profile's)",
    )
    parser.add_argument("--client", required=True, help="client name, the value of the `client` tag")
    parser.add_argument(
        "--stack-file",
        type=Path,
        metavar="FILE",
        help="the client's Pulumi stack file to compare with (default: stacks/Pulumi.<client>.yaml of this "
        f"repository when it exists, else the {PACK_DEFAULT_BOUNDS})",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the findings as JSON evidence")
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="write the findings as a Markdown table"
    )


def run(args: argparse.Namespace) -> int:
    console = Console()
    if not args.client.strip():
        print("toms audit: error: --client must not be empty", file=sys.stderr)
        return 2
    try:
        expectations = load_expectations(args.client, args.stack_file)
    except StackFileError as error:
        print(f"toms audit: error: {error}", file=sys.stderr)
        return 2
    region = args.region
    if expectations.config is not None:
        if region is not None and region != expectations.config.region:
            print(
                f"toms audit: error: --region {region}: {expectations.source} deploys "
                f"{args.client} to {expectations.config.region}; expected that region or no --region",
                file=sys.stderr,
            )
            return 2
        region = expectations.config.region
    started_at = datetime.now(UTC)
    try:
        aws = AwsContext(region)
    except AwsSetupError as error:
        print(f"toms audit: error: {error}", file=sys.stderr)
        return 2
    findings = Audit(aws, args.client, expectations.config).run()
    report = report_json(
        findings,
        client=args.client,
        region=aws.region,
        expected_from=expectations.source,
        started_at=started_at,
        finished_at=datetime.now(UTC),
    )
    print_table(console, report)
    try:
        if args.json:
            args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        if args.markdown:
            args.markdown.write_text(report_markdown(report), encoding="utf-8")
    except OSError as error:
        print(f"toms audit: error: cannot write the report: {error}", file=sys.stderr)
        return 2
    counts = report["summary"]
    return 0 if counts["FAIL"] == 0 and counts["ERROR"] == 0 else 1
