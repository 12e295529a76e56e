"""Whole-stack policies that join resources: TLS-forcing parameter groups, exported log groups, services
behind health-checked target groups, and no plain-HTTP forwarding on a load balancer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import Severity

from .. import standards
from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Stack,
    Unverifiable,
    Violation,
    describe,
    list_items,
    lookup,
    stack_rule,
)
from .ecs import ECS_SERVICE
from .edge import LISTENER_RULES, LISTENERS, TARGET_GROUPS, http_actions_problem, listener_protocol
from .logs import LOG_GROUP
from .rds import RDS_CLUSTER, RDS_INSTANCE

PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
SUBSCRIPTION_FILTER = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"


def _engine_family(engine: Any) -> str | None:
    if not isinstance(engine, str):
        return None
    return next((family for family in standards.TLS_PARAMETERS if family in engine), None)


def _forces_tls(group: Resource, family: str) -> Any:
    """True/False, or UNKNOWN when the parameters are not known yet."""
    name, values = standards.TLS_PARAMETERS[family]
    parameters = list_items(group.get("parameters"), "parameters", "name/value parameters")
    if parameters.problem is not None:
        return UNKNOWN if isinstance(parameters.problem, Unverifiable) else False
    value = parameters.setting(name, lambda value: str(value) in values)
    return UNKNOWN if value is UNKNOWN else value is not MISSING and str(value) in values


@stack_rule(
    "rds-parameter-group-forces-tls",
    "Every RDS database uses a parameter group from this stack that refuses unencrypted connections.",
    Severity.CRITICAL,
    "Give the database a parameter group with rds.force_ssl=1 (PostgreSQL) or require_secure_transport=ON "
    "(MySQL/MariaDB).",
    types=(PARAMETER_GROUP, CLUSTER_PARAMETER_GROUP),
)
def parameter_group_forces_tls(stack: Stack, _: Settings) -> Iterator[Outcome]:
    for database in stack.of_type(RDS_INSTANCE, RDS_CLUSTER):
        engine = database.get("engine")
        if engine is UNKNOWN:
            yield Unverifiable("engine", database)
            continue
        family = _engine_family(engine)
        if family is None:
            yield Violation(
                f"database {database.name}: engine {describe(engine)} has no known TLS-forcing "
                "parameter; use PostgreSQL, MySQL or MariaDB",
                database,
            )
            continue
        key, group_type = (
            ("parameterGroupName", PARAMETER_GROUP)
            if database.type == RDS_INSTANCE
            else ("dbClusterParameterGroupName", CLUSTER_PARAMETER_GROUP)
        )
        if database.get(key) is MISSING:
            yield Violation(
                f"database {database.name}: {key} is not set, so the engine's default group "
                "applies; give it a parameter group that forces TLS",
                database,
            )
            continue
        groups, undecided = stack.references(database, key, stack.of_type(group_type), ("name", "id"))
        if not groups and (undecided or database.get(key) is UNKNOWN):
            which = ", ".join(group.name for group in undecided) or "no parameter group of this stack"
            yield Violation(
                f"database {database.name}: its {key} cannot be shown to be a parameter group of this stack "
                f"(it is unknown in preview and depends on {which}, not on exactly one group); pass the "
                f"group's own name output as {key}, so the pack can join them in preview",
                database,
            )
            continue
        if not groups:
            yield Violation(
                f"database {database.name}: parameter group {describe(database.get(key))} is not "
                "managed in this stack, so it cannot be shown to force TLS",
                database,
            )
            continue
        for group in groups:
            forced = _forces_tls(group, family)
            if forced is UNKNOWN:
                yield Unverifiable(f"{group.name}.parameters", database)
            elif not forced:
                parameter, values = standards.TLS_PARAMETERS[family]
                yield Violation(
                    f"database {database.name}: parameter group {group.name} does not set "
                    f"{parameter}={values[0]}",
                    database,
                )


DELIVERY_STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
ERROR_LOGGING = ("extendedS3Configuration", "cloudwatchLoggingOptions")


def _error_log_of(stack: Stack, group: Resource) -> list[Resource]:
    """The delivery streams that log their own delivery errors into `group`."""
    name = group.get("name")
    streams = []
    for stream in stack.of_type(DELIVERY_STREAM):
        options = stream.get(*ERROR_LOGGING)
        if (
            isinstance(options, dict)
            and lookup(options, "enabled") is True
            and isinstance(name, str)
            and lookup(options, "logGroupName") == name
        ):
            streams.append(stream)
    return streams


@stack_rule(
    "log-group-exported",
    "Every log group has a subscription that exports its events off the server, except a delivery stream's "
    "own error log, which must not be exported into that stream.",
    Severity.HIGH,
    "Add an aws.cloudwatch.LogSubscriptionFilter for the log group to the client's log archive stream.",
    types=(LOG_GROUP, SUBSCRIPTION_FILTER),
)
def log_group_exported(stack: Stack, _: Settings) -> Iterator[Outcome]:
    for group in stack.of_type(LOG_GROUP):
        joined = stack.configs_of(group, (SUBSCRIPTION_FILTER,), "logGroup", ("name", "id"))
        exporting = [
            subscription
            for subscription in joined.configs
            if subscription.get("destinationArn") is not MISSING
        ]
        errors_of = _error_log_of(stack, group)
        if errors_of:
            # The stream's failures would be fed back into the failing stream: its error log stays out.
            for subscription in exporting:
                looped, undecided = stack.references(subscription, "destinationArn", errors_of, ("arn",))
                if looped:
                    yield Violation(
                        f"log group {group.name} receives the delivery errors of {looped[0].name} and is "
                        "exported into that same stream: its failures would loop; keep it out of the export",
                        group,
                    )
                elif undecided:
                    yield Unverifiable(f"{subscription.name}.destinationArn", group)
            continue
        if exporting:
            continue
        yield Violation(
            f"log group {group.name} has no subscription filter exporting it: add a LogSubscriptionFilter "
            "with a destinationArn" + joined.undecided_note(),
            group,
        )


def _health_check_problem(group: Resource) -> str | Any | None:
    """Why the group does not health-check its targets (None when it does), or UNKNOWN.

    A group without a `healthCheck` block is still health-checked: AWS enables the check with its
    defaults (path `/`) for every target type but Lambda. Whether it takes failed targets out of
    rotation fast enough is lb-target-health-check-bound's finding, not this one's.
    """
    check = group.get("healthCheck")
    if check is UNKNOWN:
        return UNKNOWN
    enabled = lookup(check, "enabled") if isinstance(check, dict) else MISSING
    target_type = group.get("targetType")
    if UNKNOWN in (enabled, target_type):
        return UNKNOWN
    if enabled is False:
        return f"target group {group.name} has its health check disabled"
    if enabled is MISSING and target_type == "lambda":
        return f"target group {group.name} sends to a Lambda function, for which AWS leaves health checks off"
    return None


def _target_groups_of(service: Resource, arns: list[Any], target_groups: list[Resource]) -> tuple[list, list]:
    """The target groups the service's loadBalancers entries are the value of, and those that may be."""
    dependencies = tuple(service.property_dependencies.get("loadBalancers", ()))
    found: list[Resource] = []
    undecided: list[Resource] = []
    for arn in arns:
        if isinstance(arn, str) and arn:
            matched = [group for group in target_groups if group.get("arn") == arn]
            maybe = [group for group in target_groups if group.get("arn") is UNKNOWN]
        elif arn is UNKNOWN:
            # As `Stack.joins`: the dependencies name this group and no other target group.
            named = [group for group in target_groups if group.urn in dependencies]
            matched = named if len(named) == 1 and len(arns) == 1 else []
            maybe = named
        else:
            matched, maybe = [], []
        found += [group for group in matched if group not in found]
        undecided += [group for group in maybe if not matched and group not in undecided]
    return found, undecided


@stack_rule(
    "ecs-service-load-balanced",
    "Every ECS service sits behind a target group of this stack that health-checks its targets.",
    Severity.HIGH,
    "Attach the service to a target group of the stack (loadBalancers[].targetGroupArn set to its arn).",
)
def service_load_balanced(stack: Stack, _: Settings) -> Iterator[Outcome]:
    target_groups = stack.of_type(*TARGET_GROUPS)
    for service in stack.of_type(ECS_SERVICE):
        balancers = list_items(service.get("loadBalancers"), "loadBalancers", "load balancers", service)
        if balancers.problem is not None:
            yield balancers.problem
            continue
        if not balancers:
            yield Violation(
                f"service {service.name} is not behind a load balancer: attach it to a target group "
                "with a health check",
                service,
            )
            continue
        # An unknown entry's target group is as unknown as an unknown targetGroupArn.
        arns = [lookup(entry, "targetGroupArn") for entry in balancers.values]
        arns += [UNKNOWN] * len(balancers.unknown)
        groups, undecided = _target_groups_of(service, arns, target_groups)
        if not groups and (undecided or UNKNOWN in arns):
            which = ", ".join(group.name for group in undecided) or "no target group of this stack"
            yield Violation(
                f"service {service.name}: its loadBalancers[].targetGroupArn cannot be shown to be a target "
                f"group of this stack (unknown in preview, depending on {which}, not on exactly one "
                "group); pass the group's own arn output as targetGroupArn",
                service,
            )
            continue
        if not groups:
            yield Violation(
                f"service {service.name}: its target group is not managed in this stack, so its "
                "health check cannot be shown",
                service,
            )
            continue
        for group in groups:
            problem = _health_check_problem(group)
            if problem is UNKNOWN:
                yield Unverifiable(f"{group.name}.healthCheck", service)
            elif problem:
                yield Violation(f"service {service.name}: {problem}", service)


@stack_rule(
    "lb-no-plain-http-forwarding",
    "No load balancer forwards plain HTTP: rules on HTTP listeners only redirect to HTTPS.",
    Severity.HIGH,
    "Remove forward/fixed-response rules from HTTP listeners; HTTP may only redirect to HTTPS.",
)
def no_plain_http_forwarding(stack: Stack, _: Settings) -> Iterator[Outcome]:
    listeners = stack.of_type(*LISTENERS)
    for rule in stack.of_type(*LISTENER_RULES):
        joined, undecided = stack.references(rule, "listenerArn", listeners, ("arn", "id"))
        for listener in [*joined, *undecided]:
            protocol = listener_protocol(listener)
            if protocol is UNKNOWN:
                yield Unverifiable(f"{listener.name}.protocol", rule)
                continue
            if protocol != "HTTP":
                continue
            actions = list_items(rule.get("actions"), "actions", "actions").about(rule)
            problem = http_actions_problem(actions)
            if not problem:
                yield from actions.unverifiable()
            elif listener in joined:
                yield Violation(
                    f"listener rule {rule.name} on HTTP listener {listener.name}: {problem}", rule
                )
            else:
                yield Violation(
                    f"listener rule {rule.name} may be on HTTP listener {listener.name} (its listenerArn "
                    f"cannot be shown to be one listener's value in preview): {problem}; pass the listener's "
                    "own arn output as listenerArn",
                    rule,
                )
