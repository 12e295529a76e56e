"""Monitoring: alarms that tell someone, and a trail that records who read or wrote the log archive."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import Severity

from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Stack,
    Unverifiable,
    Violation,
    as_list,
    describe,
    lookup,
    resource_rule,
    stack_rule,
)
from .logs import CLOUDTRAIL
from .s3 import ARCHIVE_CLASSIFICATIONS, BUCKETS, is_archive

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
S3_OBJECT = "AWS::S3::Object"
# What a selector's readOnly (advanced) or readWriteType (basic) records; anything else records both.
ACCESS: dict[Any, set[str]] = {
    ("true",): {"read"},
    ("false",): {"write"},
    "ReadOnly": {"read"},
    "WriteOnly": {"write"},
}


@resource_rule(
    "alarm-has-actions",
    "Alarms notify someone: actions enabled, at least one alarm action.",
    Severity.MEDIUM,
    "Set actionsEnabled: true and alarmActions to the client's alert topic.",
    (METRIC_ALARM,),
)
def alarm_has_actions(resource: Resource, _: Settings) -> Iterator[Outcome]:
    enabled = resource.get("actionsEnabled")
    if enabled is UNKNOWN:
        yield Unverifiable("actionsEnabled")
    elif enabled is False:
        yield Violation("actionsEnabled is false: the alarm would change state without telling anyone")
    actions = resource.get("alarmActions")
    if actions is UNKNOWN:
        yield Unverifiable("alarmActions")
        return
    listed = as_list(actions)
    if listed is None:
        yield Violation(f"alarmActions is {describe(actions)}, not a list of actions")
        return
    if any(action is UNKNOWN for action in listed):
        yield Unverifiable("alarmActions")
    elif not [action for action in listed if isinstance(action, str) and action]:
        yield Violation("alarmActions is empty: add the client's alert topic so the alarm notifies someone")


def _listed(value: Any) -> list[Any]:
    """A list property as a list; absent or of another shape counts as empty (so it covers nothing)."""
    return as_list(value) or []


S3_ARN = re.compile(r"^arn:[a-z-]+:s3:::")


def _startswith_covers(prefixes: Any, bucket_name: str) -> bool | None:
    """Whether a `startsWith` list of S3 ARN prefixes covers every object of the bucket (in any
    partition); None if a prefix is unknown."""
    values = _listed(prefixes)
    if any(value is UNKNOWN for value in values):
        return None
    return any(
        isinstance(value, str)
        and (match := S3_ARN.match(value)) is not None
        and f"{bucket_name}/".startswith(value[match.end() :])
        for value in values
    )


def _advanced_coverage(selectors: list[Any], bucket_name: str) -> set[str] | None:
    """The accesses ("read", "write") that advanced event selectors record for every object of the bucket.
    Exclusions (`notStartsWiths`) under the bucket are allowed: a trail leaves out its own deliveries."""
    covered: set[str] = set()
    for selector in selectors:
        fields = {lookup(field, "field"): field for field in _listed(lookup(selector, "fieldSelectors"))}
        if _listed(lookup(fields.get("eventCategory", {}), "equals")) != ["Data"]:
            continue
        if _listed(lookup(fields.get("resources.type", {}), "equals")) != [S3_OBJECT]:
            continue
        arn_field = fields.get("resources.ARN")
        if arn_field is None:
            matched: bool | None = True  # every object of every bucket
        else:
            matched = _startswith_covers(lookup(arn_field, "startsWiths"), bucket_name)
        if matched is None:
            return None
        if not matched:
            continue
        read_only = _listed(lookup(fields.get("readOnly", {}), "equals"))
        covered |= (
            {"read"} if read_only == ["true"] else {"write"} if read_only == ["false"] else {"read", "write"}
        )
    return covered


def _basic_coverage(selectors: list[Any], bucket_name: str) -> set[str] | None:
    covered: set[str] = set()
    for selector in selectors:
        for resource in _listed(lookup(selector, "dataResources")):
            if lookup(resource, "type") != S3_OBJECT:
                continue
            matched = _startswith_covers(lookup(resource, "values"), bucket_name)
            if matched is None:
                return None
            if matched:
                kind = lookup(selector, "readWriteType")
                covered |= (
                    {"read"}
                    if kind == "ReadOnly"
                    else {"write"}
                    if kind == "WriteOnly"
                    else {"read", "write"}
                )
    return covered


def trail_coverage(trail: Resource, bucket_name: str) -> set[str] | None:
    """What of the bucket's objects the trail records: a subset of {"read", "write"}; None if unknown."""
    advanced = trail.get("advancedEventSelectors")
    basic = trail.get("eventSelectors")
    if advanced is UNKNOWN or basic is UNKNOWN:
        return None
    covered: set[str] = set()
    for selectors, reader in ((advanced, _advanced_coverage), (basic, _basic_coverage)):
        if selectors is MISSING or selectors is None:
            continue
        found = reader(_listed(selectors), bucket_name)
        if found is None:
            return None
        covered |= found
    return covered


@stack_rule(
    "trail-records-archive-access",
    "A trail records every read and every write of the log archive's objects (S3 data events).",
    Severity.MEDIUM,
    "Add advanced event selectors for AWS::S3::Object data events on the archive bucket's ARN prefix, "
    "reads and writes.",
    shared=(ARCHIVE_CLASSIFICATIONS,),
)
def trail_records_archive_access(stack: Stack, settings: Settings) -> Iterator[Outcome]:
    trails = stack.of_type(CLOUDTRAIL)
    for bucket in stack.of_type(*BUCKETS):
        if not is_archive(bucket, settings):
            continue
        name = bucket.get("bucket")
        if not isinstance(name, str):
            yield Unverifiable("bucket", bucket)
            continue
        covered: set[str] = set()
        undecided = False
        for trail in trails:
            found = trail_coverage(trail, name)
            if found is None:
                undecided = True
            else:
                covered |= found
        missing = {"read", "write"} - covered
        if not missing:
            continue
        if undecided:
            yield Unverifiable("Trail.advancedEventSelectors", bucket)
        else:
            yield Violation(
                f"no trail records the {' and '.join(f'{access}s' for access in sorted(missing))} of archive "
                f"bucket {bucket.name}'s "
                "objects: add S3 data event selectors for it",
                bucket,
            )


ECS_CLUSTER = "aws:ecs/cluster:Cluster"
CONTAINER_INSIGHTS_ON = ("enabled", "enhanced")


@resource_rule(
    "ecs-cluster-container-insights",
    "ECS clusters collect Container Insights: per-task metrics the running-tasks alarm reads.",
    Severity.MEDIUM,
    'Set settings: [{name: "containerInsights", value: "enhanced"}] (or "enabled").',
    (ECS_CLUSTER,),
)
def ecs_cluster_container_insights(resource: Resource, _: Settings) -> Iterator[Outcome]:
    settings = resource.get("settings")
    if settings is UNKNOWN:
        yield Unverifiable("settings")
        return
    listed = as_list(settings)
    if listed is None:
        yield Violation(f"settings is {describe(settings)}, not a list of cluster settings")
        return
    values = [lookup(item, "value") for item in listed if lookup(item, "name") == "containerInsights"]
    if any(value is UNKNOWN for value in values):
        yield Unverifiable("settings.containerInsights")
    elif not any(value in CONTAINER_INSIGHTS_ON for value in values):
        shown = describe(values[0]) if values else "not set"
        yield Violation(
            f"Container Insights is {shown}: without it no per-task metrics reach CloudWatch and the "
            "running-tasks alarm has no data"
        )
