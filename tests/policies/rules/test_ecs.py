"""ECS services and task definitions: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import DELETE, containers, resource
from toms.offline.analyzer_client import UNKNOWN

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"

CASES: dict[str, list[Case]] = {
    "ecs-service-min-replicas": [
        violating(resource(SERVICE, desiredCount=1), "desiredCount is 1, expected at least 2"),
        compliant(resource(SERVICE)),
        malformed(resource("aws:ecs/service:Service", desiredCount="two"), "whole number"),
        unknown(resource(SERVICE, desiredCount=UNKNOWN), "desiredCount"),
    ],
    "ecs-service-circuit-breaker": [
        violating(resource(SERVICE, deploymentCircuitBreaker__rollback=False), "rollback is false"),
        violating(resource(SERVICE, deploymentCircuitBreaker=DELETE), "deploymentCircuitBreaker is"),
        compliant(resource(SERVICE)),
        malformed(
            resource("aws:ecs/service:Service", deploymentCircuitBreaker="yes"),
            'deploymentCircuitBreaker is "yes"',
        ),
        unknown(
            resource(SERVICE, deploymentCircuitBreaker__rollback=UNKNOWN), "deploymentCircuitBreaker.rollback"
        ),
    ],
    "ecs-service-min-healthy-percent": [
        violating(resource(SERVICE, deploymentMinimumHealthyPercent=50), "is 50"),
        compliant(resource(SERVICE)),
        # Problem 7 of issue 14: unset, AWS applies 100, the rule's own minimum.
        compliant(resource(SERVICE, deploymentMinimumHealthyPercent=DELETE), label="unset-is-aws-100"),
        unknown(
            resource(SERVICE, deploymentMinimumHealthyPercent=UNKNOWN), "deploymentMinimumHealthyPercent"
        ),
        malformed(resource(SERVICE, deploymentMinimumHealthyPercent="all"), "expected a whole number"),
    ],
    "ecs-service-no-public-ip": [
        violating(resource(SERVICE, networkConfiguration__assignPublicIp=True), "assignPublicIp is"),
        compliant(resource(SERVICE)),
        unknown(
            resource(SERVICE, networkConfiguration__assignPublicIp=UNKNOWN),
            "assignPublicIp",
        ),
        malformed(resource(SERVICE, networkConfiguration__assignPublicIp="no"), 'assignPublicIp is "no"'),
    ],
    "ecs-service-health-check-grace": [
        violating(resource(SERVICE, healthCheckGracePeriodSeconds=DELETE), "GracePeriod"),
        compliant(resource(SERVICE)),
        malformed(
            resource("aws:ecs/service:Service", loadBalancers={"arn": "x"}),
            "expected a list of load balancers",
        ),
        unknown(resource(SERVICE, loadBalancers=UNKNOWN), "loadBalancers", label="balancers"),
        # Any entry, known or not, puts the service behind a load balancer: the grace period is required.
        violating(
            resource(SERVICE, loadBalancers=[UNKNOWN], healthCheckGracePeriodSeconds=DELETE),
            "GracePeriod",
            label="unknown-balancer",
        ),
        compliant(resource(SERVICE, loadBalancers=[UNKNOWN]), label="unknown-balancer"),
        unknown(resource(SERVICE, healthCheckGracePeriodSeconds=UNKNOWN), "healthCheckGracePeriodSeconds"),
    ],
    "ecs-task-read-only-root": [
        violating(resource(TASK, containerDefinitions=containers(readonlyRootFilesystem=False)), "readonly"),
        compliant(resource(TASK)),
        malformed(resource(TASK, containerDefinitions="[{not json"), "not valid JSON"),
        unknown(resource(TASK, containerDefinitions=UNKNOWN), "containerDefinitions"),
    ],
    "ecs-task-not-privileged": [
        violating(resource(TASK, containerDefinitions=containers(privileged=True)), "privileged is true"),
        compliant(resource(TASK)),
        malformed(resource(TASK, containerDefinitions="[1, 2]"), "expected an object"),
        unknown(resource(TASK, containerDefinitions=UNKNOWN), "containerDefinitions"),
    ],
    "ecs-task-log-configuration": [
        violating(resource(TASK, containerDefinitions=containers(logConfiguration=DELETE)), "logDriver"),
        violating(
            resource(TASK, containerDefinitions=containers(logConfiguration__logDriver="json-file")),
            'logDriver is "json-file", which does not ship logs off the host',
        ),
        violating(
            resource(TASK, containerDefinitions=containers(logConfiguration__logDriver="journald")),
            'logDriver is "journald", which does not ship logs off the host',
        ),
        violating(
            resource(TASK, containerDefinitions=containers(logConfiguration__logDriver="local")),
            'logDriver is "local", which does not ship logs off the host',
        ),
        violating(
            resource(TASK, containerDefinitions=containers(logConfiguration__logDriver="none")),
            'logDriver is "none", which does not ship logs off the host',
        ),
        violating(
            resource(TASK, containerDefinitions=containers(logConfiguration__logDriver="syslog")),
            'logDriver is "syslog", which does not ship logs off the host',
        ),
        compliant(resource(TASK)),
        unknown(resource(TASK, containerDefinitions=UNKNOWN), "containerDefinitions"),
        malformed(resource(TASK, containerDefinitions=containers(logConfiguration="awslogs")), "logDriver"),
    ],
    "ecs-task-health-check": [
        violating(resource(TASK, containerDefinitions=containers(healthCheck=DELETE)), "healthCheck.command"),
        compliant(resource(TASK)),
        malformed(resource(TASK, containerDefinitions='{"name": "app"}'), "expected a non-empty list"),
        unknown(resource(TASK, containerDefinitions=UNKNOWN), "containerDefinitions"),
    ],
    "ecs-task-no-plaintext-secrets": [
        violating(
            resource(
                TASK,
                containerDefinitions=containers(environment=[{"name": "DB_PASSWORD", "value": "s3cret"}]),
            ),
            "DB_PASSWORD looks like a secret",
        ),
        violating(
            resource(
                TASK,
                containerDefinitions=containers(
                    environment=[{"name": "URL", "value": "postgres://u:p@db/x"}]
                ),
            ),
            "URL looks like a secret",
        ),
        violating(
            resource(TASK, containerDefinitions=containers(environment=[{"name": "DB_PASS", "value": "x"}])),
            "DB_PASS looks like a secret",
        ),
        violating(
            resource(TASK, containerDefinitions=containers(environment=[{"name": "PASS", "value": "x"}])),
            "PASS looks like a secret",
        ),
        violating(
            resource(
                TASK, containerDefinitions=containers(environment=[{"name": "GPG_PASSPHRASE", "value": "x"}])
            ),
            "GPG_PASSPHRASE looks like a secret",
        ),
        violating(
            resource(TASK, containerDefinitions=containers(environment=[{"name": "DB_PWD", "value": "x"}])),
            "DB_PWD looks like a secret",
        ),
        violating(
            resource(
                TASK, containerDefinitions=containers(environment=[{"name": "STRIPE_KEY", "value": "x"}])
            ),
            "STRIPE_KEY looks like a secret",
        ),
        violating(
            resource(
                TASK, containerDefinitions=containers(environment=[{"name": "SIGNING_KEYS", "value": "x"}])
            ),
            "SIGNING_KEYS looks like a secret",
        ),
        violating(
            resource(TASK, containerDefinitions=containers(command=["serve", "--db-password=hunter2"])),
            "command passes a secret as a literal argument",
        ),
        violating(
            resource(
                TASK, containerDefinitions=containers(entryPoint=["sh", "-c", "app --password 'hunter2'"])
            ),
            "entryPoint passes a secret as a literal argument",
        ),
        violating(
            resource(TASK, containerDefinitions=containers(command=["migrate", "postgres://u:p@db/x"])),
            "command passes a secret",
        ),
        compliant(resource(TASK)),
        malformed(
            resource(TASK, containerDefinitions=containers(environment="A=B")),
            "expected a list of name/value pairs",
        ),
        malformed(
            resource(TASK, containerDefinitions=containers(command="serve --password=x")),
            'command is "serve --password=x", expected a list of strings',
        ),
        unknown(resource(TASK, containerDefinitions=UNKNOWN), "containerDefinitions"),
    ],
}
