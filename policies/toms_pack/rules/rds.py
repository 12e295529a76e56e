"""RDS instances and clusters: encrypted with a customer key, private, redundant, backed up, recoverable."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
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
    bounds_check,
    describe,
    forbid_true,
    is_set_reference,
    list_items,
    lookup,
    require_customer_key,
    require_int_between,
    require_reference,
    require_true,
    resource_rule,
    stack_rule,
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


def storage_encryption(resource: Resource, where: str = "") -> list[Violation | Unverifiable]:
    """Whether an RDS instance or cluster is encrypted with the client's key: one violation naming every
    problem (encryption and its key are one measure), and what is unknown. `where` prefixes the paths."""
    outcomes = [
        *require_true(resource, "storageEncrypted", "set storageEncrypted: true"),
        *require_customer_key(
            resource,
            "kmsKeyId",
            "set kmsKeyId to the client's customer-managed KMS key, not the AWS-managed key",
        ),
    ]
    problems = [f"{where}{outcome.message}" for outcome in outcomes if isinstance(outcome, Violation)]
    unknown = [
        Unverifiable(f"{where}{outcome.path}") for outcome in outcomes if isinstance(outcome, Unverifiable)
    ]
    return [Violation("; and ".join(problems))] if problems else [*unknown]


@resource_rule(
    "rds-storage-encrypted-cmk",
    "RDS storage is encrypted with a customer-managed KMS key.",
    Severity.CRITICAL,
    "Set storageEncrypted: true and kmsKeyId to the client's KMS key ARN.",
    RDS_TYPES,
)
def storage_encrypted_cmk(resource: Resource, _: Settings) -> Iterator[Outcome]:
    yield from storage_encryption(resource)


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
    # The count decides, whatever the zones' names: one entry, known or not, names a single zone.
    zones = list_items(resource.get("availabilityZones"), "availabilityZones", "zones")
    if zones.problem is not None:
        yield zones.problem
    elif len(zones) == 1:
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
    exports = list_items(
        resource.get("enabledCloudwatchLogsExports"), "enabledCloudwatchLogsExports", "log names"
    )
    if exports.problem is None and not exports:
        yield Violation("enabledCloudwatchLogsExports is empty: export the server log to CloudWatch Logs")
        return
    engine = resource.get("engine")
    required = ENGINE_LOG_EXPORTS.get(engine) if isinstance(engine, str) else None
    if required is None:
        yield from exports.unverifiable()
    else:
        yield from exports.require_all([required], f"export the {engine} server log to CloudWatch Logs")


OPTION_GROUP = "aws:rds/optionGroup:OptionGroup"
# Options that serve the database's data over a protocol without encryption or authentication.
PLAINTEXT_OPTIONS: dict[str, str] = {
    "MEMCACHED": "serves InnoDB tables over the memcached protocol, in plain text and without a password",
}
# Options that copy the database's data to S3 through a role, past the database's own key and access.
EXPORT_OPTIONS: dict[str, str] = {
    "S3_INTEGRATION": "lets the database read and write S3 objects through a role (Oracle)",
    "SQLSERVER_BACKUP_RESTORE": "writes native backups to any S3 bucket its role may reach (SQL Server)",
}
# Oracle option settings that must hold a value refusing clients without encryption, and what that is.
REQUIRED_SETTINGS: dict[str, dict[str, str]] = {
    "NATIVE_NETWORK_ENCRYPTION": {
        "SQLNET.ENCRYPTION_SERVER": "REQUIRED",
        "SQLNET.CRYPTO_CHECKSUM_SERVER": "REQUIRED",
    },
}
ORACLE_SSL = "SSL"
ORACLE_SSL_VERSION = "SQLNET.SSL_VERSION"


def _accepts_only_modern_tls(version: Any) -> bool:
    """Whether an SQLNET.SSL_VERSION value ("1.2", "1.2 or 1.0"...) names only TLS 1.2 and later."""
    versions = set(re.findall(r"\d\.\d", version)) if isinstance(version, str) else set()
    return bool(versions) and versions <= {"1.2", "1.3"}


def _is(expected: str) -> Callable[[Any], bool]:
    """A test that a setting's value is `expected`, in any case."""
    return lambda value: str(value).upper() == expected


def _option(where: str, option: Any) -> Iterator[Outcome]:
    name = lookup(option, "optionName")
    if name is UNKNOWN:
        yield Unverifiable(f"{where}.optionName")
        return
    if not isinstance(name, str):
        yield Violation(f"{where} is {describe(option)}, expected an option with an optionName")
        return
    name = name.upper()
    if name in PLAINTEXT_OPTIONS:
        yield Violation(f"{where} is {name}: it {PLAINTEXT_OPTIONS[name]}; remove it")
    if name in EXPORT_OPTIONS:
        yield Violation(
            f"{where} is {name}: it {EXPORT_OPTIONS[name]}; remove it, or waive this finding with a reason "
            "and an expiry once the role's buckets are reviewed"
        )
    if name not in REQUIRED_SETTINGS and name != ORACLE_SSL:
        return
    settings = list_items(lookup(option, "optionSettings"), f"{where}.optionSettings", "name/value settings")
    if settings.problem is not None:
        yield settings.problem
        return
    for setting, expected in REQUIRED_SETTINGS.get(name, {}).items():
        value = settings.setting(setting, _is(expected), any_case=True)
        if value is UNKNOWN:
            yield Unverifiable(f"{where}.optionSettings")
        elif str(value).upper() != expected:
            shown = (
                "not set (REQUESTED: clients without encryption are accepted)"
                if value is MISSING
                else describe(value)
            )
            yield Violation(f"{name} {setting} is {shown}: set it to {expected}")
    if name == ORACLE_SSL:
        version = settings.setting(ORACLE_SSL_VERSION, _accepts_only_modern_tls, any_case=True)
        if version is UNKNOWN:
            yield Unverifiable(f"{where}.optionSettings")
        elif not _accepts_only_modern_tls(version):
            shown = "not set (the default accepts TLS 1.0)" if version is MISSING else describe(version)
            yield Violation(f"SSL {ORACLE_SSL_VERSION} is {shown}: set it to 1.2")


@resource_rule(
    "rds-option-group-secure",
    "RDS option groups open no plain-text listener, refuse Oracle clients without encryption or on TLS "
    "before 1.2, and add no option that copies data to S3 unreviewed.",
    Severity.CRITICAL,
    "Remove MEMCACHED; set NATIVE_NETWORK_ENCRYPTION's SQLNET.ENCRYPTION_SERVER and "
    "SQLNET.CRYPTO_CHECKSUM_SERVER to REQUIRED and SSL's SQLNET.SSL_VERSION to 1.2; remove S3_INTEGRATION "
    "and SQLSERVER_BACKUP_RESTORE, or waive them with a reason and an expiry.",
    (OPTION_GROUP,),
)
def option_group_secure(resource: Resource, _: Settings) -> Iterator[Outcome]:
    yield from list_items(resource.get("options"), "options", "options").each(_option)


# --- snapshots -----------------------------------------------------------------------------------------

RDS_SNAPSHOT = "aws:rds/snapshot:Snapshot"
RDS_CLUSTER_SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"
# Snapshot type -> (its input naming the source, the source's type, the source outputs that input equals).
SNAPSHOT_SOURCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    RDS_SNAPSHOT: ("dbInstanceIdentifier", RDS_INSTANCE, ("identifier",)),
    RDS_CLUSTER_SNAPSHOT: ("dbClusterIdentifier", RDS_CLUSTER, ("clusterIdentifier", "id")),
}


@stack_rule(
    "rds-snapshot-encrypted-cmk",
    "RDS DB and cluster snapshots are encrypted with the client's key: their source is a database of this "
    "stack encrypted with it.",
    Severity.CRITICAL,
    "Snapshot only databases declared in this stack, with storageEncrypted: true and kmsKeyId set to the "
    "client's customer-managed key, passing the database's own identifier output. A snapshot of a "
    "database outside the stack cannot be verified: copy it with aws.rds.SnapshotCopy (or "
    "ClusterSnapshotCopy) and kmsKeyId set to the client's key instead.",
    types=tuple(SNAPSHOT_SOURCES),
)
def snapshot_encrypted_cmk(stack: Stack, _: Settings) -> Iterator[Outcome]:
    for kind, (key, source_type, match_on) in SNAPSHOT_SOURCES.items():
        for snapshot in stack.of_type(kind):
            found, undecided = stack.references(snapshot, key, stack.of_type(source_type), match_on)
            if found:
                for outcome in storage_encryption(found[0], f"{found[0].name}."):
                    if isinstance(outcome, Violation):
                        yield Violation(
                            f"snapshot {snapshot.name} is of {found[0].name}, which is not encrypted with "
                            f"the client's key ({outcome.message}): a snapshot keeps its source's encryption",
                            snapshot,
                        )
                    else:
                        yield Unverifiable(outcome.path, snapshot)
            elif undecided or snapshot.get(key) is UNKNOWN:
                yield Unverifiable(key, snapshot)
            else:
                yield Violation(
                    f"snapshot {snapshot.name}: its {key} {describe(snapshot.get(key))} is not a database of "
                    "this stack, so its encryption with the client's key cannot be verified in preview: "
                    "snapshot the database in the stack that declares it, or make an encrypted copy with "
                    f"aws.rds.{'SnapshotCopy' if kind == RDS_SNAPSHOT else 'ClusterSnapshotCopy'} and "
                    "kmsKeyId set to the client's key",
                    snapshot,
                )
