"""Monitoring: alarms that tell someone, and a trail that records who read or wrote the log archive."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pulumi_policy import Severity

from ..data_events import READ, WRITE, AdvancedSelector, BasicSelector, BucketObjects
from ..kit import (
    MISSING,
    UNKNOWN,
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
from .logs import CLOUDTRAIL
from .s3 import ARCHIVE_CLASSIFICATIONS, BUCKETS, is_archive

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


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
    # Every action of an alarm runs: one known action notifies, whatever an unknown sibling turns out to be.
    yield from list_items(resource.get("alarmActions"), "alarmActions", "actions").some(
        lambda action: isinstance(action, str) and action != "",
        "alarmActions is empty: add the client's alert topic so the alarm notifies someone",
    )


# Pulumi's names of an advanced field selector's operators, and AWS's (what data_events reads).
_OPERATORS = {
    "equals": "Equals",
    "startsWiths": "StartsWith",
    "endsWiths": "EndsWith",
    "notEquals": "NotEquals",
    "notStartsWiths": "NotStartsWith",
    "notEndsWiths": "NotEndsWith",
}


class _Unknown(Exception):
    """A value the selectors depend on is unknown in this preview."""


def _known_items(value: Any) -> list[Any]:
    """A list inside one selector; absent or of another shape counts as empty (so it covers nothing).
    Raises `_Unknown` while the list or one of its items is unknown: a selector's fields and values
    narrow it together, so it cannot be read in part."""
    items = list_items(value, "", "items")
    if items.undecided:
        raise _Unknown
    return items.values


def _advanced(selector: Any) -> AdvancedSelector:
    fields: list[tuple[str, dict[str, tuple[Any, ...]]]] = []
    for item in _known_items(lookup(selector, "fieldSelectors")):
        name = lookup(item, "field")
        if name is UNKNOWN:
            raise _Unknown
        operators = {
            api: values
            for pulumi_name, api in _OPERATORS.items()
            if (values := tuple(_known_items(lookup(item, pulumi_name))))
        }
        fields.append((str(name), operators))
    return AdvancedSelector.of(fields)


def _basic(selector: Any) -> BasicSelector:
    kind = lookup(selector, "readWriteType")
    if kind is UNKNOWN:
        raise _Unknown
    resources = []
    for resource in _known_items(lookup(selector, "dataResources")):
        resource_type = lookup(resource, "type")
        if resource_type is UNKNOWN:
            raise _Unknown
        resources.append((resource_type, tuple(_known_items(lookup(resource, "values")))))
    # Absent, the API's default records both.
    return BasicSelector("All" if kind is MISSING else kind, tuple(resources))


def _known_selectors(trail: Resource, key: str, read: Callable[[Any], Any]) -> tuple[list[Any], bool]:
    """The trail's selectors at `key` that can be read, and whether one cannot be read yet. A value that
    is not a list has no selector (it records nothing)."""
    selectors = list_items(trail.get(key), key, "selectors")
    known, undecided = [], selectors.undecided
    for selector in selectors.values:
        try:
            known.append(read(selector))
        except _Unknown:
            undecided = True
    return known, undecided


def trail_coverage(trail: Resource, bucket_name: str) -> tuple[frozenset[str], bool]:
    """What of the bucket's objects the trail's known selectors record (a subset of {READ, WRITE}), and
    whether a selector that cannot be read yet may record more: selectors add up, so what known ones
    record holds whatever the others are. The one reading the live audit applies too
    (policies/toms_pack/data_events.py)."""
    advanced, advanced_undecided = _known_selectors(trail, "advancedEventSelectors", _advanced)
    basic, basic_undecided = _known_selectors(trail, "eventSelectors", _basic)
    prefix, delivers_to = trail.get("s3KeyPrefix"), trail.get("s3BucketName")
    delivers_here = delivers_to is UNKNOWN or delivers_to == bucket_name
    own_prefix = prefix if isinstance(prefix, str) and prefix and delivers_here else None
    recorded = BucketObjects(bucket_name, own_prefix).recorded(advanced, basic)
    return recorded, advanced_undecided or basic_undecided


@stack_rule(
    "trail-records-archive-access",
    "A trail records every read and every write of the log archive's objects (S3 data events).",
    Severity.MEDIUM,
    "Add advanced event selectors for AWS::S3::Object data events on the archive bucket's ARN prefix, "
    "reads and writes, with no other field; only the writes under the prefix the trail delivers its own "
    "log files to may be left out (notStartsWiths).",
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
            found, maybe_more = trail_coverage(trail, name)
            covered |= found
            undecided |= maybe_more
        missing = {READ, WRITE} - covered
        if not missing:
            continue
        if undecided:
            yield Unverifiable("Trail.advancedEventSelectors", bucket)
        else:
            yield Violation(
                f"no trail records the {' and '.join(sorted(missing))} of archive "
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
    settings = list_items(resource.get("settings"), "settings", "cluster settings")
    value = settings.setting("containerInsights", lambda value: value in CONTAINER_INSIGHTS_ON)
    if settings.problem is not None:
        yield settings.problem
    elif value is UNKNOWN:
        yield Unverifiable("settings.containerInsights")
    elif value not in CONTAINER_INSIGHTS_ON:
        shown = "not set" if value is MISSING else describe(value)
        yield Violation(
            f"Container Insights is {shown}: without it no per-task metrics reach CloudWatch and the "
            "running-tasks alarm has no data"
        )
