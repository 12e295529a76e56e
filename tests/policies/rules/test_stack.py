"""Stack rules joining databases, log groups, services and listeners: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from tests.policies.casetable import (
    Case,
    compliant,
    test_case_in_process,
    test_case_over_protocol,
    unchanged,
    violating,
)
from tests.policies.samples import DELETE, both, change, drop

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]


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
    ],
    "log-group-exported": [
        compliant(unchanged),
        violating(drop("subscription"), "no subscription filter", at="log-group"),
    ],
    "ecs-service-load-balanced": [
        compliant(unchanged),
        violating(change("target-group", "healthCheck.enabled", False), "disabled", at="service"),
        violating(change("service", "loadBalancers", []), "not behind a load balancer", at="service"),
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
    ],
}
