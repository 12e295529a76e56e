"""The web application firewall rule: every internet-facing application load balancer has a web ACL; its
case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

import copy

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
from tests.policies.samples import COMPLIANT, add, both
from toms.offline.analyzer_client import UNKNOWN

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/acme/0123456789abcdef"


def balancer(**changes: object) -> dict[str, object]:
    props = copy.deepcopy(COMPLIANT[LOAD_BALANCER])
    return {**props, "arn": ALB_ARN, "internal": False, **changes}


ASSOCIATED = add(
    "association",
    ASSOCIATION,
    {"resourceArn": ALB_ARN, "webAclArn": "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/1"},
)

CASES: dict[str, list[Case]] = {
    "lb-waf-associated": [
        compliant(unchanged),
        compliant(both(add("alb", LOAD_BALANCER, balancer()), ASSOCIATED)),
        violating(add("alb", LOAD_BALANCER, balancer()), "has no WAF web ACL", at="alb"),
        # Internal, network and gateway load balancers take no web ACL in front of them.
        compliant(add("alb", LOAD_BALANCER, balancer(internal=True))),
        compliant(add("alb", LOAD_BALANCER, balancer(loadBalancerType="network"))),
        # The type defaults to application.
        violating(
            add(
                "alb",
                LOAD_BALANCER,
                {key: value for key, value in balancer().items() if key != "loadBalancerType"},
            ),
            "has no WAF web ACL",
            at="alb",
        ),
        # An association of another load balancer does not count.
        violating(
            both(
                add("alb", LOAD_BALANCER, balancer()),
                add("association", ASSOCIATION, {"resourceArn": f"{ALB_ARN}-other", "webAclArn": "arn:acl"}),
            ),
            "has no WAF web ACL",
            at="alb",
        ),
        # Anything but true leaves the load balancer internet-facing.
        malformed(add("alb", LOAD_BALANCER, balancer(internal="yes")), "has no WAF web ACL", at="alb"),
        unknown(add("alb", LOAD_BALANCER, balancer(internal=UNKNOWN)), "internal/loadBalancerType", at="alb"),
        unknown(
            both(
                add("alb", LOAD_BALANCER, balancer()),
                add("association", ASSOCIATION, {"resourceArn": UNKNOWN, "webAclArn": "arn:acl"}),
            ),
            "WebAclAssociation.resourceArn",
            at="alb",
        ),
    ],
}
