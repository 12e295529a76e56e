"""Event logging: log groups kept for a predetermined time and encrypted; a tamper-evident trail."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Severity

from .. import standards
from ..kit import (
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    Violation,
    as_int,
    bounds_check,
    describe,
    require_customer_key,
    require_true,
    resource_rule,
)

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
CLOUDTRAIL = "aws:cloudtrail/trail:Trail"

_RETENTION_DAYS = {"type": "integer", "enum": list(standards.CLOUDWATCH_RETENTION_DAYS)}


@resource_rule(
    "log-group-retention",
    "Log groups keep events for the client's predetermined time: set, never 'never expire', within bounds.",
    Severity.HIGH,
    "Set retentionInDays to the client's log retention, within [minDays, maxDays] of the pack config.",
    (LOG_GROUP,),
    properties={
        "minDays": {**_RETENTION_DAYS, "default": standards.LOG_RETENTION_DEFAULT_MIN_DAYS},
        "maxDays": {**_RETENTION_DAYS, "default": standards.LOG_RETENTION_DEFAULT_MAX_DAYS},
    },
    config_checks=(bounds_check("minDays", "maxDays"),),
)
def retention(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    value = resource.get("retentionInDays")
    if value is UNKNOWN:
        yield Unverifiable("retentionInDays")
        return
    days = as_int(value)
    low, high = settings.int("minDays"), settings.int("maxDays")
    if days is None or days == 0:
        yield Violation(
            f"retentionInDays is {describe(value)}: logs would be kept forever; "
            f"set a retention between {low} and {high} days"
        )
    elif days not in standards.CLOUDWATCH_RETENTION_DAYS:
        yield Violation(f"retentionInDays is {days}, which CloudWatch Logs does not accept")
    elif not low <= days <= high:
        yield Violation(f"retentionInDays is {days}, expected between {low} and {high} days for this client")


@resource_rule(
    "log-group-kms",
    "Log groups are encrypted with a customer-managed KMS key.",
    Severity.MEDIUM,
    "Set kmsKeyId to the client's KMS key ARN.",
    (LOG_GROUP,),
)
def log_group_kms(resource: Resource, _: Settings) -> Iterator[Outcome]:
    yield from require_customer_key(
        resource, "kmsKeyId", "set kmsKeyId to the client's customer-managed KMS key ARN"
    )


@resource_rule(
    "cloudtrail-secure",
    "CloudTrail trails validate log files, encrypt with KMS and cover every region.",
    Severity.HIGH,
    "Set enableLogFileValidation: true, kmsKeyId and isMultiRegionTrail: true.",
    (CLOUDTRAIL,),
)
def cloudtrail_secure(resource: Resource, _: Settings) -> Iterator[Outcome]:
    yield from require_true(resource, "enableLogFileValidation", "set enableLogFileValidation: true")
    yield from require_customer_key(
        resource, "kmsKeyId", "encrypt the trail with the client's customer-managed KMS key"
    )
    yield from require_true(resource, "isMultiRegionTrail", "set isMultiRegionTrail: true")
    logging = resource.get("enableLogging")
    if logging is UNKNOWN:
        yield Unverifiable("enableLogging")
    elif logging is False:
        yield Violation("enableLogging is false: the trail must record events")
