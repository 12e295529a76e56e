"""Elastic Load Balancing: the client's application and network load balancers, their listeners' TLS, their
attributes, and the WAF web ACL in front of the internet-facing application load balancer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from components.config import ClientConfig
from policies.toms_pack import standards
from toms.live.checks import (
    AuditContext,
    DocumentedException,
    ItemVerdict,
    Resource,
    Verdict,
    batches,
    check,
    discovers,
)
from toms.waivers import active_waivers_of

SERVICE = "elbv2"
LOAD_BALANCER = "load balancer"

# The most load balancers DescribeLoadBalancers takes at once.
_DESCRIBE_BATCH = 20

# Load balancer attributes the edge component sets, with their values; header dropping and desync
# mitigation exist only on application load balancers.
LB_REQUIRED_ATTRIBUTES = {"deletion_protection.enabled": "true", "access_logs.s3.enabled": "true"}
ALB_REQUIRED_ATTRIBUTES = {
    "routing.http.drop_invalid_header_fields.enabled": "true",
    "routing.http.desync_mitigation_mode": standards.LB_DESYNC_MITIGATION_MODE,
}


@discovers(
    SERVICE,
    LOAD_BALANCER,
    scope=lambda context: context.session.arn("elasticloadbalancing", "loadbalancer/*"),
)
def client_load_balancers(context: AuditContext) -> list[Resource]:
    # Classic load balancers share the resource type; their ARNs lack the app/ or net/ segment.
    arns = [
        arn
        for arn in context.tagged_arns("elasticloadbalancing:loadbalancer")
        if ":loadbalancer/app/" in arn or ":loadbalancer/net/" in arn
    ]
    elbv2 = context.client_for("elbv2")
    found: list[Resource] = []
    for batch in batches(arns, _DESCRIBE_BATCH):
        pages = elbv2.get_paginator("describe_load_balancers").paginate(LoadBalancerArns=batch)
        found.extend(Resource(lb["LoadBalancerArn"], lb) for page in pages for lb in page["LoadBalancers"])
    return found


@check(
    "lb-listeners",
    service=SERVICE,
    kind=LOAD_BALANCER,
    title="every listener serves TLS 1.2/1.3 only, or redirects plain HTTP to HTTPS",
    per_item=True,
)
def listeners(context: AuditContext, resource: Resource) -> Iterator[ItemVerdict]:
    pages = (
        context.client_for("elbv2").get_paginator("describe_listeners").paginate(LoadBalancerArn=resource.arn)
    )
    found = [listener for page in pages for listener in page["Listeners"]]
    if not found:
        yield ItemVerdict(resource.arn, Verdict(False, {"listeners": 0}, "the load balancer has no listener"))
    for listener in found:
        yield ItemVerdict(listener["ListenerArn"], listener_verdict(listener, context.expected))


def listener_verdict(listener: dict[str, Any], config: ClientConfig | None) -> Verdict:
    protocol = listener.get("Protocol")
    observed: dict[str, Any] = {"protocol": protocol, "port": listener.get("Port")}
    if protocol in ("HTTPS", "TLS"):
        policy = listener.get("SslPolicy")
        expected = config.load_balancer.tls_policy if config is not None else None
        observed["ssl_policy"] = (
            {"expected": expected, "actual": policy}
            if expected is not None
            else {"allowed": standards.TLS_POLICY_PATTERN.pattern, "actual": policy}
        )
        if not standards.is_allowed_tls_policy(policy):
            return Verdict(
                False, observed, f"{protocol} with policy {policy}, which accepts TLS older than 1.2"
            )
        if expected is not None and policy != expected:
            return Verdict(
                False,
                observed,
                f"{protocol} with policy {policy}; expected {expected} (loadBalancer.tlsPolicy)",
            )
        return Verdict(True, observed, f"{protocol} with TLS 1.2/1.3 policy {policy}")
    actions = listener.get("DefaultActions", [])
    observed["default_actions"] = [action.get("Type") for action in actions]
    redirects_to_https = bool(actions) and all(
        action.get("Type") == "redirect" and action.get("RedirectConfig", {}).get("Protocol") == "HTTPS"
        for action in actions
    )
    if protocol == "HTTP" and redirects_to_https:
        return Verdict(True, observed, "plain HTTP only redirects to HTTPS")
    return Verdict(
        False, observed, f"{protocol} listener on port {listener.get('Port')} serves traffic unencrypted"
    )


@check(
    "lb-attributes",
    service=SERVICE,
    kind=LOAD_BALANCER,
    title="header dropping, desync mitigation, deletion protection and access logs as the baseline sets them",
)
def attributes(context: AuditContext, resource: Resource) -> Verdict:
    response = context.client_for("elbv2").describe_load_balancer_attributes(LoadBalancerArn=resource.arn)
    values = {attribute["Key"]: attribute.get("Value") for attribute in response["Attributes"]}
    required = dict(LB_REQUIRED_ATTRIBUTES)
    if resource.data.get("Type") == "application":
        required.update(ALB_REQUIRED_ATTRIBUTES)
    observed: dict[str, Any] = {key: values.get(key) for key in required}
    observed["access_logs.s3.bucket"] = values.get("access_logs.s3.bucket")
    wrong = [f"{key} (expected {value})" for key, value in required.items() if values.get(key) != value]
    if wrong:
        return Verdict(False, observed, "not as the baseline sets it: " + ", ".join(wrong))
    return Verdict(
        True, observed, "header dropping, desync mitigation, deletion protection and access logs are on"
    )


# The pack's policy that a client without the baseline's WAF waives, with a reason and an expiry.
WAF_POLICY = "lb-waf-associated"


@check(
    "lb-waf",
    service=SERVICE,
    kind=LOAD_BALANCER,
    title="the internet-facing application load balancer is behind a WAF web ACL with the baseline's AWS "
    "managed rule groups, each blocking what it matches",
    per_item=True,
)
def web_acl(context: AuditContext, resource: Resource) -> Iterator[ItemVerdict]:
    # Internal, network and gateway load balancers take no web ACL (as the pack's lb-waf-associated).
    if resource.data.get("Type") != "application" or resource.data.get("Scheme") != "internet-facing":
        return
    acl = context.client_for("wafv2").get_web_acl_for_resource(ResourceArn=resource.arn).get("WebACL")
    config = context.expected
    if acl is None and config is not None and not config.load_balancer.waf:
        yield ItemVerdict(resource.arn, waf_turned_off(context))
    else:
        yield ItemVerdict(resource.arn, web_acl_verdict(acl))


def blocking_managed_groups(acl: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The AWS managed rule groups of a web ACL that block what they match over every request, and those
    that do not (counted only, rules overridden, or narrowed by a scope-down statement)."""
    blocking: list[str] = []
    not_blocking: list[str] = []
    for rule in acl.get("Rules") or []:
        statement = (rule.get("Statement") or {}).get("ManagedRuleGroupStatement")
        if not statement or statement.get("VendorName") != standards.WAF_MANAGED_VENDOR:
            continue
        counted = "Count" in (rule.get("OverrideAction") or {})
        weakened = counted or statement.get("RuleActionOverrides") or statement.get("ScopeDownStatement")
        (not_blocking if weakened else blocking).append(str(statement.get("Name")))
    return blocking, not_blocking


def web_acl_verdict(acl: dict[str, Any] | None) -> Verdict:
    expected = list(standards.WAF_MANAGED_RULE_GROUPS)
    if acl is None:
        observed: dict[str, Any] = {"web_acl": None, "rule_groups": {"expected": expected, "actual": []}}
        return Verdict(False, observed, "no WAF web ACL is associated with the internet-facing load balancer")
    blocking, not_blocking = blocking_managed_groups(acl)
    observed = {
        "web_acl": acl.get("ARN"),
        "rule_groups": {"expected": expected, "actual": blocking},
        "not_blocking": not_blocking,
    }
    missing = [group for group in expected if group not in blocking]
    if missing:
        counted = [group for group in missing if group in not_blocking]
        absent = [group for group in missing if group not in not_blocking]
        parts = [f"without {', '.join(absent)}"] if absent else []
        parts += [f"with {', '.join(counted)} counting or narrowed, not blocking"] if counted else []
        return Verdict(False, observed, f"web ACL {acl.get('Name')} " + "; ".join(parts))
    return Verdict(True, observed, f"behind web ACL {acl.get('Name')}, blocking with {', '.join(expected)}")


def waf_turned_off(context: AuditContext) -> Verdict | DocumentedException:
    """No web ACL, and the client's stack file turns the baseline's off: the client's documented exception
    when its pack config waives lb-waf-associated (read as the pack reads waivers), a failure otherwise."""
    waivers = active_waivers_of(WAF_POLICY, context.policy_config, context.now().date())
    observed = {"web_acl": None, "loadBalancer.waf": False, "waivers": [waiver.text for waiver in waivers]}
    if not waivers:
        return Verdict(
            False,
            observed,
            f"no WAF web ACL: the stack file sets toms:loadBalancer.waf: false, but the client's pack config "
            f"gives no active waiver of {WAF_POLICY} (a reason and an expiry), so the exception is not "
            "documented",
        )
    return DocumentedException(
        observed,
        "no WAF web ACL, by the client's documented exception: the stack file sets toms:loadBalancer.waf: "
        f"false and {'; '.join(waiver.text for waiver in waivers)}",
    )
