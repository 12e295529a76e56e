"""ECS autoscaling, host isolation and log routers: each rule's case table."""

from __future__ import annotations

from typing import Any

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import PROVIDER, containers, resource
from toms.offline.analyzer_client import UNKNOWN, ResourceInput

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

TARGET = "aws:appautoscaling/target:Target"
SCHEDULE = "aws:appautoscaling/scheduledAction:ScheduledAction"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SCALING = {
    "serviceNamespace": "ecs",
    "resourceId": "service/acme/app",
    "scalableDimension": "ecs:service:DesiredCount",
}


def target(**props: Any) -> ResourceInput:
    return ResourceInput(
        TARGET, "subject", {**ECS_SCALING, "minCapacity": 2, "maxCapacity": 6, **props}, provider=PROVIDER
    )


def schedule(**action: Any) -> ResourceInput:
    props = {**ECS_SCALING, "schedule": "cron(0 22 * * ? *)", "scalableTargetAction": action}
    return ResourceInput(SCHEDULE, "subject", props, provider=PROVIDER)


def task(**changes: Any) -> ResourceInput:
    return resource(TASK, **changes)


def with_container(**changes: Any) -> ResourceInput:
    return task(containerDefinitions=containers(**changes))


SPLUNK = {
    "logDriver": "splunk",
    "options": {"splunk-url": "https://splunk.example.com:8088"},
    "secretOptions": [{"name": "splunk-token", "valueFrom": "arn:aws:secretsmanager:eu-west-1:1:secret:t"}],
}
FIRELENS_HTTP = {
    "logDriver": "awsfirelens",
    "options": {"Name": "http", "Host": "logs.example.com", "tls": "On"},
}

CASES: dict[str, list[Case]] = {
    "ecs-autoscaling-min-capacity": [
        compliant(target()),
        compliant(schedule(minCapacity=2, maxCapacity=4)),
        compliant(schedule(maxCapacity=4), label="leaves-the-minimum"),
        compliant(
            target(
                serviceNamespace="dynamodb",
                scalableDimension="dynamodb:table:ReadCapacityUnits",
                minCapacity=1,
            ),
            label="not-ecs",
        ),
        violating(target(minCapacity=1), "minCapacity is 1: autoscaling may leave fewer than 2 tasks"),
        violating(schedule(minCapacity=0, maxCapacity=2), "scalableTargetAction.minCapacity is 0"),
        violating(
            target(minCapacity=2),
            "fewer than 3 tasks",
            config={"ecs-autoscaling-min-capacity": {"minReplicas": 3}},
        ),
        unknown(target(minCapacity=UNKNOWN), "minCapacity"),
        malformed(target(minCapacity="two"), "expected a whole number of tasks"),
    ],
    "ecs-task-host-isolation": [
        compliant(task()),
        compliant(
            with_container(linuxParameters={"capabilities": {"add": ["NET_BIND_SERVICE"]}}),
            config={"ecs-task-host-isolation": {"allowedCapabilities": ["NET_BIND_SERVICE"]}},
            label="allowed-capability",
        ),
        compliant(task(volumes=[{"name": "data", "hostPath": "/srv/app-data"}]), label="harmless-host-path"),
        violating(task(pidMode="host"), 'pidMode is "host"'),
        violating(task(ipcMode="host"), 'ipcMode is "host"'),
        violating(task(networkMode="host"), 'networkMode is "host"'),
        violating(
            task(volumes=[{"name": "docker", "hostPath": "/var/run/docker.sock"}]),
            'hostPath is "/var/run/docker.sock"',
        ),
        violating(task(volumes=[{"name": "root", "hostPath": "/"}]), 'hostPath is "/"'),
        violating(
            task(volumes=[{"name": "run", "hostPath": "/var/run/"}]),
            'hostPath is "/var/run/"',
            label="parent-of-socket",
        ),
        violating(
            with_container(linuxParameters={"capabilities": {"add": ["SYS_ADMIN"]}}), "grants SYS_ADMIN"
        ),
        violating(with_container(user="0"), "user '0' is root"),
        violating(with_container(user="app"), 'user is "app": set a numeric non-root user'),
        unknown(task(pidMode=UNKNOWN), "pidMode"),
        malformed(with_container(linuxParameters={"capabilities": {"add": "SYS_ADMIN"}}), "expected a list"),
    ],
    "ecs-log-router-secure": [
        compliant(task()),
        compliant(with_container(logConfiguration=SPLUNK), label="splunk"),
        compliant(with_container(logConfiguration=FIRELENS_HTTP), label="firelens"),
        violating(
            with_container(
                logConfiguration={**SPLUNK, "options": {**SPLUNK["options"], "splunk-token": "abc"}}
            ),
            "options.splunk-token looks like a secret",
        ),
        violating(
            with_container(
                logConfiguration={**SPLUNK, "options": {"splunk-url": "http://splunk.example.com:8088"}}
            ),
            "use an https:// endpoint",
        ),
        violating(
            with_container(
                logConfiguration={
                    **SPLUNK,
                    "options": {**SPLUNK["options"], "splunk-insecureskipverify": "true"},
                }
            ),
            "certificate is not checked",
        ),
        violating(
            with_container(
                logConfiguration={**FIRELENS_HTTP, "options": {"Name": "http", "Host": "logs.example.com"}}
            ),
            "sends logs without TLS",
        ),
        violating(
            with_container(
                logConfiguration={
                    **FIRELENS_HTTP,
                    "options": {**FIRELENS_HTTP["options"], "HTTP_Passwd": "hunter2"},
                }
            ),
            "HTTP_Passwd looks like a secret",
        ),
        unknown(task(containerDefinitions=UNKNOWN), "containerDefinitions"),
        malformed(
            with_container(logConfiguration={"logDriver": "splunk", "options": ["splunk-url"]}),
            "expected an object",
        ),
    ],
}
