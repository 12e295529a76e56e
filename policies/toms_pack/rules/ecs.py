"""ECS services that heal themselves and task definitions that run locked-down, observable containers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from pulumi_policy import Severity

from .. import standards
from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    SharedSetting,
    Unverifiable,
    Violation,
    describe,
    forbid_true,
    list_items,
    lookup,
    require_int_between,
    resource_rule,
)

ECS_SERVICE = "aws:ecs/service:Service"
ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"

# The fewest copies of a service that may run: what the service asks for and what autoscaling may scale
# in to are one number. A client may ask for more copies, never fewer: one copy is not the redundancy the
# annex promises.
REPLICA_FLOOR = SharedSetting(
    "minReplicas",
    {
        "type": "integer",
        "description": "The replica floor: the fewest copies of an ECS service that may run. One setting, "
        "read by ecs-service-min-replicas and ecs-autoscaling-min-capacity; give both the same value.",
        "minimum": standards.MIN_REPLICAS,
        "maximum": standards.MAX_REPLICAS,
        "default": standards.MIN_REPLICAS,
    },
    "the replica floor",
)

# Matched case-insensitively anywhere in a variable's name. Short words that also occur inside harmless
# words (PASS in BYPASS, KEY in MONKEY or KEYBOARD_LAYOUT) only count as whole `_`-separated words; a name
# ending in _KEY or _KEYS is a key unless it is a public one.
SECRET_NAME_PATTERNS: tuple[str, ...] = (
    r"PASSW(OR)?D",
    r"PASSPHRASE",
    r"(^|_)(PASS|PWD)(_|$)",
    r"SECRET",
    r"TOKEN",
    r"API_?KEY",
    r"PRIVATE_?KEY",
    r"CREDENTIAL",
    r"ACCESS_?KEY",
    r"(^|(?<!PUBLIC)(?<!PUBLISHABLE)_)KEYS?$",
)
# The config of every policy that looks for secret-looking names, with the patterns above as its default.
SECRET_NAME_SETTING: dict[str, dict[str, Any]] = {
    "secretNamePatterns": {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "default": list(SECRET_NAME_PATTERNS),
    }
}


def secret_name_pattern(settings: Settings) -> re.Pattern[str]:
    """A policy's `secretNamePatterns` as one case-insensitive pattern (matching nothing when empty)."""
    return re.compile(
        "|".join(f"(?:{p})" for p in settings.strings("secretNamePatterns")) or "$^", re.IGNORECASE
    )


# Values that are secrets whatever the variable is called: AWS access keys, PEM keys, URLs with a password.
SECRET_VALUE_PATTERN = re.compile(
    r"(AKIA|ASIA)[A-Z0-9]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|://[^/\s:@]+:[^/\s@]+@"
)
# A password given on a container's command line as a literal: `--password=x`, `--db-passwd=x`, or
# `--password x`. A value that starts with `$` expands a variable (filled from `secrets`) and is fine, and
# so is a flag that only names where the password is (`--password-file=...`).
COMMAND_LINE_PASSWORD = re.compile(
    r"(?<![\w-])(?:--(?:[a-z0-9]+-)*(?:password|passwd|passphrase)=|--(?:password|passwd|passphrase)\s+)"
    r"[\"']?(?![\s$\"'-])\S",
    re.IGNORECASE,
)


def _is_daemon(resource: Resource) -> bool:
    return resource.get("schedulingStrategy") == "DAEMON"


@resource_rule(
    "ecs-service-min-replicas",
    "ECS services run at least the configured number of copies.",
    Severity.HIGH,
    f"Set desiredCount to at least minReplicas (default {standards.MIN_REPLICAS}), the replica floor "
    "shared with ecs-autoscaling-min-capacity.",
    (ECS_SERVICE,),
    shared=(REPLICA_FLOOR,),
)
def min_replicas(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    if _is_daemon(resource):
        return
    yield from require_int_between(
        resource,
        "desiredCount",
        settings.int(REPLICA_FLOOR.key),
        None,
        "one copy can fail while the others serve",
    )


@resource_rule(
    "ecs-service-circuit-breaker",
    "ECS deployments stop and roll back when new tasks fail.",
    Severity.HIGH,
    "Set deploymentCircuitBreaker: {enable: true, rollback: true}.",
    (ECS_SERVICE,),
)
def circuit_breaker(resource: Resource, _: Settings) -> Iterator[Outcome]:
    breaker = resource.get("deploymentCircuitBreaker")
    if breaker is UNKNOWN:
        yield Unverifiable("deploymentCircuitBreaker")
        return
    if not isinstance(breaker, dict):
        yield Violation(
            f"deploymentCircuitBreaker is {describe(breaker)}: set {{enable: true, rollback: true}}"
        )
        return
    for key in ("enable", "rollback"):
        value = lookup(breaker, key)
        if value is UNKNOWN:
            yield Unverifiable(f"deploymentCircuitBreaker.{key}")
        elif value is not True:
            yield Violation(f"deploymentCircuitBreaker.{key} is {describe(value)}: set it to true")


@resource_rule(
    "ecs-service-min-healthy-percent",
    "ECS deployments keep every running copy until its replacement is healthy.",
    Severity.MEDIUM,
    f"Set deploymentMinimumHealthyPercent to at least {standards.MIN_HEALTHY_PERCENT}.",
    (ECS_SERVICE,),
    # Below 100 a deployment may stop serving copies before their replacements are healthy.
    properties={
        "minimumPercent": {
            "type": "integer",
            "minimum": standards.MIN_HEALTHY_PERCENT,
            "maximum": 100,
            "default": standards.MIN_HEALTHY_PERCENT,
        },
    },
)
def min_healthy_percent(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    if _is_daemon(resource) or resource.get("deploymentMinimumHealthyPercent") is MISSING:
        return  # unset, AWS applies 100 for a replica service: the highest minimum the config allows
    yield from require_int_between(
        resource,
        "deploymentMinimumHealthyPercent",
        settings.int("minimumPercent"),
        None,
        "a deployment must not take serving copies away before their replacements are healthy",
    )


@resource_rule(
    "ecs-service-no-public-ip",
    "ECS tasks get no public IP address.",
    Severity.HIGH,
    "Set networkConfiguration.assignPublicIp: false and run tasks in private subnets.",
    (ECS_SERVICE,),
)
def no_public_ip(resource: Resource, _: Settings) -> Iterator[Outcome]:
    network = resource.get("networkConfiguration")
    if network is UNKNOWN:
        yield Unverifiable("networkConfiguration")
    elif network is not MISSING and not isinstance(network, dict):
        yield Violation(f"networkConfiguration is {describe(network)}, expected an object")
    elif isinstance(network, dict):
        yield from forbid_true(
            Resource(resource.type, resource.name, resource.urn, network),
            "assignPublicIp",
            "set networkConfiguration.assignPublicIp: false",
        )


@resource_rule(
    "ecs-service-health-check-grace",
    "Load-balanced ECS services give new tasks a health-check grace period.",
    Severity.MEDIUM,
    f"Set healthCheckGracePeriodSeconds to at least {standards.MIN_HEALTH_CHECK_GRACE_SECONDS}.",
    (ECS_SERVICE,),
    properties={
        "minSeconds": {
            "type": "integer",
            "minimum": 1,
            "maximum": 2147483647,
            "default": standards.MIN_HEALTH_CHECK_GRACE_SECONDS,
        },
    },
)
def health_check_grace(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    # Any entry, known or not, puts the service behind a load balancer.
    balancers = list_items(resource.get("loadBalancers"), "loadBalancers", "load balancers")
    if balancers.problem is not None:
        yield balancers.problem
    elif balancers:
        yield from require_int_between(
            resource,
            "healthCheckGracePeriodSeconds",
            settings.int("minSeconds"),
            None,
            "new tasks need time to start before the load balancer's health checks count",
        )


# --- task definitions -----------------------------------------------------------------------------------


def _containers(resource: Resource) -> tuple[list[dict[str, Any]] | None, Outcome | None]:
    """The parsed container definitions, or the outcome that explains why there are none to check."""
    raw = resource.get("containerDefinitions")
    if raw is UNKNOWN:
        return None, Unverifiable("containerDefinitions")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as error:
            return None, Violation(
                f"containerDefinitions is not valid JSON ({error}): expected a JSON list "
                "of container definitions"
            )
    if not isinstance(raw, list) or not raw:
        return None, Violation(
            f"containerDefinitions is {describe(raw)}: expected a non-empty list of container definitions"
        )
    for index, container in enumerate(raw):
        if not isinstance(container, dict):
            return None, Violation(
                f"containerDefinitions[{index}] is {describe(container)}, expected an object"
            )
    return raw, None


def _container_label(container: dict[str, Any], index: int) -> str:
    name = container.get("name")
    return f"container {name!r}" if isinstance(name, str) else f"containerDefinitions[{index}]"


def _each_container(
    resource: Resource, check: Callable[[dict[str, Any], str], str | None]
) -> Iterator[Outcome]:
    containers, outcome = _containers(resource)
    if outcome is not None:
        yield outcome
        return
    assert containers is not None
    for index, container in enumerate(containers):
        problem = check(container, _container_label(container, index))
        if problem:
            yield Violation(problem)


@resource_rule(
    "ecs-task-read-only-root",
    "Containers run with a read-only root filesystem.",
    Severity.MEDIUM,
    "Set readonlyRootFilesystem: true in every container definition; mount volumes for writable paths.",
    (ECS_TASK_DEFINITION,),
)
def read_only_root(resource: Resource, _: Settings) -> Iterator[Outcome]:
    def check(container: dict[str, Any], label: str) -> str | None:
        value = container.get("readonlyRootFilesystem", MISSING)
        if value is not True:
            return f"{label}: readonlyRootFilesystem is {describe(value)}, set it to true"
        return None

    yield from _each_container(resource, check)


@resource_rule(
    "ecs-task-not-privileged",
    "No container runs privileged.",
    Severity.CRITICAL,
    "Remove privileged: true from every container definition.",
    (ECS_TASK_DEFINITION,),
)
def not_privileged(resource: Resource, _: Settings) -> Iterator[Outcome]:
    def check(container: dict[str, Any], label: str) -> str | None:
        value = container.get("privileged", False)
        if value not in (False, None):
            return f"{label}: privileged is {describe(value)}, remove it or set it to false"
        return None

    yield from _each_container(resource, check)


@resource_rule(
    "ecs-task-log-configuration",
    "Every container ships its logs off the server.",
    Severity.HIGH,
    "Give every container a logConfiguration (logDriver awslogs pointing at the client's log group).",
    (ECS_TASK_DEFINITION,),
    properties={
        "allowedLogDrivers": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "enum": list(standards.OFF_HOST_LOG_DRIVERS)},
            "default": list(standards.OFF_HOST_LOG_DRIVERS),
        }
    },
)
def log_configuration(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    allowed = settings.strings("allowedLogDrivers")

    def check(container: dict[str, Any], label: str) -> str | None:
        driver = lookup(container, "logConfiguration", "logDriver")
        if not isinstance(driver, str) or not driver:
            return f"{label}: logConfiguration.logDriver is {describe(driver)}, set a log driver (awslogs)"
        if driver not in allowed:
            return (
                f"{label}: logConfiguration.logDriver is {describe(driver)}, which does not ship logs off "
                f"the host; use one of {', '.join(allowed)}"
            )
        return None

    yield from _each_container(resource, check)


@resource_rule(
    "ecs-task-health-check",
    "Every essential container has a health check, so ECS replaces a broken copy.",
    Severity.HIGH,
    "Give every essential container a healthCheck with a command.",
    (ECS_TASK_DEFINITION,),
)
def health_check(resource: Resource, _: Settings) -> Iterator[Outcome]:
    def check(container: dict[str, Any], label: str) -> str | None:
        if container.get("essential", True) is False:
            return None
        command = lookup(container, "healthCheck", "command")
        if not isinstance(command, list) or not command or not all(isinstance(part, str) for part in command):
            return f"{label}: healthCheck.command is {describe(command)}, set a health check command"
        return None

    yield from _each_container(resource, check)


@resource_rule(
    "ecs-task-no-plaintext-secrets",
    "No container receives a secret as a plain environment value.",
    Severity.CRITICAL,
    "Move secret values from environment to secrets (valueFrom a Secrets Manager or SSM ARN).",
    (ECS_TASK_DEFINITION,),
    properties=SECRET_NAME_SETTING,
)
def no_plaintext_secrets(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    name_pattern = secret_name_pattern(settings)

    def check(container: dict[str, Any], label: str) -> str | None:
        environment = container.get("environment", [])
        if not isinstance(environment, list):
            return f"{label}: environment is {describe(environment)}, expected a list of name/value pairs"
        for entry in environment:
            if not isinstance(entry, dict):
                return f"{label}: environment entry {describe(entry)} is not a name/value object"
            name, value = entry.get("name"), entry.get("value")
            if not isinstance(name, str):
                return f"{label}: environment entry {describe(entry)} has no name"
            if (
                isinstance(value, str)
                and value
                and (name_pattern.search(name) or SECRET_VALUE_PATTERN.search(value))
            ):
                return (
                    f"{label}: environment variable {name} looks like a secret in plain text; pass it in "
                    "secrets with valueFrom a Secrets Manager or SSM parameter ARN"
                )
        for key in ("entryPoint", "command"):
            arguments = container.get(key)
            if arguments is None:
                continue
            if not isinstance(arguments, list) or not all(isinstance(part, str) for part in arguments):
                return f"{label}: {key} is {describe(arguments)}, expected a list of strings"
            line = " ".join(arguments)
            if COMMAND_LINE_PASSWORD.search(line) or SECRET_VALUE_PATTERN.search(line):
                return (
                    f"{label}: {key} passes a secret as a literal argument; pass it in secrets with "
                    "valueFrom a Secrets Manager or SSM parameter ARN and refer to the variable instead"
                )
        return None

    yield from _each_container(resource, check)
