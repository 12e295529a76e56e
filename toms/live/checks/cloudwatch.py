"""CloudWatch alarms: the client's alert topic, encrypted with the client key, and every alarm the baseline
makes (`standards.BASELINE_ALARMS`, named `toms-<client>-<purpose>`) present, enabled and notifying it."""

from __future__ import annotations

from collections.abc import Iterator

from policies.toms_pack import standards
from toms.live.checks import AuditContext, ItemVerdict, Resource, Verdict, batches, check, discovers

SERVICE = "cloudwatch"
TOPIC = "alert topic"
# DescribeAlarms takes at most 100 names a call.
ALARM_NAMES_PER_CALL = 100


def alert_topic_name(client: str) -> str:
    return f"toms-{client}-{standards.ALERT_TOPIC_PURPOSE}"


@discovers(SERVICE, TOPIC, scope=lambda context: context.session.arn("sns", alert_topic_name(context.client)))
def alert_topics(context: AuditContext) -> list[Resource]:
    sns = context.client_for("sns")
    name = alert_topic_name(context.client)
    arns = [
        topic["TopicArn"]
        for page in sns.get_paginator("list_topics").paginate()
        for topic in page["Topics"]
        if topic["TopicArn"].rsplit(":", 1)[-1] == name
    ]
    return [Resource(arn, sns.get_topic_attributes(TopicArn=arn)["Attributes"]) for arn in arns]


@check(
    "alert-topic-encrypted", service=SERVICE, kind=TOPIC, title="alerts encrypted with the client's own key"
)
def topic_encrypted(context: AuditContext, resource: Resource) -> Verdict:
    key = resource.data.get("KmsMasterKeyId")
    observed = {"kms_master_key_id": key}
    if context.is_client_key(key):
        return Verdict(True, observed, "encrypted with the client's own KMS key")
    return Verdict(False, observed, "not encrypted with a KMS key of the client")


@check(
    "alarms-enabled",
    service=SERVICE,
    kind=TOPIC,
    title="every baseline alarm exists, has its actions enabled and notifies the alert topic",
    per_item=True,
)
def alarms_enabled(context: AuditContext, resource: Resource) -> Iterator[ItemVerdict]:
    names = [f"toms-{context.client}-{purpose}" for purpose in standards.BASELINE_ALARMS]
    cloudwatch = context.client_for("cloudwatch")
    found = {
        alarm["AlarmName"]: alarm
        for batch in batches(names, ALARM_NAMES_PER_CALL)
        for page in cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNames=batch, AlarmTypes=["MetricAlarm"]
        )
        for alarm in page["MetricAlarms"]
    }
    for name in names:
        alarm = found.get(name)
        if alarm is None:
            arn = context.session.arn("cloudwatch", f"alarm:{name}")
            yield ItemVerdict(arn, Verdict(False, {"exists": False}, f"alarm {name} does not exist"))
            continue
        enabled = bool(alarm.get("ActionsEnabled"))
        notifies = resource.arn in alarm.get("AlarmActions", [])
        observed = {
            "exists": True,
            "actions_enabled": enabled,
            "alarm_actions": alarm.get("AlarmActions", []),
        }
        if enabled and notifies:
            verdict = Verdict(True, observed, "enabled, notifies the alert topic")
        elif not enabled:
            verdict = Verdict(False, observed, "its actions are disabled: it notifies no one")
        else:
            verdict = Verdict(False, observed, "does not notify the client's alert topic")
        yield ItemVerdict(alarm["AlarmArn"], verdict)
