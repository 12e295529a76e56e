"""Stack rules joining databases, log groups, services and listeners: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from tests.policies.casetable import (
    Case,
    StackEdit,
    absent,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unchanged,
    unknown,
    violating,
)
from tests.policies.samples import COMPLIANT, DELETE, add, both, change, drop
from toms.offline.analyzer_client import UNKNOWN

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]


LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def export_errors_to(error_log_group: str, *, enabled: bool = True) -> StackEdit:
    """The archive stream the compliant stack's subscriptions export into, logging its errors to
    `error_log_group`."""
    options = {"enabled": enabled, "logGroupName": error_log_group}
    return change("archive-stream", "extendedS3Configuration.cloudwatchLoggingOptions", options)


CASES: dict[str, list[Case]] = {
    "rds-parameter-group-forces-tls": [
        compliant(unchanged),
        violating(
            change("parameter-group", "parameters.0.value", "0"),
            "does not set rds.force_ssl=1",
            at="database",
        ),
        violating(drop("parameter-group"), "not managed in this stack", at="database"),
        violating(change("database", "parameterGroupName", DELETE), "engine's default group", at="database"),
        unknown(
            change("parameter-group", "parameters", UNKNOWN),
            "database.parameter-group.parameters",
            at="database",
        ),
        malformed(
            change("parameter-group", "parameters", {"rds.force_ssl": "1"}),
            "does not set rds.force_ssl=1",
            at="database",
        ),
        # Was a Violation "does not set rds.force_ssl=1": the unknown entry may set it.
        unknown(
            change("parameter-group", "parameters", [UNKNOWN]),
            "database.parameter-group.parameters",
            at="database",
            label="one-entry",
        ),
        violating(
            both(
                change("parameter-group", "parameters.0.value", "0"),
                lambda stack: stack["parameter-group"].props["parameters"].insert(0, UNKNOWN),
            ),
            "does not set rds.force_ssl=1",
            at="database",
            label="beside-unknown",
        ),
    ],
    "log-group-exported": [
        compliant(unchanged),
        violating(drop("subscription"), "no subscription filter", at="log-group"),
        # A delivery stream's own error log stays out of the export, or its failures would loop.
        compliant(
            both(
                export_errors_to("/toms/acme/export-errors"),
                add("error-log", LOG_GROUP, {**COMPLIANT[LOG_GROUP], "name": "/toms/acme/export-errors"}),
            )
        ),
        violating(
            export_errors_to("/toms/acme/app"),
            "its failures would loop",
            at="log-group",
        ),
        # Error logging switched off: the group is an ordinary one again and must be exported.
        violating(
            both(
                export_errors_to("/toms/acme/export-errors", enabled=False),
                add("error-log", LOG_GROUP, {**COMPLIANT[LOG_GROUP], "name": "/toms/acme/export-errors"}),
            ),
            "no subscription filter",
            at="error-log",
        ),
        absent(
            "unknown",
            "it decides by value: a subscription it cannot join is a violation naming it (violating cases)",
        ),
        malformed(
            change("subscription", "logGroup", ["/toms/acme/app"]),
            "has no subscription filter exporting it",
            at="log-group",
        ),
    ],
    "ecs-service-load-balanced": [
        compliant(unchanged),
        violating(change("target-group", "healthCheck.enabled", False), "disabled", at="service"),
        violating(change("service", "loadBalancers", []), "not behind a load balancer", at="service"),
        unknown(change("service", "loadBalancers", UNKNOWN), "service.loadBalancers", at="service"),
        malformed(
            change("service", "loadBalancers", {"targetGroupArn": "arn:tg"}),
            'service: loadBalancers is {"targetGroupArn": "arn:tg"}, expected a list of load balancers',
            at="service",
        ),
        violating(
            both(
                change("target-group", "healthCheck.enabled", False),
                lambda stack: stack["service"].props["loadBalancers"].insert(0, UNKNOWN),
            ),
            "disabled",
            at="service",
            label="beside-unknown",
        ),
    ],
    "lb-no-plain-http-forwarding": [
        compliant(unchanged),
        violating(
            change("http-rule", "actions", [{"type": "forward", "targetGroupArn": "arn:tg"}]),
            "on HTTP listener http-listener",
            at="http-rule",
        ),
        violating(
            both(
                change("http-listener", "protocol", "http"),
                change("http-rule", "actions", [{"type": "forward", "targetGroupArn": "arn:tg"}]),
            ),
            "on HTTP listener http-listener",
            at="http-rule",
        ),
        unknown(
            change("http-listener", "protocol", UNKNOWN), "http-rule.http-listener.protocol", at="http-rule"
        ),
        malformed(
            change("http-rule", "actions", "forward"),
            'on HTTP listener http-listener: actions is "forward", expected a list of actions',
            at="http-rule",
        ),
        # Was a Violation claiming the unknown list was not a list of actions.
        unknown(
            change("http-rule", "actions", UNKNOWN), "http-rule.actions", at="http-rule", label="actions"
        ),
        violating(
            change("http-rule", "actions", [UNKNOWN, {"type": "forward", "targetGroupArn": "arn:tg"}]),
            "on HTTP listener http-listener",
            at="http-rule",
            label="beside-unknown",
        ),
        unknown(
            change("http-rule", "actions", [UNKNOWN]),
            "http-rule.actions[0]",
            at="http-rule",
            label="one-action",
        ),
    ],
}
