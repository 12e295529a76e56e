"""Security groups and their rules: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    violating,
)
from tests.policies.samples import DELETE, resource

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"

CASES: dict[str, list[Case]] = {
    "security-group-public-ingress": [
        violating(resource(SG, ingress__0__fromPort=0, ingress__0__toPort=65535), "to the internet"),
        violating(resource(INGRESS, ipProtocol="-1"), "to the internet"),
        compliant(resource(SG)),
        compliant(resource(SG_RULE)),
        compliant(resource(EGRESS)),
        compliant(resource(INGRESS)),
        malformed(resource("aws:ec2/securityGroup:SecurityGroup", ingress="all"), "expected a list of rules"),
    ],
    "security-group-admin-ports": [
        violating(resource(SG, ingress__1__cidrBlocks=["0.0.0.0/0"]), "admin port 22"),
        violating(
            resource(
                SG_RULE, sourceSecurityGroupId=DELETE, fromPort=3389, toPort=3389, cidrBlocks=["52.94.0.0/16"]
            ),
            "admin port 3389 to public range 52.94.0.0/16",
        ),
        compliant(resource(SG)),
        compliant(resource(SG_RULE)),
        compliant(resource(EGRESS)),
        compliant(resource(INGRESS)),
        malformed(
            resource("aws:ec2/securityGroup:SecurityGroup", ingress=["tcp/22"]), "expected a rule object"
        ),
    ],
    "security-group-rule-description": [
        violating(resource(SG, egress__0__description=""), "egress[0] has no description"),
        violating(resource(EGRESS, description=DELETE), "no description"),
        violating(resource(SG_RULE, description="  "), "no description"),
        compliant(resource(SG)),
        compliant(resource(SG_RULE)),
        compliant(resource(EGRESS)),
        compliant(resource(INGRESS)),
    ],
}
