"""RDS instances and clusters: encrypted with a customer key, private, redundant, backed up, recoverable."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Severity

from .. import standards
from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    Violation,
    as_list,
    bounds_check,
    describe,
    forbid_true,
    is_set_reference,
    require_customer_key,
    require_int_between,
    require_reference,
    require_true,
    resource_rule,
)

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_TYPES = (RDS_INSTANCE, RDS_CLUSTER)
# An Aurora cluster's instances carry their own `publiclyAccessible`; the cluster has none to set.
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"

# The CloudWatch Logs export that carries each engine family's server log.
ENGINE_LOG_EXPORTS: dict[str, str] = {
    "postgres": "postgresql",
    "aurora-postgresql": "postgresql",
    "mysql": "error",
    "aurora-mysql": "error",
    "mariadb": "error",
}


def _is_replica(resource: Resource) -> bool:
    return is_set_reference(resource.get("replicateSourceDb"))


@resource_rule(
    "rds-storage-encrypted-cmk",
    "RDS storage is encrypted with a customer-managed KMS key.",
    Severity.CRITICAL,
    "Set storageEncrypted: true and kmsKeyId to the client's KMS key ARN.",
    RDS_TYPES,
)
def storage_encrypted_cmk(resource: Resource, _: Settings) -> Iterator[Outcome]:
    # Encryption and its key are one measure: a database missing both gets one finding that names both.
    outcomes = [
        *require_true(resource, "storageEncrypted", "set storageEncrypted: true"),
        *require_customer_key(
            resource,
            "kmsKeyId",
            "set kmsKeyId to the client's customer-managed KMS key, not the AWS-managed key",
        ),
    ]
    problems = [outcome.message for outcome in outcomes if isinstance(outcome, Violation)]
    if problems:
        yield Violation("; and ".join(problems))
    yield from (outcome for outcome in outcomes if isinstance(outcome, Unverifiable))


@resource_rule(
    "rds-not-publicly-accessible",
    "RDS databases are not reachable from the internet.",
    Severity.CRITICAL,
    "Set publiclyAccessible: false and place the database in private subnets.",
    (*RDS_TYPES, RDS_CLUSTER_INSTANCE),
)
def not_publicly_accessible(resource: Resource, _: Settings) -> Iterator[Outcome]:
    yield from forbid_true(resource, "publiclyAccessible", "set publiclyAccessible: false")


@resource_rule(
    "rds-multi-az",
    "RDS databases run in more than one availability zone.",
    Severity.HIGH,
    "Set multiAz: true on instances; give clusters at least two availability zones.",
    RDS_TYPES,
)
def multi_az(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type == RDS_INSTANCE:
        yield from require_true(resource, "multiAz", "set multiAz: true so a standby takes over on failure")
        return
    zones = resource.get("availabilityZones")
    if zones is UNKNOWN:
        yield Unverifiable("availabilityZones")
        return
    listed = as_list(zones)
    if listed is None:
        yield Violation(f"availabilityZones is {describe(zones)}, expected a list of zones")
    elif len(listed) == 1:
        yield Violation("availabilityZones names a single zone: list at least two, or leave it unset")


@resource_rule(
    "rds-backup-retention",
    "RDS automated backups are kept for the client's configured number of days.",
    Severity.HIGH,
    "Set backupRetentionPeriod within the client's [minDays, maxDays] from the pack config.",
    RDS_TYPES,
    properties={
        "minDays": {
            "type": "integer",
            "minimum": standards.BACKUP_RETENTION_MIN_DAYS,
            "maximum": standards.BACKUP_RETENTION_MAX_DAYS,
            "default": standards.BACKUP_RETENTION_DEFAULT_MIN_DAYS,
        },
        "maxDays": {
            "type": "integer",
            "minimum": standards.BACKUP_RETENTION_MIN_DAYS,
            "maximum": standards.BACKUP_RETENTION_MAX_DAYS,
            "default": standards.BACKUP_RETENTION_MAX_DAYS,
        },
    },
    config_checks=(bounds_check("minDays", "maxDays"),),
)
def backup_retention(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    if resource.type == RDS_INSTANCE and _is_replica(resource):
        return
    yield from require_int_between(
        resource,
        "backupRetentionPeriod",
        settings.int("minDays"),
        settings.int("maxDays"),
        "the client's contract fixes how long restore points are kept",
    )


@resource_rule(
    "rds-deletion-protection",
    "RDS databases cannot be deleted by accident.",
    Severity.HIGH,
    "Set deletionProtection: true.",
    RDS_TYPES,
)
def deletion_protection(resource: Resource, _: Settings) -> Iterator[Outcome]:
    yield from require_true(resource, "deletionProtection", "set deletionProtection: true")


@resource_rule(
    "rds-final-snapshot",
    "Deleting an RDS database leaves a final snapshot.",
    Severity.HIGH,
    "Set skipFinalSnapshot: false and a finalSnapshotIdentifier.",
    RDS_TYPES,
)
def final_snapshot(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type == RDS_INSTANCE and _is_replica(resource):
        return
    skip = resource.get("skipFinalSnapshot")
    if skip is UNKNOWN:
        yield Unverifiable("skipFinalSnapshot")
    elif skip is True:
        yield Violation("skipFinalSnapshot is true: set it to false so deletion keeps a final snapshot")
    elif skip not in (False, MISSING):
        yield Violation(f"skipFinalSnapshot is {describe(skip)}, expected false")
    yield from require_reference(
        resource, "finalSnapshotIdentifier", "name the final snapshot (finalSnapshotIdentifier)"
    )


@resource_rule(
    "rds-iam-authentication",
    "RDS databases accept IAM authentication, so access follows the account and key of a person.",
    Severity.MEDIUM,
    "Set iamDatabaseAuthenticationEnabled: true.",
    RDS_TYPES,
)
def iam_authentication(resource: Resource, _: Settings) -> Iterator[Outcome]:
    yield from require_true(
        resource, "iamDatabaseAuthenticationEnabled", "set iamDatabaseAuthenticationEnabled: true"
    )


@resource_rule(
    "rds-no-plaintext-password",
    "No RDS master password appears in the program's inputs; RDS keeps it in Secrets Manager.",
    Severity.CRITICAL,
    "Remove password/masterPassword and set manageMasterUserPassword: true.",
    RDS_TYPES,
)
def no_plaintext_password(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type == RDS_INSTANCE and _is_replica(resource):
        return
    password_keys = (
        ("password", "passwordWo")
        if resource.type == RDS_INSTANCE
        else ("masterPassword", "masterPasswordWo")
    )
    for key in password_keys:
        if resource.get(key) is not MISSING:
            yield Violation(
                f"{key} is set: a password in the inputs ends up in the program and its state; "
                "remove it and set manageMasterUserPassword: true"
            )
    yield from require_true(
        resource, "manageMasterUserPassword", "set manageMasterUserPassword: true (Secrets Manager holds it)"
    )


@resource_rule(
    "rds-logs-exported",
    "RDS server logs are exported to CloudWatch Logs.",
    Severity.MEDIUM,
    "List the engine's server log in enabledCloudwatchLogsExports (postgresql for PostgreSQL).",
    RDS_TYPES,
)
def logs_exported(resource: Resource, _: Settings) -> Iterator[Outcome]:
    exports = resource.get("enabledCloudwatchLogsExports")
    if exports is UNKNOWN:
        yield Unverifiable("enabledCloudwatchLogsExports")
        return
    listed = as_list(exports)
    if listed is None:
        yield Violation(f"enabledCloudwatchLogsExports is {describe(exports)}, expected a list of log names")
        return
    if not listed:
        yield Violation("enabledCloudwatchLogsExports is empty: export the server log to CloudWatch Logs")
        return
    engine = resource.get("engine")
    required = ENGINE_LOG_EXPORTS.get(engine) if isinstance(engine, str) else None
    if required is not None and UNKNOWN not in listed and required not in listed:
        yield Violation(f"enabledCloudwatchLogsExports lacks {required!r}, the {engine} server log")
