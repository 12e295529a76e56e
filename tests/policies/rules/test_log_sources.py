"""Trails' management events, subscription filters and implicit log groups: each rule's case table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unchanged,
    unknown,
    violating,
)
from tests.policies.samples import (
    ARCHIVE_STREAM_ARN,
    DELETE,
    PROVIDER,
    both,
    change,
    containers,
    resource,
)
from toms.offline.analyzer_client import UNKNOWN, ResourceInput

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

TRAIL = "aws:cloudtrail/trail:Trail"
FILTER = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
FUNCTION = "aws:lambda/function:Function"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
Edit = Callable[[dict[str, ResourceInput]], None]


def trail(**changes: Any) -> ResourceInput:
    return resource(TRAIL, **{"includeGlobalServiceEvents": True, **changes})


def subscription(pattern: Any) -> ResourceInput:
    props = {"logGroup": "/toms/acme/app", "destinationArn": ARCHIVE_STREAM_ARN}
    return ResourceInput(FILTER, "subject", {**props, "filterPattern": pattern}, provider=PROVIDER)


def selector(**fields: Any) -> dict[str, Any]:
    return {"readWriteType": "All", "includeManagementEvents": True, **fields}


def advanced(*fields: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": "management", "fieldSelectors": list(fields)}]


MANAGEMENT = {"field": "eventCategory", "equals": ["Management"]}


def adding(role: str, resource_type: str, props: dict[str, Any], **dependencies: tuple[str, ...]) -> Edit:
    def apply(stack: dict[str, ResourceInput]) -> None:
        stack[role] = ResourceInput(
            resource_type, role, props, provider=PROVIDER, property_dependencies=dependencies
        )

    return apply


def task_logging(**options: Any) -> Edit:
    logging = {"logDriver": "awslogs", "options": {"awslogs-group": "/toms/acme/app", **options}}
    return adding(
        "task", TASK, {"family": "app", "containerDefinitions": containers(logConfiguration=logging)}
    )


def function(**props: Any) -> Edit:
    return adding("function", FUNCTION, {"runtime": "python3.12", "handler": "h.handler", **props})


def log_group_urn(stack: dict[str, ResourceInput]) -> str:
    return stack["log-group"].resolved_urn()


def function_logging_to_declared_group(stack: dict[str, ResourceInput]) -> None:
    function(loggingConfig={"logFormat": "JSON", "logGroup": UNKNOWN})(stack)
    stack["function"] = ResourceInput(
        FUNCTION,
        "function",
        stack["function"].props,
        provider=PROVIDER,
        property_dependencies={"loggingConfig": (log_group_urn(stack),)},
    )


STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
OTHER_STREAM_ARN = "arn:aws:firehose:eu-west-1:111122223333:deliverystream/analytics"


def stream_urn(stack: dict[str, ResourceInput], role: str = "archive-stream") -> str:
    return stack[role].resolved_urn()


def sending_in_preview(*roles: str, subscription: str = "subscription") -> Edit:
    """A subscription's destinationArn unknown, as in preview, waiting for the streams `roles`."""

    def apply(stack: dict[str, ResourceInput]) -> None:
        old = stack[subscription]
        stack[subscription] = ResourceInput(
            FILTER,
            subscription,
            {**old.props, "destinationArn": UNKNOWN},
            provider=PROVIDER,
            property_dependencies={"destinationArn": tuple(stream_urn(stack, role) for role in roles)},
        )

    return apply


def archive_stream_in_preview(stack: dict[str, ResourceInput]) -> None:
    """The archive stream's bucketArn and arn unknown, joined by the engine's property dependencies."""
    old = stack["archive-stream"]
    configuration = {**old.props["extendedS3Configuration"], "bucketArn": UNKNOWN}
    stack["archive-stream"] = ResourceInput(
        STREAM,
        "archive-stream",
        {**old.props, "arn": UNKNOWN, "extendedS3Configuration": configuration},
        provider=PROVIDER,
        property_dependencies={"extendedS3Configuration": (stack["bucket"].resolved_urn(),)},
    )
    for role in [role for role, kind in stack.items() if kind.type == FILTER]:
        sending_in_preview("archive-stream", subscription=role)(stack)


def only_one_subscription(stack: dict[str, ResourceInput]) -> None:
    """Leave the app's subscription the only one, so a finding about the stream names it alone."""
    for role in [role for role, kind in stack.items() if kind.type == FILTER and role != "subscription"]:
        del stack[role]


ANALYTICS_STREAM = adding(
    "analytics",
    STREAM,
    {
        "arn": OTHER_STREAM_ARN,
        "destination": "extended_s3",
        "extendedS3Configuration": {"bucketArn": "arn:aws:s3:::acme-analytics"},
    },
)


CASES: dict[str, list[Case]] = {
    "cloudtrail-management-events": [
        compliant(trail()),
        compliant(
            trail(
                eventSelectors=[
                    selector(dataResources=[{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}])
                ]
            ),
            label="with-data",
        ),
        compliant(
            trail(eventSelectors=[selector(readWriteType="ReadOnly"), selector(readWriteType="WriteOnly")]),
            label="read-plus-write",
        ),
        compliant(trail(advancedEventSelectors=advanced(MANAGEMENT)), label="advanced"),
        violating(
            trail(eventSelectors=[selector(includeManagementEvents=False)]),
            "eventSelectors record no any management events",
        ),
        violating(
            trail(eventSelectors=[selector(readWriteType="WriteOnly")]), "record no read management events"
        ),
        violating(
            trail(eventSelectors=[selector(excludeManagementEventSources=["kms.amazonaws.com"])]),
            "leaves out some management events",
        ),
        violating(
            trail(advancedEventSelectors=advanced(MANAGEMENT, {"field": "readOnly", "equals": ["false"]})),
            "no selector for every management event",
        ),
        violating(trail(isMultiRegionTrail=DELETE), "misses events outside its region"),
        violating(trail(includeGlobalServiceEvents=False), "includeGlobalServiceEvents is false"),
        unknown(trail(eventSelectors=UNKNOWN), "eventSelectors"),
        malformed(
            trail(eventSelectors="management"), 'eventSelectors is "management", expected a list of selectors'
        ),
        # Was a Violation "record no any management events": the unknown selector may record them.
        unknown(trail(eventSelectors=[UNKNOWN]), "eventSelectors[0]", label="one-selector"),
        unknown(
            trail(eventSelectors=[selector(readWriteType="WriteOnly"), UNKNOWN]),
            "eventSelectors[1]",
            label="write-beside-unknown",
        ),
        violating(
            trail(eventSelectors=[UNKNOWN, selector(excludeManagementEventSources=["kms.amazonaws.com"])]),
            "eventSelectors[1].excludeManagementEventSources leaves out some management events",
            label="beside-unknown",
        ),
        compliant(trail(eventSelectors=[UNKNOWN, selector()]), label="all-beside-unknown"),
        unknown(trail(advancedEventSelectors=UNKNOWN), "advancedEventSelectors", label="advanced"),
        # Was a Violation: an unknown advanced selector may be the one for every management event.
        unknown(
            trail(
                advancedEventSelectors=[
                    {"name": "data", "fieldSelectors": [{"field": "eventCategory", "equals": ["Data"]}]},
                    UNKNOWN,
                ]
            ),
            "advancedEventSelectors[1]",
            label="one-advanced-selector",
        ),
        compliant(
            trail(advancedEventSelectors=[UNKNOWN, *advanced(MANAGEMENT)]), label="advanced-beside-unknown"
        ),
        unknown(
            trail(advancedEventSelectors=advanced(MANAGEMENT, UNKNOWN)),
            "advancedEventSelectors[0]",
            label="unknown-field",
        ),
    ],
    "log-subscription-ships-everything": [
        compliant(subscription("")),
        violating(subscription("ERROR"), 'filterPattern is "ERROR"'),
        unknown(subscription(UNKNOWN), "filterPattern"),
        malformed(subscription(["ERROR"]), 'filterPattern is ["ERROR"]'),
    ],
    "log-subscription-to-archive": [
        compliant(unchanged),
        compliant(archive_stream_in_preview, label="joined-in-preview"),
        violating(
            both(ANALYTICS_STREAM, change("subscription", "destinationArn", OTHER_STREAM_ARN)),
            f'sends to "{OTHER_STREAM_ARN}", not to the stack\'s archive delivery stream, archive-stream',
            at="subscription",
            label="another-stream",
        ),
        violating(
            both(ANALYTICS_STREAM, sending_in_preview("analytics")),
            "sends to unknown, not to the stack's archive delivery stream",
            at="subscription",
            label="another-stream-in-preview",
        ),
        violating(
            change("subscription", "destinationArn", "arn:aws:lambda:eu-west-1:111122223333:function:ship"),
            "its events may never reach the archive",
            at="subscription",
            label="a-function",
        ),
        violating(
            both(
                only_one_subscription,
                change("archive-stream", "extendedS3Configuration.bucketArn", "arn:aws:s3:::elsewhere"),
            ),
            "a Firehose stream of this stack writing to an archive bucket (there is none)",
            at="subscription",
            label="stream-writing-elsewhere",
        ),
        violating(
            change("subscription", "destinationArn", DELETE), "has no destinationArn", at="subscription"
        ),
        unknown(
            both(ANALYTICS_STREAM, sending_in_preview("archive-stream", "analytics")),
            "subscription.destinationArn",
        ),
        unknown(
            both(
                only_one_subscription, change("archive-stream", "extendedS3Configuration.bucketArn", UNKNOWN)
            ),
            "subscription.archive-stream.extendedS3Configuration.bucketArn",
            label="stream-bucket-unknown",
        ),
        malformed(
            both(
                only_one_subscription, change("archive-stream", "extendedS3Configuration", "acme-log-archive")
            ),
            "(there is none)",
            at="subscription",
        ),
    ],
    "log-groups-declared": [
        compliant(unchanged),
        compliant(task_logging(), label="task"),
        compliant(
            both(
                function(name="resize"),
                adding("lambda-group", "aws:cloudwatch/logGroup:LogGroup", {"name": "/aws/lambda/resize"}),
            ),
            label="function-by-name",
        ),
        compliant(function_logging_to_declared_group, label="function-by-dependency"),
        compliant(
            adding(
                "flow-log",
                FLOW_LOG,
                {"logDestination": UNKNOWN, "vpcId": "vpc-1"},
                logDestination=("urn:pulumi:test::toms::aws:cloudwatch/logGroup:LogGroup::log-group",),
            ),
            label="flow-log",
        ),
        violating(task_logging(**{"awslogs-create-group": "true"}), "sets awslogs-create-group", at="task"),
        violating(
            task_logging(**{"awslogs-group": "/ecs/elsewhere"}),
            'logs to "/ecs/elsewhere", which is not a log group',
            at="task",
        ),
        violating(function(name="resize"), "Lambda writes to /aws/lambda/resize", at="function"),
        violating(function(), "/aws/lambda/<function name>", at="function", label="autonamed"),
        violating(
            change("database", "identifier", DELETE),
            "/aws/rds/instance/<identifier>/postgresql",
            at="database",
        ),
        violating(
            change("database", "enabledCloudwatchLogsExports", ["postgresql", "iam-db-auth-error"]),
            "exports iam-db-auth-error",
            at="database",
        ),
        violating(
            adding("flow-log", FLOW_LOG, {"logGroupName": "/vpc/flow", "vpcId": "vpc-1"}),
            'logGroupName "/vpc/flow" is not a log group',
            at="flow-log",
        ),
        unknown(change("database", "identifier", UNKNOWN), "database.identifier", at="database"),
        unknown(adding("task", TASK, {"containerDefinitions": UNKNOWN}), "task.containerDefinitions"),
        malformed(
            change("database", "enabledCloudwatchLogsExports", "postgresql"),
            "expected a list of log names",
            at="database",
        ),
        unknown(
            change("database", "enabledCloudwatchLogsExports", UNKNOWN),
            "database.enabledCloudwatchLogsExports",
            at="database",
            label="exports",
        ),
        # Was a pass: an unknown export's log group was not looked for.
        unknown(
            change("database", "enabledCloudwatchLogsExports", ["postgresql", UNKNOWN]),
            "database.enabledCloudwatchLogsExports[1]",
            at="database",
            label="one-export",
        ),
        violating(
            change("database", "enabledCloudwatchLogsExports", [UNKNOWN, "iam-db-auth-error"]),
            "exports iam-db-auth-error",
            at="database",
            label="beside-unknown",
        ),
    ],
}
