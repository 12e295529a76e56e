"""CloudWatch Logs: the client's log groups, their retention, encryption and export."""

from __future__ import annotations

from typing import Any

from policies.toms_pack import standards
from toms import wording
from toms.live.checks import AuditContext, Resource, Verdict, check, discovers

SERVICE = "logs"
LOG_GROUP = "log group"


@discovers(SERVICE, LOG_GROUP, scope=lambda context: context.session.arn("logs", "log-group:*"))
def client_log_groups(context: AuditContext) -> list[Resource]:
    # The tagging API's type is `logs:log-group` (moto's: `logs:loggroup`); the service name matches both.
    arns = [arn.removesuffix(":*") for arn in context.tagged_arns("logs")]
    names = {arn.split(":log-group:", 1)[1]: arn for arn in arns if ":log-group:" in arn}
    if not names:
        return []
    pages = context.client_for("logs").get_paginator("describe_log_groups").paginate()
    groups = {group["logGroupName"]: group for page in pages for group in page["logGroups"]}
    # A tagged group that DescribeLogGroups does not list was deleted since: its checks see no settings.
    return [Resource(arn, groups.get(name, {"logGroupName": name})) for name, arn in sorted(names.items())]


@check(
    "log-group-retention",
    service=SERVICE,
    kind=LOG_GROUP,
    title="events kept for the stack file's retention, never forever",
)
def retention(context: AuditContext, resource: Resource) -> Verdict:
    days = resource.data.get("retentionInDays")
    config = context.expected
    if config is not None:
        expected = config.retention.log_days
        observed: dict[str, Any] = {"retention_in_days": {"expected": expected, "actual": days}}
        if days == expected:
            return Verdict(True, observed, f"events kept {wording.days(days)}, as retention.logDays says")
        kept = "events never expire" if days is None else f"events kept {wording.days(days)}"
        return Verdict(False, observed, f"{kept}; expected {expected} (retention.logDays)")
    allowed = (standards.LOG_RETENTION_DEFAULT_MIN_DAYS, standards.LOG_RETENTION_DEFAULT_MAX_DAYS)
    observed = {"retention_in_days": {"allowed": list(allowed), "actual": days}}
    if days is None:
        return Verdict(False, observed, "events never expire")
    if days in standards.CLOUDWATCH_RETENTION_DAYS and allowed[0] <= days <= allowed[1]:
        return Verdict(True, observed, f"events kept {wording.days(days)}")
    return Verdict(False, observed, f"events kept {wording.days(days)}, outside {allowed[0]}-{allowed[1]}")


@check(
    "log-group-kms", service=SERVICE, kind=LOG_GROUP, title="events encrypted with the client's own KMS key"
)
def kms(context: AuditContext, resource: Resource) -> Verdict:
    key = resource.data.get("kmsKeyId")
    observed = {"kms_key_id": key}
    if not key:
        return Verdict(False, observed, "not encrypted with a KMS key of the client")
    if not context.is_client_key(key):
        return Verdict(False, observed, "encrypted with a KMS key that is not the client's own key")
    return Verdict(True, observed, "encrypted with the client's key")


@check(
    "log-group-subscription",
    service=SERVICE,
    kind=LOG_GROUP,
    title="events exported off the server by a subscription filter",
)
def subscription(context: AuditContext, resource: Resource) -> Verdict:
    pages = (
        context.client_for("logs")
        .get_paginator("describe_subscription_filters")
        .paginate(logGroupName=resource.data["logGroupName"])
    )
    destinations = [item["destinationArn"] for page in pages for item in page["subscriptionFilters"]]
    observed: dict[str, Any] = {"subscription_destinations": destinations}
    streams = error_log_of(context, resource.data["logGroupName"])
    if streams:
        # The one exception the pack allows (log-group-exported): a stream's own delivery-error log.
        observed["delivery_errors_of"] = sorted(streams)
        looped = sorted(set(destinations) & set(streams.values()))
        if looped:
            return Verdict(False, observed, "a stream's error log is exported into that stream: it loops")
        return Verdict(
            True,
            observed,
            "a stream's own delivery-error log, kept out of the export so it cannot loop",
        )
    if not destinations:
        return Verdict(False, observed, "no subscription filter: events are not exported off the server")
    return Verdict(True, observed, "events are exported by a subscription filter")


def error_log_of(context: AuditContext, log_group_name: str) -> dict[str, str]:
    """The client's delivery streams (name -> ARN) that log their delivery errors into the log group."""
    firehose = context.client_for("firehose")
    names = [
        name
        for name in firehose.list_delivery_streams(Limit=10000)["DeliveryStreamNames"]
        if name.startswith(f"toms-{context.client}-")
    ]
    streams = {}
    for name in names:
        description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        for destination in description.get("Destinations", []):
            s3 = destination.get("ExtendedS3DestinationDescription", {})
            logging = s3.get("CloudWatchLoggingOptions", {})
            if logging.get("Enabled") and logging.get("LogGroupName") == log_group_name:
                streams[name] = description["DeliveryStreamARN"]
    return streams
