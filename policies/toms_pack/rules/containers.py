"""ECS beyond the service's own settings: autoscaling never scales below the replica floor, tasks stay
isolated from their host, and log routers ship secrets and endpoints safely."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .. import standards
from ..kit import (
    MISSING,
    UNKNOWN,
    Advisory,
    Items,
    Outcome,
    Resource,
    Settings,
    Stack,
    Unverifiable,
    Violation,
    as_int,
    as_list,
    describe,
    list_items,
    lookup,
    optional_int_at_most,
    resource_rule,
    stack_rule,
)
from .ecs import (
    ECS_TASK_DEFINITION,
    REPLICA_FLOOR,
    SECRET_NAME_SETTING,
    _each_container,
    secret_name_pattern,
)

SCALABLE_TARGET = "aws:appautoscaling/target:Target"
SCHEDULED_ACTION = "aws:appautoscaling/scheduledAction:ScheduledAction"
ECS_DESIRED_COUNT = "ecs:service:DesiredCount"


@resource_rule(
    "ecs-autoscaling-min-capacity",
    "Autoscaling and scheduled actions never take an ECS service below its replica floor.",
    Severity.HIGH,
    "Set minCapacity (and every scheduled action's scalableTargetAction.minCapacity) to at least "
    "minReplicas, the replica floor shared with ecs-service-min-replicas.",
    (SCALABLE_TARGET, SCHEDULED_ACTION),
    shared=(REPLICA_FLOOR,),
)
def autoscaling_min_capacity(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    namespace, dimension = resource.get("serviceNamespace"), resource.get("scalableDimension")
    if UNKNOWN in (namespace, dimension):
        yield Unverifiable("serviceNamespace" if namespace is UNKNOWN else "scalableDimension")
        return
    if namespace != "ecs" or dimension != ECS_DESIRED_COUNT:
        return  # another service's capacity (DynamoDB, Aurora replicas...) has no replica floor here
    floor = settings.int(REPLICA_FLOOR.key)
    path: tuple[str, ...] = (
        ("minCapacity",) if resource.type == SCALABLE_TARGET else ("scalableTargetAction", "minCapacity")
    )
    value = resource.get(*path)
    number = as_int(value)
    where = ".".join(path)
    if value is UNKNOWN:
        yield Unverifiable(where)
    elif value is MISSING and resource.type == SCHEDULED_ACTION:
        return  # the action leaves the target's minimum, judged on the target, as it is
    elif number is None:
        yield Violation(f"{where} is {describe(value)}, expected a whole number of tasks")
    elif number < floor:
        yield Violation(
            f"{where} is {number}: autoscaling may leave fewer than {floor} tasks, so one failure takes "
            "the service down; set it to at least the replica floor"
        )


# --- host isolation ------------------------------------------------------------------------------------

HOST_NAMESPACES = ("pidMode", "ipcMode", "networkMode")
# Host paths that hand a container the host: its root, the container runtime's socket, kernel interfaces.
FORBIDDEN_HOST_PATHS = (
    "/",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/lib/docker",
    "/proc",
    "/sys",
    "/dev",
    "/etc",
    "/root",
    "/boot",
)
# Docker's default capabilities (the ones a container may keep or re-add): nothing that reaches the host.
SAFE_CAPABILITIES = (
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
)  # fmt: skip
NUMERIC_USER = re.compile(r"^(\d+)(?::(\d+))?$")


def _exposes_host(path: str) -> bool:
    """True for a forbidden path, a path inside one, or a parent of one (`/var/run` holds the socket)."""
    normal = posixpath.normpath(path) if path.startswith("/") else path
    return any(
        normal == forbidden
        or (forbidden != "/" and normal.startswith(forbidden + "/"))
        or forbidden.startswith(normal.rstrip("/") + "/")
        for forbidden in FORBIDDEN_HOST_PATHS
    )


def _volume_problem(where: str, volume: Any) -> Outcome | None:
    host_path = lookup(volume, "hostPath")
    if host_path is UNKNOWN:
        return Unverifiable(f"{where}.hostPath")
    if isinstance(host_path, str) and _exposes_host(host_path):
        return Violation(
            f"{where}.hostPath is {describe(host_path)}: it hands the container the host "
            "(its root, the container runtime's socket or kernel interfaces); use a task volume or EFS"
        )
    return None


def _container_problem(container: Mapping[str, Any], label: str, allowed: tuple[str, ...]) -> str | None:
    user = container.get("user")
    match = NUMERIC_USER.match(user) if isinstance(user, str) else None
    if match is None:
        return (
            f"{label}: user is {describe(user if user is not None else MISSING)}: set a numeric non-root "
            'user such as "1000:1000" (a name may map to root inside the image)'
        )
    if int(match.group(1)) == 0:
        return f"{label}: user {user!r} is root; set a numeric non-root user"
    added = lookup(container, "linuxParameters", "capabilities", "add")
    added_list = as_list(added)
    if added_list is None:
        return (
            f"{label}: linuxParameters.capabilities.add is {describe(added)}, expected a list of capabilities"
        )
    extra = [str(cap) for cap in added_list if str(cap).upper().removeprefix("CAP_") not in allowed]
    if extra:
        return (
            f"{label}: linuxParameters.capabilities.add grants {', '.join(extra)}, outside the allowed "
            f"capabilities ({', '.join(allowed) or 'none'})"
        )
    return None


@resource_rule(
    "ecs-task-host-isolation",
    "Tasks share no namespace with their host, mount none of its sensitive paths, run as a numeric non-root "
    "user and add only allowed capabilities.",
    Severity.CRITICAL,
    "Leave pidMode and ipcMode unset and use networkMode awsvpc; do not mount /, docker.sock or kernel "
    'paths; set each container\'s user to a numeric uid other than 0 ("1000:1000"); add capabilities only '
    "from allowedCapabilities.",
    (ECS_TASK_DEFINITION,),
    properties={
        "allowedCapabilities": {
            "type": "array",
            "description": "Linux capabilities a container may add (a subset of Docker's defaults).",
            "items": {"type": "string", "enum": list(SAFE_CAPABILITIES)},
            "default": [],
        }
    },
)
def host_isolation(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    for key in HOST_NAMESPACES:
        value = resource.get(key)
        if value is UNKNOWN:
            yield Unverifiable(key)
        elif value == "host":
            yield Violation(f'{key} is "host": the task shares the host\'s {key[:-4]} namespace')
    yield from list_items(resource.get("volumes"), "volumes", "volumes").each(_volume_problem)
    allowed = settings.strings("allowedCapabilities")
    yield from _each_container(
        resource, lambda container, label: _container_problem(container, label, allowed)
    )


# --- log routers ---------------------------------------------------------------------------------------

ROUTER_DRIVERS = ("awsfirelens", "splunk")
# Option names whose values are endpoints, and the schemes they must use.
_URL_OPTION = re.compile(r"(^|[_-])(url|uri|endpoint)$", re.IGNORECASE)
# Fluent Bit outputs that reach a remote host over the network, and so need `tls: On`.
_NETWORK_OUTPUTS = ("http", "splunk", "es", "opensearch", "loki", "datadog", "forward", "syslog", "tcp")


def _router_problem(container: Mapping[str, Any], label: str, secret_name: re.Pattern[str]) -> str | None:
    configuration = container.get("logConfiguration")
    driver = lookup(configuration, "logDriver")
    if driver not in ROUTER_DRIVERS:
        return None
    options = lookup(configuration, "options")
    if options is MISSING:
        return None
    if not isinstance(options, Mapping):
        return f"{label}: logConfiguration.options is {describe(options)}, expected an object"
    for name, value in options.items():
        text = str(value)
        if secret_name.search(re.sub(r"[-.]", "_", str(name))):
            return (
                f"{label}: logConfiguration.options.{name} looks like a secret in plain text; pass it in "
                "logConfiguration.secretOptions with valueFrom a Secrets Manager or SSM parameter ARN"
            )
        if _URL_OPTION.search(str(name)) and not text.lower().startswith("https://"):
            return f"{label}: logConfiguration.options.{name} is {describe(value)}: use an https:// endpoint"
        if str(name).lower() == "splunk-insecureskipverify" and text.lower() == "true":
            return f"{label}: splunk-insecureskipverify is true: the certificate is not checked"
    output = str(options.get("Name", "")).lower()
    if driver == "awsfirelens" and output in _NETWORK_OUTPUTS:
        tls = str(options.get("tls", options.get("TLS", "off"))).lower()
        if tls != "on":
            return f"{label}: the FireLens {output} output sends logs without TLS; set tls: On"
    return None


@resource_rule(
    "ecs-log-router-secure",
    "FireLens and Splunk log configurations keep secrets in secretOptions and send over HTTPS/TLS only.",
    Severity.HIGH,
    "Move tokens and passwords to logConfiguration.secretOptions (valueFrom an ARN), use https:// "
    "endpoints, set tls: On on FireLens network outputs and never skip certificate verification.",
    (ECS_TASK_DEFINITION,),
    properties=SECRET_NAME_SETTING,
)
def log_router_secure(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    secret_name = secret_name_pattern(settings)
    yield from _each_container(
        resource, lambda container, label: _router_problem(container, label, secret_name)
    )


# --- health-check grace and placement ------------------------------------------------------------------

ECS_SERVICE = "aws:ecs/service:Service"


@resource_rule(
    "ecs-service-health-check-grace-bounded",
    "A load-balanced service's health-check grace period is short enough that a failing task is replaced.",
    Severity.MEDIUM,
    "Set healthCheckGracePeriodSeconds to at most maxSeconds: during the grace period ECS ignores the "
    "load balancer's health checks, so a task that never becomes healthy keeps its place.",
    (ECS_SERVICE,),
    properties={
        "maxSeconds": {
            "type": "integer",
            "minimum": standards.MIN_HEALTH_CHECK_GRACE_SECONDS,
            "maximum": 600,
            "default": 300,
        }
    },
)
def health_check_grace_bounded(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    yield from optional_int_at_most(
        resource,
        "healthCheckGracePeriodSeconds",
        settings.int("maxSeconds"),
        "for that long ECS ignores the health checks, so a failing task is not replaced",
    )


SUBNET = "aws:ec2/subnet:Subnet"


def _subnet_zones(stack: Stack, service: Resource, subnets: Items) -> list[Any] | None:
    """The zones of the service's subnets, or None when a subnet is not one the stack declares."""
    dependencies = set(service.property_dependencies.get("networkConfiguration", ()))
    zones = []
    for subnet in stack.of_type(SUBNET):
        if subnet.urn in dependencies or subnet.get("id") in subnets.values:
            zone = subnet.get("availabilityZone")
            zones.append(subnet.get("availabilityZoneId") if zone is MISSING else zone)
    return zones if len(zones) >= len(subnets) else None


@stack_rule(
    "ecs-service-across-zones",
    "Services that place tasks in subnets (awsvpc) spread them over subnets in at least two zones.",
    Severity.HIGH,
    "Give networkConfiguration.subnets at least two subnets in different availability zones.",
    types=(ECS_SERVICE,),
)
def across_zones(stack: Stack, _: Settings) -> Iterator[Outcome]:
    for service in stack.of_type(ECS_SERVICE):
        if service.get("networkConfiguration", "subnets") is MISSING:
            continue  # bridge or host networking on EC2: placement follows the cluster's instances
        where = "networkConfiguration.subnets"
        subnets = list_items(service.get(*where.split(".")), where, "subnet ids", service)
        if subnets.problem is not None:
            yield subnets.problem
        elif len(subnets) < 2:
            # The count decides, whatever the subnets are.
            yield Violation(
                f"{service.name}: {where} names {len(subnets)} subnet: one zone's outage stops every task; "
                "list subnets in at least two zones",
                service,
            )
        else:
            zones = _subnet_zones(stack, service, subnets)
            if zones is None and not subnets.unknown:
                yield Advisory(
                    f"{service.name}: networkConfiguration.subnets names subnets this stack does not "
                    "declare, so the pack cannot tell their zones; make sure they lie in at least two",
                    service,
                )
            elif zones is None or UNKNOWN in zones or MISSING in zones:
                yield Unverifiable("networkConfiguration.subnets (their zones)", service)
            elif len(set(zones)) < 2:
                yield Violation(
                    f"{service.name}: every subnet is in {zones[0]}: spread them over at least two zones",
                    service,
                )
