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
from tests.policies.samples import DELETE, PROVIDER, both, change, containers, resource
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
    props = {"logGroup": "/toms/acme/app", "destinationArn": "arn:aws:firehose:eu-west-1:1:deliverystream/x"}
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
        malformed(trail(eventSelectors="management"), "must be lists of selectors"),
    ],
    "log-subscription-ships-everything": [
        compliant(subscription("")),
        violating(subscription("ERROR"), 'filterPattern is "ERROR"'),
        unknown(subscription(UNKNOWN), "filterPattern"),
        malformed(subscription(["ERROR"]), 'filterPattern is ["ERROR"]'),
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
    ],
}
