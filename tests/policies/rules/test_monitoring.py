"""Monitoring rules: alarms that notify, and a trail that records the log archive's reads and writes; each
rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from collections.abc import Callable

from tests.policies.casetable import (
    Case,
    absent,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unchanged,
    unknown,
    violating,
)
from tests.policies.samples import DELETE, Stack, both, change, drop, resource
from toms.offline.analyzer_client import UNKNOWN, ResourceInput

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CLUSTER = "aws:ecs/cluster:Cluster"
ARCHIVE_OBJECTS = "arn:aws:s3:::acme-log-archive/"
DATA_SELECTOR = "advancedEventSelectors.1.fieldSelectors"


def alarm(**changes: object) -> ResourceInput:
    return resource(ALARM, **changes)


def s3_objects(*extra: dict[str, object]) -> list[dict[str, object]]:
    return [
        {"field": "eventCategory", "equals": ["Data"]},
        {"field": "resources.type", "equals": ["AWS::S3::Object"]},
        *extra,
    ]


def reads_and_writes(excluded: str, excluded_from: str = "false") -> list[dict[str, object]]:
    """Reads and writes of the archive in two selectors, `excluded` left out of one (`readOnly` value)."""

    def selector(read_only: str) -> dict[str, object]:
        arn: dict[str, object] = {"field": "resources.ARN", "startsWiths": [ARCHIVE_OBJECTS]}
        if read_only == excluded_from:
            arn["notStartsWiths"] = [excluded]
        return {"fieldSelectors": s3_objects({"field": "readOnly", "equals": [read_only]}, arn)}

    return [selector("true"), selector("false")]


def delivering_into_the_archive(selectors: list[dict[str, object]]) -> Callable[[Stack], None]:
    """The trail delivers its own log files into the archive under `cloudtrail/`, with these selectors."""
    return both(
        change("trail", "s3BucketName", ARCHIVE_OBJECTS.removeprefix("arn:aws:s3:::").rstrip("/")),
        change("trail", "s3KeyPrefix", "cloudtrail"),
        change("trail", "advancedEventSelectors", selectors),
    )


CASES: dict[str, list[Case]] = {
    "alarm-has-actions": [
        compliant(alarm()),
        # Leaving actionsEnabled out means enabled (the API's default).
        compliant(alarm(actionsEnabled=DELETE)),
        violating(alarm(actionsEnabled=False), "without telling anyone"),
        violating(alarm(alarmActions=[]), "alarmActions is empty"),
        violating(alarm(alarmActions=DELETE), "alarmActions is empty"),
        unknown(alarm(alarmActions=UNKNOWN), "alarmActions"),
        unknown(alarm(actionsEnabled=UNKNOWN), "actionsEnabled"),
        malformed(
            alarm(alarmActions="arn:aws:sns:eu-west-1:111122223333:toms-acme-alerts"),
            "expected a list of actions",
        ),
        # Was Unverifiable (any unknown action made the list so). Every action of an alarm runs, so the known
        # topic is notified whatever the unknown sibling is: the claim "at least one action" holds.
        compliant(
            alarm(alarmActions=[UNKNOWN, "arn:aws:sns:eu-west-1:111122223333:toms-acme-alerts"]),
            label="beside-unknown",
        ),
        unknown(alarm(alarmActions=[UNKNOWN]), "alarmActions[0]", label="one-action"),
        violating(alarm(alarmActions=[""]), "alarmActions is empty", label="empty-action"),
        absent(
            "violating", "at least one action: an unknown action may be it, so no known breach decides it"
        ),
    ],
    "ecs-cluster-container-insights": [
        compliant(resource(CLUSTER)),
        compliant(resource(CLUSTER, settings=[{"name": "containerInsights", "value": "enabled"}])),
        violating(
            resource(CLUSTER, settings=[{"name": "containerInsights", "value": "disabled"}]),
            'Container Insights is "disabled"',
        ),
        violating(resource(CLUSTER, settings=DELETE), "Container Insights is not set"),
        unknown(resource(CLUSTER, settings=UNKNOWN), "settings"),
        unknown(resource(CLUSTER, settings__0__value=UNKNOWN), "settings.containerInsights"),
        malformed(resource(CLUSTER, settings="enhanced"), "expected a list of cluster settings"),
        # Was a Violation "not set": the unknown setting may be containerInsights.
        unknown(resource(CLUSTER, settings=[UNKNOWN]), "settings.containerInsights", label="one-setting"),
        violating(
            resource(CLUSTER, settings=[UNKNOWN, {"name": "containerInsights", "value": "disabled"}]),
            'Container Insights is "disabled"',
            label="beside-unknown",
        ),
        # Was a pass. A known "enabled" beside an unknown entry is not enough: the unknown entry may set
        # it again.
        unknown(
            resource(CLUSTER, settings=[{"name": "containerInsights", "value": "enabled"}, UNKNOWN]),
            "settings.containerInsights",
            label="enabled-beside-unknown",
        ),
    ],
    "trail-records-archive-access": [
        compliant(unchanged),
        # Reads and writes in two selectors, the trail's own prefix left out of the writes (as the program's).
        compliant(delivering_into_the_archive(reads_and_writes(f"{ARCHIVE_OBJECTS}cloudtrail/"))),
        # Leaving out more than the trail's own deliveries, or leaving them out of reads, is not recording all.
        violating(
            delivering_into_the_archive(reads_and_writes(f"{ARCHIVE_OBJECTS}cloud")),
            "no trail records the writes",
            at="bucket",
        ),
        violating(
            delivering_into_the_archive(
                reads_and_writes(f"{ARCHIVE_OBJECTS}cloudtrail/", excluded_from="true")
            ),
            "no trail records the reads",
            at="bucket",
        ),
        # The trail delivers elsewhere: nothing under the archive is its own.
        violating(
            change("trail", "advancedEventSelectors", reads_and_writes(f"{ARCHIVE_OBJECTS}cloudtrail/")),
            "no trail records the writes",
            at="bucket",
        ),
        # Another field narrows the selector to some events.
        violating(
            change(
                "trail",
                DATA_SELECTOR,
                s3_objects(
                    {"field": "eventName", "equals": ["GetObject"]},
                    {"field": "resources.ARN", "startsWiths": [ARCHIVE_OBJECTS]},
                ),
            ),
            "reads and writes",
            at="bucket",
        ),
        unknown(
            change("trail", f"{DATA_SELECTOR}.2.startsWiths", [UNKNOWN]),
            "Trail.advancedEventSelectors",
            at="bucket",
        ),
        # Basic event selectors count too.
        compliant(
            change(
                "trail",
                "eventSelectors",
                [
                    {
                        "readWriteType": "All",
                        "dataResources": [{"type": "AWS::S3::Object", "values": [ARCHIVE_OBJECTS]}],
                    }
                ],
            )
        ),
        violating(drop("trail"), "no trail records the reads and writes", at="bucket"),
        violating(
            change(
                "trail",
                "advancedEventSelectors",
                [{"fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}],
            ),
            "reads and writes",
            at="bucket",
        ),
        violating(
            change(
                "trail",
                DATA_SELECTOR,
                s3_objects(
                    {"field": "readOnly", "equals": ["true"]},
                    {"field": "resources.ARN", "startsWiths": [ARCHIVE_OBJECTS]},
                ),
            ),
            "no trail records the writes",
            at="bucket",
        ),
        violating(
            change(
                "trail",
                DATA_SELECTOR,
                s3_objects({"field": "resources.ARN", "startsWiths": ["arn:aws:s3:::another-bucket/"]}),
            ),
            "reads and writes",
            at="bucket",
        ),
        unknown(
            change("trail", "advancedEventSelectors", UNKNOWN), "Trail.advancedEventSelectors", at="bucket"
        ),
        malformed(change("trail", "advancedEventSelectors", "all"), "reads and writes", at="bucket"),
        # Selectors add up, so the known selectors that record every read and write decide it (it passed
        # before too, but because an unknown selector was read as one recording nothing).
        compliant(
            lambda stack: stack["trail"].props["advancedEventSelectors"].append(UNKNOWN),
            label="beside-unknown-selector",
        ),
        # Was a Violation "no trail records": the unknown selector was read as recording nothing.
        unknown(
            change("trail", "advancedEventSelectors", [UNKNOWN]),
            "Trail.advancedEventSelectors",
            at="bucket",
            label="one-selector",
        ),
        # Was a Violation: unknown field selectors were read as none, a selector recording nothing.
        unknown(
            change("trail", "advancedEventSelectors.1.fieldSelectors", UNKNOWN),
            "Trail.advancedEventSelectors",
            at="bucket",
            label="unknown-fields",
        ),
        unknown(
            change("trail", "advancedEventSelectors.1.fieldSelectors", [*s3_objects(), UNKNOWN]),
            "Trail.advancedEventSelectors",
            at="bucket",
            label="one-field",
        ),
        absent("violating", "every read and write: an unknown selector may record what known ones miss"),
    ],
}
