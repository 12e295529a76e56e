"""ECS checks on answers written out here: the stack file's replicas are a floor for the desired count and all
desired tasks run, the circuit breaker rolls back, no deployment failed. The moto-built accounts in
tests/toms/live/test_audit.py run every ECS check end to end."""

from __future__ import annotations

from typing import Any

import pytest

from tests.toms.live.checks.answers import fake_context
from tests.toms.moto_baseline import stack_config
from toms.live.checks import Resource
from toms.live.checks import ecs as ecs_checks

SERVICE = "arn:aws:ecs:eu-west-1:111122223333:service/toms-acme/web"
ACME = stack_config("acme")  # service.replicas: 2


@pytest.mark.parametrize(
    ("desired", "running", "passed", "message"),
    [
        (2, 2, True, "2 of 2 tasks running, at least 2 replicas"),
        # Autoscaling may run more than the floor.
        (5, 5, True, "5 of 5 tasks running, at least 2 replicas"),
        (1, 1, False, "desired count 1 is below 2 replicas (service.replicas)"),
        (3, 2, False, "2 of 3 tasks running"),
    ],
)
def test_replicas_are_a_floor_and_every_desired_task_runs(
    desired: int, running: int, passed: bool, message: str
) -> None:
    resource = Resource(SERVICE, {"desiredCount": desired, "runningCount": running})
    verdict = ecs_checks.replicas(fake_context(ACME), resource)
    assert (verdict.passed, verdict.message) == (passed, message)
    assert verdict.observed["desired_count"] == {"expected_at_least": 2, "actual": desired}


@pytest.mark.parametrize(
    ("breaker", "passed"),
    [
        ({"enable": True, "rollback": True}, True),
        ({"enable": True, "rollback": False}, False),
        ({"enable": False, "rollback": True}, False),
        ({}, False),
    ],
)
def test_the_circuit_breaker_must_stop_and_roll_back(breaker: dict[str, Any], passed: bool) -> None:
    resource = Resource(SERVICE, {"deploymentConfiguration": {"deploymentCircuitBreaker": breaker}})
    assert ecs_checks.circuit_breaker(fake_context(ACME), resource).passed is passed


def test_a_failed_deployment_fails_naming_it() -> None:
    deployments = [
        {"id": "ecs-svc/1", "status": "PRIMARY", "rolloutState": "FAILED", "failedTasks": 3},
        {"id": "ecs-svc/0", "status": "ACTIVE", "rolloutState": "COMPLETED"},
    ]
    verdict = ecs_checks.deployment_healthy(
        fake_context(ACME), Resource(SERVICE, {"deployments": deployments})
    )
    assert (verdict.passed, verdict.message) == (False, "failed deployment: ecs-svc/1")
    healthy = ecs_checks.deployment_healthy(
        fake_context(ACME), Resource(SERVICE, {"deployments": deployments[1:]})
    )
    assert (healthy.passed, healthy.message) == (True, "no failed deployment")
