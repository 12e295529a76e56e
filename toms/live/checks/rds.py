"""RDS: the client's database instances, their encryption, TLS, availability and backups."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from components.config import ClientConfig
from policies.toms_pack import standards
from toms import wording
from toms.live.checks import AuditContext, Resource, Verdict, check, discovers
from toms.live.session import iso_utc, tags_to_dict

SERVICE = "rds"
INSTANCE = "RDS instance"

# Automated backups run daily; two hours on top of the day absorb a backup window that moved or ran long.
SNAPSHOT_MAX_AGE = timedelta(hours=26)


@discovers(SERVICE, INSTANCE, scope=lambda context: context.session.arn("rds", "db:*"))
def client_instances(context: AuditContext) -> list[Resource]:
    pages = context.client_for("rds").get_paginator("describe_db_instances").paginate()
    return [
        Resource(instance["DBInstanceArn"], instance)
        for page in pages
        for instance in page["DBInstances"]
        if context.is_client_resource(tags_to_dict(instance.get("TagList")))
    ]


@check(
    "rds-encryption", service=SERVICE, kind=INSTANCE, title="storage encrypted with the client's own KMS key"
)
def encryption(context: AuditContext, resource: Resource) -> Verdict:
    instance = resource.data
    encrypted = bool(instance.get("StorageEncrypted"))
    key_id = instance.get("KmsKeyId")
    observed: dict[str, Any] = {"storage_encrypted": encrypted, "kms_key_id": key_id}
    if not encrypted or not key_id:
        return Verdict(False, observed, "storage is not encrypted")
    if not context.is_client_key(key_id):
        return Verdict(False, observed, "encrypted with a key that is not the client's own key")
    return Verdict(True, observed, "encrypted with the client's customer managed key")


@check(
    "rds-force-ssl",
    service=SERVICE,
    kind=INSTANCE,
    title="the parameter group refuses connections without TLS",
)
def force_ssl(context: AuditContext, resource: Resource) -> Verdict:
    instance = resource.data
    engine = str(instance.get("Engine", ""))
    family = next((family for family in standards.TLS_PARAMETERS if family in engine), None)
    if family is None:
        return Verdict(False, {"engine": engine}, f"no known parameter forces TLS on engine {engine!r}")
    name, accepted = standards.TLS_PARAMETERS[family]
    groups = [group["DBParameterGroupName"] for group in instance.get("DBParameterGroups", [])]
    values: dict[str, Any] = {}
    rds = context.client_for("rds")
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
        return Verdict(True, observed, f"{name} = {'/'.join(accepted)}: connections without TLS are refused")
    return Verdict(
        False, observed, f"{name} is not {'/'.join(accepted)}: connections without TLS are accepted"
    )


@check(
    "rds-multi-az", service=SERVICE, kind=INSTANCE, title="a standby in a second zone, as the stack file says"
)
def multi_az(context: AuditContext, resource: Resource) -> Verdict:
    return multi_az_verdict(resource.data, context.expected)


def multi_az_verdict(instance: Any, config: ClientConfig | None) -> Verdict:
    # Without a stack file, the program's default (a standby in a second zone) is what is expected.
    expected = config.database.multi_az if config is not None else True
    actual = bool(instance.get("MultiAZ"))
    observed = {"multi_az": {"expected": expected, "actual": actual}}
    where = "standby in a second zone" if actual else "single-AZ instance"
    if actual == expected:
        return Verdict(True, observed, where)
    return Verdict(
        False, observed, f"{where}; expected {'Multi-AZ' if expected else 'single-AZ'} (database.multiAz)"
    )


@check(
    "rds-backup-retention",
    service=SERVICE,
    kind=INSTANCE,
    title="automated backups kept as the stack file says",
)
def backup_retention(context: AuditContext, resource: Resource) -> Verdict:
    days = int(resource.data.get("BackupRetentionPeriod", 0))
    config = context.expected
    if config is not None:
        expected = config.retention.backup_days
        observed: dict[str, Any] = {"backup_retention_days": {"expected": expected, "actual": days}}
        if days == expected:
            return Verdict(
                True, observed, f"automated backups kept {wording.days(days)}, as retention.backupDays says"
            )
        if days == 0:
            return Verdict(
                False,
                observed,
                f"automated backups are off; expected {wording.days(expected)} (retention.backupDays)",
            )
        return Verdict(
            False, observed, f"backups kept {wording.days(days)}; expected {expected} (retention.backupDays)"
        )
    allowed = (standards.BACKUP_RETENTION_DEFAULT_MIN_DAYS, standards.BACKUP_RETENTION_MAX_DAYS)
    observed = {"backup_retention_days": {"allowed": list(allowed), "actual": days}}
    if allowed[0] <= days <= allowed[1]:
        return Verdict(True, observed, f"automated backups kept {wording.days(days)}")
    if days == 0:
        return Verdict(False, observed, "automated backups are off")
    return Verdict(False, observed, f"backups kept {wording.days(days)}, outside {allowed[0]}-{allowed[1]}")


@check("rds-deletion-protection", service=SERVICE, kind=INSTANCE, title="deletion protection on")
def deletion_protection(context: AuditContext, resource: Resource) -> Verdict:
    on = bool(resource.data.get("DeletionProtection"))
    return Verdict(
        on, {"deletion_protection": on}, "deletion protection on" if on else "deletion protection off"
    )


@check(
    "rds-recent-snapshot",
    service=SERVICE,
    kind=INSTANCE,
    title="an automated snapshot taken within the last day",
)
def recent_snapshot(context: AuditContext, resource: Resource) -> Verdict:
    pages = (
        context.client_for("rds")
        .get_paginator("describe_db_snapshots")
        .paginate(DBInstanceIdentifier=resource.data["DBInstanceIdentifier"], SnapshotType="automated")
    )
    snapshots = [
        snapshot
        for page in pages
        for snapshot in page["DBSnapshots"]
        if snapshot.get("Status") == "available" and snapshot.get("SnapshotCreateTime")
    ]
    if not snapshots:
        return Verdict(False, {"newest_snapshot": None}, "no available automated snapshot")
    newest = max(snapshots, key=lambda snapshot: snapshot["SnapshotCreateTime"])
    age = context.now() - newest["SnapshotCreateTime"]
    observed = {
        "newest_snapshot": newest["DBSnapshotIdentifier"],
        "created_at": iso_utc(newest["SnapshotCreateTime"]),
        "age_hours": round(age.total_seconds() / 3600, 1),
        "max_age_hours": SNAPSHOT_MAX_AGE.total_seconds() / 3600,
    }
    if age > SNAPSHOT_MAX_AGE:
        return Verdict(False, observed, f"newest automated snapshot is {observed['age_hours']} hours old")
    return Verdict(True, observed, "an automated snapshot was taken within the last day")
