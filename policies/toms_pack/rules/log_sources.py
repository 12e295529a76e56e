"""Where logs come from: trails record every management event, every log group AWS would create on its own
is declared in the stack (so its retention, key and export are judged), and subscription filters ship
every event to the archive.

A log group AWS creates implicitly (ECS `awslogs-create-group`, a Lambda function's `/aws/lambda/<name>`,
an RDS export's `/aws/rds/instance/<id>/<log>`, a VPC flow log's destination) never expires, is encrypted
with no customer key and is exported nowhere: none of the log-group policies ever sees it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from ..kit import (
    MISSING,
    UNKNOWN,
    Items,
    Outcome,
    Resource,
    Settings,
    Stack,
    Unverifiable,
    Violation,
    describe,
    list_items,
    lookup,
    resource_rule,
    stack_rule,
)
from .ecs import ECS_TASK_DEFINITION
from .logs import CLOUDTRAIL, LOG_GROUP
from .s3 import ARCHIVE_CLASSIFICATIONS, BUCKETS, is_archive
from .stack import DELIVERY_STREAM

LAMBDA_FUNCTION = "aws:lambda/function:Function"
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
SUBSCRIPTION_FILTER = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"

# --- trails --------------------------------------------------------------------------------------------


_EVENT_LOG = "the annex's event log must include who changed what"


def _classic_selectors(selectors: Items) -> Iterator[Outcome]:
    """Classic event selectors must record read and write management events of every source: the kinds
    the known selectors record add up; an unknown selector (or part) may record the missing kind."""
    kinds: set[str] = set()
    undecided: list[str] = list(selectors.unknown)
    for where, selector in selectors.known:
        include, kind = lookup(selector, "includeManagementEvents"), lookup(selector, "readWriteType")
        key = f"{where}.excludeManagementEventSources"
        excluded = list_items(lookup(selector, "excludeManagementEventSources"), key, "sources")
        if include is False:
            continue
        if isinstance(excluded.problem, Violation):
            yield excluded.problem
            return
        if excluded.problem is None and excluded:
            yield Violation(f"{key} leaves out some management events: {_EVENT_LOG}")
            return
        if UNKNOWN in (include, kind) or excluded.problem is not None:
            undecided.append(where)
        else:
            kinds |= {"ReadOnly", "WriteOnly"} if kind in (MISSING, "All") else {str(kind)}
    missing = {"ReadOnly", "WriteOnly"} - kinds
    if missing and undecided:
        yield from (Unverifiable(path) for path in undecided)
    elif missing:
        which = (
            "any" if missing == {"ReadOnly", "WriteOnly"} else ("read" if "ReadOnly" in missing else "write")
        )
        yield Violation(f"eventSelectors record no {which} management events: {_EVENT_LOG}")


def _selects_every_management_event(selector: Any) -> Any:
    """True for an advanced selector of eventCategory Management alone; UNKNOWN while a part is unknown."""
    fields = list_items(lookup(selector, "fieldSelectors"), "fieldSelectors", "field selectors")
    names = [lookup(field, "field") for field in fields.values]
    if fields.undecided or UNKNOWN in names:
        return UNKNOWN  # an unknown field may narrow the selector
    if names != ["eventCategory"]:
        return False
    equals = list_items(lookup(fields.values[0], "equals"), "equals", "values")
    if equals.undecided:
        return UNKNOWN
    return equals.problem is None and equals.values == ["Management"]


@resource_rule(
    "cloudtrail-management-events",
    "Trails record read and write management events of every service, in all regions.",
    Severity.HIGH,
    "Leave eventSelectors unset, or include a selector with includeManagementEvents: true and "
    "readWriteType All (no excluded sources); with advanced selectors, one selecting eventCategory "
    "Management only. Set isMultiRegionTrail and includeGlobalServiceEvents.",
    (CLOUDTRAIL,),
)
def management_events(resource: Resource, _: Settings) -> Iterator[Outcome]:
    for key in ("isMultiRegionTrail", "includeGlobalServiceEvents"):
        value = resource.get(key)
        if value is UNKNOWN:
            yield Unverifiable(key)
        elif value is False or (key == "isMultiRegionTrail" and value is MISSING):
            yield Violation(f"{key} is {describe(value)}: the trail misses events outside its region")
    # Advanced selectors, when there are any, replace the classic ones; with neither, AWS records all
    # management events.
    advanced = list_items(resource.get("advancedEventSelectors"), "advancedEventSelectors", "selectors")
    classic = list_items(resource.get("eventSelectors"), "eventSelectors", "selectors")
    if advanced.problem is not None:
        yield advanced.problem
    elif advanced:
        yield from advanced.some(
            _selects_every_management_event,
            "advancedEventSelectors have no selector for every management event (eventCategory Management "
            f"alone): {_EVENT_LOG}",
        )
    elif classic.problem is not None:
        yield classic.problem
    elif classic:
        yield from _classic_selectors(classic)


# --- subscription filters ------------------------------------------------------------------------------


@resource_rule(
    "log-subscription-ships-everything",
    "Subscription filters ship every event (empty pattern) to the archive.",
    Severity.HIGH,
    'Set filterPattern to "" so every event reaches the archive.',
    (SUBSCRIPTION_FILTER,),
)
def ships_everything(resource: Resource, _: Settings) -> Iterator[Outcome]:
    pattern = resource.get("filterPattern")
    if pattern is UNKNOWN:
        yield Unverifiable("filterPattern")
    elif pattern not in ("", MISSING):
        yield Violation(
            f"filterPattern is {describe(pattern)}: events it does not match never reach the archive; "
            'set it to ""'
        )


def _writes_to(stack: Stack, stream: Resource, bucket: Resource) -> Any:
    """Whether the stream's S3 destination is the bucket: its ARN built from the bucket's name, or joined
    by value (`Stack.joins`); True, False or UNKNOWN."""
    arn = stream.get("extendedS3Configuration", "bucketArn")
    name = bucket.get("bucket")
    if isinstance(arn, str) and isinstance(name, str) and _BUCKET_ARN.fullmatch(arn):
        return arn.rsplit(":", 1)[1] == name
    return stack.joins(stream, "extendedS3Configuration", bucket, ("arn",), arn)


_BUCKET_ARN = re.compile(r"arn:aws[a-z-]*:s3:::[^:/]+")


def archive_streams(stack: Stack, settings: Settings) -> tuple[list[Resource], list[Resource]]:
    """The stack's Firehose streams that write to one of its archive buckets, and those that may (a value
    unknown in preview that cannot be joined to one bucket)."""
    archives = [bucket for bucket in stack.of_type(*BUCKETS) if is_archive(bucket, settings)]
    writing: list[Resource] = []
    undecided: list[Resource] = []
    for stream in stack.of_type(DELIVERY_STREAM):
        destination = stream.get("destination")
        if destination not in (UNKNOWN, "extended_s3"):
            continue
        verdicts = [_writes_to(stack, stream, bucket) for bucket in archives]
        if destination == "extended_s3" and True in verdicts:
            writing.append(stream)
        elif UNKNOWN in verdicts or (destination is UNKNOWN and archives):
            undecided.append(stream)
    return writing, undecided


@stack_rule(
    "log-subscription-to-archive",
    "Subscription filters send their events to the archive: a Firehose stream of this stack that writes to "
    "its archive bucket.",
    Severity.HIGH,
    "Set destinationArn to the arn output of the stack's archive delivery stream (an "
    "aws.kinesis.FirehoseDeliveryStream with destination extended_s3 whose bucketArn is the archive "
    "bucket's), not to another stream, function or account.",
    types=(SUBSCRIPTION_FILTER, DELIVERY_STREAM),
    shared=(ARCHIVE_CLASSIFICATIONS,),
)
def subscription_to_archive(stack: Stack, settings: Settings) -> Iterator[Outcome]:
    writing, undecided = archive_streams(stack, settings)
    for subscription in stack.of_type(SUBSCRIPTION_FILTER):
        destination = subscription.get("destinationArn")
        if destination is MISSING:
            yield Violation(
                f"subscription filter {subscription.name} has no destinationArn: its events reach no archive",
                subscription,
            )
            continue
        found, maybe = stack.references(subscription, "destinationArn", writing + undecided, ("arn",))
        if any(stream in writing for stream in found):
            continue
        if found:
            yield Unverifiable(f"{found[0].name}.extendedS3Configuration.bucketArn", subscription)
        elif maybe:
            yield Unverifiable("destinationArn", subscription)
        else:
            archive = (
                "the stack's archive delivery stream, " + ", ".join(stream.name for stream in writing)
                if writing
                else "a Firehose stream of this stack writing to an archive bucket (there is none)"
            )
            yield Violation(
                f"subscription filter {subscription.name} sends to {describe(destination)}, not to "
                f"{archive}: its events may never reach the archive; set destinationArn to the archive "
                "stream's arn",
                subscription,
            )


# --- implicit log groups -------------------------------------------------------------------------------


def _declared_names(stack: Stack) -> set[Any]:
    return {group.get("name") for group in stack.of_type(LOG_GROUP)}


def _declared(stack: Stack, source: Resource, key: str, name: Any, declared: set[Any]) -> bool | None:
    """True when `name` (the value at `key`) is a log group of the stack; None when it cannot be known."""
    if name in declared and isinstance(name, str):
        return True
    groups, undecided = stack.references(source, key, stack.of_type(LOG_GROUP), ("name", "arn"), name)
    if groups:
        return True
    return None if undecided else False


def _task_groups(stack: Stack, task: Resource, declared: set[Any]) -> Iterator[Outcome]:
    raw = task.get("containerDefinitions")
    if raw is UNKNOWN:
        yield Unverifiable("containerDefinitions", task)
        return
    try:
        containers = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return  # ecs-task-log-configuration reports definitions that are not JSON
    for container in containers if isinstance(containers, list) else []:
        options = lookup(container, "logConfiguration", "options")
        if lookup(container, "logConfiguration", "logDriver") != "awslogs" or not isinstance(
            options, Mapping
        ):
            continue
        label = f"{task.name}: container {lookup(container, 'name')!r}"
        if str(options.get("awslogs-create-group", "")).lower() == "true":
            yield Violation(
                f"{label} sets awslogs-create-group: AWS creates the group without retention, key or "
                "export; declare the log group in the stack and drop the option",
                task,
            )
        group = options.get("awslogs-group")
        if group not in declared:
            yield Violation(
                f"{label} logs to {describe(group if group is not None else MISSING)}, which is not a log "
                "group of this stack: declare it (aws.cloudwatch.LogGroup) so its retention, key and "
                "export are judged",
                task,
            )


def _function_group(stack: Stack, function: Resource, declared: set[Any]) -> Iterator[Outcome]:
    configured = function.get("loggingConfig", "logGroup")
    if configured is not MISSING:
        found = _declared(stack, function, "loggingConfig", configured, declared)
        if found is None:
            yield Unverifiable("loggingConfig.logGroup", function)
        elif not found:
            yield Violation(
                f"{function.name}: loggingConfig.logGroup {describe(configured)} is not a log group of this "
                "stack: declare it so its retention, key and export are judged",
                function,
            )
        return
    name = function.get("name")
    if name is UNKNOWN:
        yield Unverifiable("name", function)
    elif not isinstance(name, str) or f"/aws/lambda/{name}" not in declared:
        expected = f"/aws/lambda/{name}" if isinstance(name, str) else "/aws/lambda/<function name>"
        yield Violation(
            f"{function.name}: Lambda writes to {expected}, which is not a log group of this stack, so AWS "
            "creates it never expiring: declare it, or set loggingConfig.logGroup to a declared group",
            function,
        )


def _database_groups(database: Resource, declared: set[Any]) -> Iterator[Outcome]:
    exports = list_items(
        database.get("enabledCloudwatchLogsExports"), "enabledCloudwatchLogsExports", "log names", database
    )
    if exports.problem is not None or not exports:
        yield from exports.unverifiable()
        return
    key = "identifier" if database.type == RDS_INSTANCE else "clusterIdentifier"
    kind = "instance" if database.type == RDS_INSTANCE else "cluster"
    identifier = database.get(key)
    if identifier is UNKNOWN:
        yield Unverifiable(key, database)
        return
    # An unknown export writes to a group whose name cannot be checked: undecided.
    yield from exports.unverifiable()
    for export in exports.values:
        expected = f"/aws/rds/{kind}/{identifier}/{export}"
        if not isinstance(identifier, str) or expected not in declared:
            shown = expected if isinstance(identifier, str) else f"/aws/rds/{kind}/<{key}>/{export}"
            yield Violation(
                f"{database.name}: RDS exports {export} to {shown}, which is not a log group of this stack "
                f"(set {key} and declare the group), so AWS creates it never expiring",
                database,
            )


def _flow_log_group(stack: Stack, flow_log: Resource, declared: set[Any]) -> Iterator[Outcome]:
    kind = flow_log.get("logDestinationType")
    if kind is UNKNOWN:
        yield Unverifiable("logDestinationType", flow_log)
        return
    if kind not in (MISSING, "cloud-watch-logs"):
        return  # S3 or Firehose: no log group
    key = "logDestination" if flow_log.get("logDestination") is not MISSING else "logGroupName"
    found = _declared(stack, flow_log, key, flow_log.get(key), declared)
    if found is None:
        yield Unverifiable(key, flow_log)
    elif not found:
        yield Violation(
            f"{flow_log.name}: {key} {describe(flow_log.get(key))} is not a log group of this stack: "
            "declare it",
            flow_log,
        )


@stack_rule(
    "log-groups-declared",
    "Every log group AWS would create for a resource of the stack is declared in the stack.",
    Severity.HIGH,
    "Declare an aws.cloudwatch.LogGroup (with retention, the client key and an export) for each ECS "
    "awslogs group, each Lambda function (/aws/lambda/<name> or loggingConfig.logGroup), each RDS log "
    "export (/aws/rds/instance/<id>/<log>) and each VPC flow log; never set awslogs-create-group.",
    types=(ECS_TASK_DEFINITION, LAMBDA_FUNCTION, RDS_INSTANCE, RDS_CLUSTER, FLOW_LOG),
)
def log_groups_declared(stack: Stack, _: Settings) -> Iterator[Outcome]:
    declared = _declared_names(stack)
    for task in stack.of_type(ECS_TASK_DEFINITION):
        yield from _task_groups(stack, task, declared)
    for function in stack.of_type(LAMBDA_FUNCTION):
        yield from _function_group(stack, function, declared)
    for database in stack.of_type(RDS_INSTANCE, RDS_CLUSTER):
        yield from _database_groups(database, declared)
    for flow_log in stack.of_type(FLOW_LOG):
        yield from _flow_log_group(stack, flow_log, declared)
