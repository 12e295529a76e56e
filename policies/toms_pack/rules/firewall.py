"""Web application firewall: every internet-facing application load balancer has a WAFv2 web ACL.

A client who filters requests before they reach the load balancer (a CDN with its own firewall) turns the
baseline's web ACL off (`toms:loadBalancer.waf: false`) and waives this policy for that load balancer in
its pack config, with a reason and an expiry: the pack then reports it as an advisory on every run."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Severity

from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Settings,
    Stack,
    Unverifiable,
    Violation,
    stack_rule,
)
from .edge import LOAD_BALANCERS

WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"


@stack_rule(
    "lb-waf-associated",
    "Internet-facing application load balancers are behind a WAFv2 web ACL.",
    Severity.HIGH,
    "Add an aws.wafv2.WebAclAssociation of a web ACL with the load balancer (toms:loadBalancer.waf), or "
    "waive the policy for it with the reason requests are filtered before they reach it.",
    types=(WEB_ACL_ASSOCIATION,),
)
def lb_waf_associated(stack: Stack, _: Settings) -> Iterator[Outcome]:
    associations = stack.of_type(WEB_ACL_ASSOCIATION)
    for balancer in stack.of_type(*LOAD_BALANCERS):
        internal = balancer.get("internal")
        kind = balancer.get("loadBalancerType")
        if internal is UNKNOWN or kind is UNKNOWN:
            yield Unverifiable("internal/loadBalancerType", balancer)
            continue
        # The type defaults to application; network and gateway load balancers take no web ACL.
        if internal is True or (kind is not MISSING and kind != "application"):
            continue
        associated: list[object] = []
        undecided: list[object] = []
        for association in associations:
            found, maybe = stack.references(association, "resourceArn", [balancer], ("arn", "id"))
            associated += found
            undecided += maybe
        if associated:
            continue
        if undecided:
            yield Unverifiable("WebAclAssociation.resourceArn", balancer)
        else:
            yield Violation(
                f"internet-facing load balancer {balancer.name} has no WAF web ACL: associate one, or waive "
                "this policy for it if requests are filtered before they reach it",
                balancer,
            )
