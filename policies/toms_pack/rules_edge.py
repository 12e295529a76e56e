"""Load balancers and listeners (`aws:lb/*` and its `aws:alb/*` aliases): TLS 1.2/1.3 only, logged, kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import Severity

from . import standards
from .rulekit import (
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    Violation,
    as_list,
    describe,
    is_set_reference,
    lookup,
    require_true,
    resource_rule,
)

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")

ENCRYPTED_PROTOCOLS = ("HTTPS", "TLS")


def is_application_lb(resource: Resource) -> bool | Any:
    kind = resource.get("loadBalancerType")
    if kind is UNKNOWN:
        return UNKNOWN
    return not isinstance(kind, str) or kind == "application"


def action_redirects_to_https(action: Any) -> bool:
    return (
        isinstance(action, dict)
        and action.get("type") == "redirect"
        and lookup(action, "redirect", "protocol") == "HTTPS"
    )


def http_actions_problem(actions: Any) -> str | None:
    """Why a plain-HTTP listener's (or rule's) actions are not only redirects to HTTPS, or None."""
    listed = as_list(actions)
    if listed is None:
        return f"actions are {describe(actions)}, expected a list of actions"
    if not listed:
        return "no actions: the only action on plain HTTP must be a redirect to HTTPS"
    for action in listed:
        if not action_redirects_to_https(action):
            kind = lookup(action, "type")
            return (
                f"an action of type {describe(kind)} serves plain HTTP: "
                "the only action on plain HTTP must be a redirect with protocol HTTPS"
            )
    return None


@resource_rule(
    "lb-tls-listener-policy",
    "HTTPS/TLS listeners set an explicit security policy from the allowed TLS 1.2/1.3 set.",
    Severity.CRITICAL,
    f"Set sslPolicy to one of the allowed policies, e.g. {standards.DEFAULT_TLS_POLICY}.",
    LISTENERS,
    properties={
        "allowedPolicies": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": standards.TLS_POLICY_PATTERN.pattern},
            "default": list(standards.ALLOWED_TLS_POLICIES),
        }
    },
)
def tls_listener_policy(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    protocol = resource.get("protocol")
    if protocol is UNKNOWN:
        yield Unverifiable("protocol")
        return
    if protocol not in ENCRYPTED_PROTOCOLS:
        return
    policy = resource.get("sslPolicy")
    allowed = settings.strings("allowedPolicies")
    if policy is UNKNOWN:
        yield Unverifiable("sslPolicy")
    elif not isinstance(policy, str):
        yield Violation(
            f"sslPolicy is {describe(policy)}: the AWS default accepts TLS 1.0; "
            f"set it explicitly to one of {', '.join(allowed)}"
        )
    elif not standards.is_allowed_tls_policy(policy) or policy not in allowed:
        yield Violation(
            f"sslPolicy {policy!r} is not an allowed TLS 1.2/1.3 policy (TLS13-1-0 and TLS13-1-1 policies "
            f"still accept TLS 1.0/1.1): use one of {', '.join(allowed)}"
        )


@resource_rule(
    "lb-http-redirects-to-https",
    "Plain-HTTP listeners only redirect to HTTPS.",
    Severity.HIGH,
    "Give HTTP listeners a single default action: redirect with protocol HTTPS (status HTTP_301).",
    LISTENERS,
)
def http_redirects_to_https(resource: Resource, _: Settings) -> Iterator[Outcome]:
    protocol = resource.get("protocol")
    if protocol is UNKNOWN:
        yield Unverifiable("protocol")
        return
    if protocol != "HTTP":
        return
    actions = resource.get("defaultActions")
    if actions is UNKNOWN:
        yield Unverifiable("defaultActions")
        return
    problem = http_actions_problem(actions)
    if problem:
        yield Violation(f"HTTP listener: {problem}")


@resource_rule(
    "lb-drop-invalid-headers",
    "Application load balancers drop requests with invalid HTTP headers.",
    Severity.MEDIUM,
    "Set dropInvalidHeaderFields: true.",
    LOAD_BALANCERS,
)
def drop_invalid_headers(resource: Resource, _: Settings) -> Iterator[Outcome]:
    application = is_application_lb(resource)
    if application is UNKNOWN:
        yield Unverifiable("loadBalancerType")
    elif application:
        yield from require_true(resource, "dropInvalidHeaderFields", "set dropInvalidHeaderFields: true")


@resource_rule(
    "lb-deletion-protection",
    "Load balancers cannot be deleted by accident.",
    Severity.MEDIUM,
    "Set enableDeletionProtection: true.",
    LOAD_BALANCERS,
)
def deletion_protection(resource: Resource, _: Settings) -> Iterator[Outcome]:
    yield from require_true(resource, "enableDeletionProtection", "set enableDeletionProtection: true")


@resource_rule(
    "lb-access-logs",
    "Load balancers write access logs to S3.",
    Severity.MEDIUM,
    "Set accessLogs: {enabled: true, bucket: <log bucket>}.",
    LOAD_BALANCERS,
)
def access_logs(resource: Resource, _: Settings) -> Iterator[Outcome]:
    logs = resource.get("accessLogs")
    if logs is UNKNOWN:
        yield Unverifiable("accessLogs")
        return
    if not isinstance(logs, dict):
        yield Violation(f"accessLogs is {describe(logs)}: set accessLogs with enabled: true and a bucket")
        return
    enabled = lookup(logs, "enabled")
    if enabled is UNKNOWN:
        yield Unverifiable("accessLogs.enabled")
    elif enabled is not True:
        yield Violation(f"accessLogs.enabled is {describe(enabled)}: set it to true")
    if not is_set_reference(lookup(logs, "bucket")):
        yield Violation("accessLogs.bucket is not set: name the S3 bucket that receives the access logs")


RULES = (tls_listener_policy, http_redirects_to_https, drop_invalid_headers, deletion_protection, access_logs)
