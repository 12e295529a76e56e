"""Load balancers, listeners and target groups (`aws:lb/*` and its `aws:alb/*` aliases): TLS 1.2/1.3 only
with HSTS, strictest desync mitigation, logged, kept, and failed targets out of rotation in time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import Severity

from .. import standards
from ..kit import (
    MISSING,
    UNKNOWN,
    Items,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    Violation,
    as_int,
    describe,
    is_set_reference,
    list_items,
    lookup,
    require_true,
    resource_rule,
)

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")

ENCRYPTED_PROTOCOLS = ("HTTPS", "TLS")


def listener_protocol(listener: Resource) -> Any:
    """The protocol a listener serves, as AWS applies it: `UNKNOWN`, an upper-case name, or `MISSING`.

    The provider accepts the protocol in any case and upper-cases it, so `https` is HTTPS; an ALB
    listener without a protocol (it has a port) serves plain HTTP, AWS's default. Only a Gateway Load
    Balancer listener has neither.
    """
    protocol = listener.get("protocol")
    if protocol is UNKNOWN:
        return UNKNOWN
    if isinstance(protocol, str):
        return protocol.upper()
    return "HTTP" if protocol is MISSING and listener.get("port") is not MISSING else protocol


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


def http_actions_problem(actions: Items) -> str | None:
    """Why a plain-HTTP listener's (or rule's) known actions are not only redirects to HTTPS, or None (the
    caller reports the unknown ones: `actions.unverifiable()`)."""
    if isinstance(actions.problem, Violation):
        return actions.problem.message
    if actions.problem is None and not actions:
        return "no actions: the only action on plain HTTP must be a redirect to HTTPS"
    for action in actions.values:
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
    protocol = listener_protocol(resource)
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
    protocol = listener_protocol(resource)
    if protocol is UNKNOWN:
        yield Unverifiable("protocol")
        return
    if protocol != "HTTP":
        return
    actions = list_items(resource.get("defaultActions"), "defaultActions", "actions")
    problem = http_actions_problem(actions)
    if problem:
        yield Violation(f"HTTP listener: {problem}")
    else:
        yield from actions.unverifiable()


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


HSTS_ATTRIBUTE = "routingHttpResponseStrictTransportSecurityHeaderValue"


def hsts_problem(header: str, min_max_age: int, require_subdomains: bool) -> str | None:
    """Why a Strict-Transport-Security value does not pin HTTPS for `min_max_age` seconds, or None.

    Parsed as RFC 6797 section 6.1 says: `;`-separated directives, names case-insensitive, values
    optionally quoted; a header with a repeated directive is invalid and browsers ignore all of it.
    """
    directives: dict[str, str] = {}
    for part in header.split(";"):
        name, _, raw_value = part.partition("=")
        name = name.strip().lower()
        if not name:
            continue
        if name in directives:
            return f"the {name} directive appears twice, so browsers ignore the whole header"
        value = raw_value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        directives[name] = value
    if "max-age" not in directives:
        return "it has no max-age directive, so browsers ignore it"
    max_age = directives["max-age"]
    if not max_age.isascii() or not max_age.isdigit():
        return f"max-age {max_age!r} is not a whole number of seconds, so browsers ignore the header"
    if int(max_age) < min_max_age:
        return f"max-age is {int(max_age)} s, expected at least {min_max_age} s"
    if require_subdomains and "includesubdomains" not in directives:
        return "it lacks includeSubDomains, which this client's pack config requires"
    return None


@resource_rule(
    "lb-https-hsts",
    "HTTPS listeners send Strict-Transport-Security with a max-age of at least a year.",
    Severity.HIGH,
    f"Set {HSTS_ATTRIBUTE} to {standards.HSTS_HEADER_VALUE!r} "
    "(includeSubDomains is recommended: it also pins the subdomains to HTTPS).",
    LISTENERS,
    properties={
        "minMaxAgeSeconds": {
            "type": "integer",
            "minimum": standards.HSTS_MIN_MAX_AGE_SECONDS,
            "default": standards.HSTS_MIN_MAX_AGE_SECONDS,
        },
        "requireIncludeSubDomains": {"type": "boolean", "default": False},
    },
)
def https_hsts(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    protocol = listener_protocol(resource)
    if protocol is UNKNOWN:
        yield Unverifiable("protocol")
        return
    if protocol != "HTTPS":
        return
    header = resource.get(HSTS_ATTRIBUTE)
    if header is UNKNOWN:
        yield Unverifiable(HSTS_ATTRIBUTE)
        return
    fix = f"set it to {standards.HSTS_HEADER_VALUE!r}"
    if not isinstance(header, str) or not header.strip():
        yield Violation(
            f"{HSTS_ATTRIBUTE} is {describe(header)}: HTTPS responses carry no HSTS header, so a browser "
            f"may still try plain HTTP first; {fix}"
        )
        return
    problem = hsts_problem(header, settings.int("minMaxAgeSeconds"), settings["requireIncludeSubDomains"])
    if problem:
        yield Violation(f"{HSTS_ATTRIBUTE} is {header!r}: {problem}; {fix}")


@resource_rule(
    "lb-desync-strictest",
    "Application load balancers reject ambiguous HTTP requests (desync mitigation mode strictest).",
    Severity.MEDIUM,
    f"Set desyncMitigationMode: {standards.LB_DESYNC_MITIGATION_MODE}.",
    LOAD_BALANCERS,
)
def desync_strictest(resource: Resource, _: Settings) -> Iterator[Outcome]:
    application = is_application_lb(resource)
    if application is UNKNOWN:
        yield Unverifiable("loadBalancerType")
        return
    if not application:
        return
    mode = resource.get("desyncMitigationMode")
    fix = f"set it to {describe(standards.LB_DESYNC_MITIGATION_MODE)}"
    if mode is UNKNOWN:
        yield Unverifiable("desyncMitigationMode")
    elif mode is MISSING:
        yield Violation(
            'desyncMitigationMode is not set, so AWS applies "defensive", which still forwards some '
            f"ambiguous requests (HTTP desync / request smuggling): {fix}"
        )
    elif mode != standards.LB_DESYNC_MITIGATION_MODE:
        yield Violation(f"desyncMitigationMode is {describe(mode)}: {fix}")


def _aws_default(resource: Resource, key: str) -> int | Any:
    """The value AWS gives a health-check setting left unset, or UNKNOWN while the protocol is unknown.

    Interval 30 s (35 s for Lambda targets), unhealthy threshold 2 (AWS's current defaults), and a
    timeout of 5 s for HTTP/HTTPS/GENEVE groups, 30 s for Lambda and 10 s for TCP, TLS and UDP groups.
    """
    target_type = resource.get("targetType")
    protocol = resource.get("protocol")
    if UNKNOWN in (target_type, protocol):
        return UNKNOWN
    if target_type == "lambda":
        return {"interval": 35, "timeout": 30, "unhealthyThreshold": 2}[key]
    if key != "timeout":
        return {"interval": 30, "unhealthyThreshold": 2}[key]
    return 5 if protocol in (MISSING, "HTTP", "HTTPS", "GENEVE") else 10


def _health_check_number(resource: Resource, check: dict[str, Any], key: str) -> int | str | Any:
    """A positive whole-number health-check setting (AWS's default when unset), `UNKNOWN`, or why not."""
    value = lookup(check, key)
    if value is UNKNOWN:
        return UNKNOWN
    if value is MISSING:
        return _aws_default(resource, key)
    number = as_int(value)
    if number is None or number <= 0:
        return (
            f"healthCheck.{key} is {describe(value)}, expected a positive whole number of seconds or checks"
        )
    return number


@resource_rule(
    "lb-target-health-check-bound",
    "Target groups health-check their targets and take a failed one out of rotation within the bound.",
    Severity.HIGH,
    "Set healthCheck with enabled: true and interval, timeout and unhealthyThreshold such that "
    "interval x unhealthyThreshold + timeout stays within the bound (e.g. 10 s, 5 s and 2: 25 s).",
    TARGET_GROUPS,
    properties={
        "maxSeconds": {
            "type": "integer",
            "minimum": 1,
            "maximum": standards.MAX_SECONDS_TO_OUT_OF_ROTATION,
            "default": standards.MAX_SECONDS_TO_OUT_OF_ROTATION,
        }
    },
)
def target_health_check_bound(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    check = resource.get("healthCheck")
    if check is UNKNOWN:
        yield Unverifiable("healthCheck")
        return
    if check is MISSING:
        check = {}  # AWS health-checks with its defaults, which the bound below judges
    if not isinstance(check, dict):
        yield Violation(
            f"healthCheck is {describe(check)}: set healthCheck with enabled: true, interval, timeout and "
            "unhealthyThreshold"
        )
        return
    enabled = lookup(check, "enabled")
    if enabled is UNKNOWN:
        yield Unverifiable("healthCheck.enabled")
    elif enabled is False:
        yield Violation(
            "healthCheck.enabled is false: a failed target keeps receiving requests; set it to true"
        )
    elif enabled is MISSING:
        # AWS enables health checks by default, except for Lambda targets.
        target_type = resource.get("targetType")
        if target_type is UNKNOWN:
            yield Unverifiable("targetType")
        elif target_type == "lambda":
            yield Violation(
                "healthCheck.enabled is not set, so AWS disables it for Lambda targets: set it to true"
            )
    elif enabled is not True:
        yield Violation(f"healthCheck.enabled is {describe(enabled)}, expected a boolean: set it to true")
    keys = ("interval", "timeout", "unhealthyThreshold")
    numbers = {key: _health_check_number(resource, check, key) for key in keys}
    defaulted = [key for key in keys if lookup(check, key) is MISSING]
    for key, number in numbers.items():
        if number is UNKNOWN:
            yield Unverifiable(f"healthCheck.{key}" if key not in defaulted else "protocol")
        elif isinstance(number, str):
            yield Violation(number)
    interval, timeout, threshold = numbers["interval"], numbers["timeout"], numbers["unhealthyThreshold"]
    if not (isinstance(interval, int) and isinstance(timeout, int) and isinstance(threshold, int)):
        return
    bound = standards.out_of_rotation_bound_seconds(interval, timeout, threshold)
    limit = settings.int("maxSeconds")
    if bound > limit:
        unset = (
            f" ({', '.join(f'healthCheck.{key}' for key in defaulted)} not set, so AWS's defaults apply)"
            if defaulted
            else ""
        )
        yield Violation(
            f"a failed target can stay in rotation for up to {threshold} x {interval} s + {timeout} s = "
            f"{bound} s (unhealthyThreshold x interval + timeout){unset}, expected at most {limit} s: "
            "shorten the interval or timeout, or lower unhealthyThreshold"
        )
