"""ECS autoscaling, host isolation and log routers: each rule's case table."""

from __future__ import annotations

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

SERVICE = "aws:ecs/service:Service"


def subnet_zone(role: str, zone: object):
    return change(role, "availabilityZone", zone)


# The replica floor is one setting of two policies: a raised floor is set in both (test_pack_config.py).
RAISED_REPLICA_FLOOR = {
    "ecs-autoscaling-min-capacity": {"minReplicas": 3},
    "ecs-service-min-replicas": {"minReplicas": 3},
}

CASES: dict[str, list[Case]] = {
    "ecs-service-health-check-grace-bounded": [
        compliant(resource(SERVICE)),
        compliant(resource(SERVICE, healthCheckGracePeriodSeconds=DELETE), label="unset"),
        compliant(resource(SERVICE, healthCheckGracePeriodSeconds=300), label="at-the-bound"),
        violating(
            resource(SERVICE, healthCheckGracePeriodSeconds=3600), "healthCheckGracePeriodSeconds is 3600"
        ),
        violating(
            resource(SERVICE, healthCheckGracePeriodSeconds=120),
            "healthCheckGracePeriodSeconds is 120, expected at most 90",
            config={"ecs-service-health-check-grace-bounded": {"maxSeconds": 90}},
        ),
        unknown(resource(SERVICE, healthCheckGracePeriodSeconds=UNKNOWN), "healthCheckGracePeriodSeconds"),
        malformed(resource(SERVICE, healthCheckGracePeriodSeconds="1m"), "expected a whole number"),
    ],
    "ecs-service-across-zones": [
        compliant(unchanged),
        compliant(change("service", "networkConfiguration", DELETE), label="bridge-networking"),
        violating(
            change("service", "networkConfiguration.subnets", ["subnet-1"]), "names 1 subnet", at="service"
        ),
        violating(subnet_zone("subnet-2", "eu-west-1a"), "every subnet is in eu-west-1a", at="service"),
        unknown(subnet_zone("subnet-2", UNKNOWN), "service.networkConfiguration.subnets (their zones)"),
        unknown(
            both(subnet_zone("subnet-1", DELETE), subnet_zone("subnet-2", DELETE)),
            "service.networkConfiguration.subnets (their zones)",
            label="zones-left-to-aws",
        ),
        malformed(
            change("service", "networkConfiguration.subnets", "subnet-1,subnet-2"),
            'service: networkConfiguration.subnets is "subnet-1,subnet-2", expected a list of subnet ids',
            at="service",
        ),
        unknown(
            change("service", "networkConfiguration.subnets", UNKNOWN),
            "service.networkConfiguration.subnets",
            at="service",
            label="subnets",
        ),
        # The count decides: one entry, known or not, is one subnet.
        violating(
            change("service", "networkConfiguration.subnets", [UNKNOWN]),
            "names 1 subnet",
            at="service",
            label="one-unknown-subnet",
        ),
        unknown(
            change("service", "networkConfiguration.subnets", ["subnet-1", UNKNOWN]),
            "service.networkConfiguration.subnets (their zones)",
            at="service",
            label="one-subnet",
        ),
    ],
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
            config=RAISED_REPLICA_FLOOR,
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
        unknown(task(volumes=UNKNOWN), "volumes", label="volumes"),
        violating(
            task(volumes=[UNKNOWN, {"name": "root", "hostPath": "/"}]),
            'volumes[1].hostPath is "/"',
            label="beside-unknown",
        ),
        unknown(
            task(volumes=[{"name": "data", "hostPath": "/srv/app-data"}, UNKNOWN]),
            "volumes[1]",
            label="one-volume",
        ),
        malformed(
            task(volumes={"name": "root"}),
            'volumes is {"name": "root"}, expected a list of volumes',
            label="volumes",
        ),
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
