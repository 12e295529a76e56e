"""Security groups and their rules: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from typing import Any

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import DELETE, resource
from toms.offline.analyzer_client import UNKNOWN, PolicyPackProcess

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"

# A rule whose source is a prefix list: the prefix list's ranges are whatever it holds at apply time.
SSH_FROM_PREFIX_LIST = {"cidrIpv6": DELETE, "fromPort": 22, "toPort": 22, "prefixListId": "pl-0a1b2c3d"}
TRUST_THE_LIST = {"trustedPrefixLists": ["pl-0a1b2c3d"]}


def open_rule(port: int, description: str) -> dict[str, Any]:
    """A security group's ingress rule open to the internet on `port`."""
    return {
        "protocol": "tcp",
        "fromPort": port,
        "toPort": port,
        "cidrBlocks": ["0.0.0.0/0"],
        "description": description,
    }


HTTPS_RULE, DB_OPEN_RULE, SSH_OPEN_RULE = open_rule(443, "HTTPS"), open_rule(5432, "db"), open_rule(22, "ssh")
# An unknown ingress rule beside a compliant one: Unverifiable in both ingress policies.
ONE_UNKNOWN_RULE = resource(SG, ingress=[HTTPS_RULE, UNKNOWN])

CASES: dict[str, list[Case]] = {
    "security-group-public-ingress": [
        # Ports print as the whole numbers they are (the protocol sends every number as a double).
        violating(
            resource(SG, ingress__0__fromPort=8000, ingress__0__toPort=9000),
            'ingress[0] opens protocol "tcp" ports 8000-9000 to the internet',
        ),
        violating(resource(INGRESS, fromPort=5432, toPort=5432), '"tcp" port 5432 to the internet'),
        violating(
            resource(INGRESS, fromPort=5432, toPort=5432, cidrIpv6=DELETE, prefixListId="pl-9"),
            'to the internet (prefix list "pl-9"',
        ),
        # Open SSH, or every port (all protocols), is security-group-admin-ports' finding, not a second
        # one here.
        compliant(resource(SG, ingress__1__cidrBlocks=["0.0.0.0/0"]), label="admin-port-reported-once"),
        compliant(resource(INGRESS, ipProtocol="all"), label="all-protocols-reported-once"),
        unknown(resource(SG, ingress__0__toPort=UNKNOWN), "ingress[0].ports"),
        compliant(resource(SG)),
        compliant(resource(SG_RULE)),
        compliant(resource(EGRESS)),
        compliant(resource(INGRESS)),
        malformed(resource("aws:ec2/securityGroup:SecurityGroup", ingress="all"), "expected a list of rules"),
        unknown(resource(SG, ingress=UNKNOWN), "ingress", label="ingress"),
        # Was a pass when the value was not a string: a source that is not a list is malformed.
        malformed(
            resource(SG_RULE, cidrBlocks={"office": "198.51.100.0/24"}),
            'cidrBlocks is {"office": "198.51.100.0/24"}, expected a list of CIDR blocks',
            label="cidr-blocks",
        ),
        unknown(resource(SG_RULE, cidrBlocks=["10.0.0.0/8", UNKNOWN]), "rule.cidr", label="one-cidr"),
        violating(
            resource(SG_RULE, cidrBlocks=[UNKNOWN, "0.0.0.0/0"]),
            '"tcp" port 5432 to the internet',
            label="cidr-beside-unknown",
        ),
        violating(
            resource(SG, ingress=[UNKNOWN, DB_OPEN_RULE]),
            'ingress[1] opens protocol "tcp" port 5432 to the internet',
            label="beside-unknown",
        ),
        unknown(
            ONE_UNKNOWN_RULE,
            "ingress[1]",
            label="one-rule",
        ),
    ],
    "security-group-admin-ports": [
        violating(resource(INGRESS, **SSH_FROM_PREFIX_LIST), 'admin port 22 to prefix list "pl-0a1b2c3d"'),
        violating(
            resource(INGRESS, **{**SSH_FROM_PREFIX_LIST, "prefixListId": UNKNOWN}), "to prefix list unknown"
        ),
        violating(
            resource(
                SG_RULE,
                sourceSecurityGroupId=DELETE,
                fromPort=0,
                toPort=0,
                protocol="ALL",
                prefixListIds=["pl-1"],
            ),
            'admin ports 22, 3389 to prefix list "pl-1"',
            label="all-protocols-upper-case",
        ),
        violating(
            resource(INGRESS, ipProtocol=-1, cidrIpv6="2001:db8::/32"),
            "admin ports 22, 3389 to public range 2001:db8::/32 (protocol -1, all ports)",
        ),
        violating(
            resource(INGRESS, fromPort=22, toPort=22, cidrIpv6="64:ff9b:1::/48"),
            "public range 64:ff9b:1::/48",
        ),
        compliant(
            resource(INGRESS, **SSH_FROM_PREFIX_LIST),
            config={"security-group-admin-ports": TRUST_THE_LIST},
            label="trusted-prefix-list",
        ),
        compliant(
            resource(INGRESS, fromPort=22, toPort=22, cidrIpv6="fd00:10::/64"), label="unique-local-v6"
        ),
        compliant(
            resource(INGRESS, fromPort=22, toPort=22, cidrIpv6=DELETE, cidrIpv4="100.64.1.0/24"),
            label="cgnat",
        ),
        violating(resource(SG, ingress__1__cidrBlocks=["0.0.0.0/0"]), "admin port 22"),
        violating(
            resource(INGRESS, ipProtocol="-1"),
            'opens admin ports 22, 3389 to public range ::/0 (protocol "-1", all ports)',
        ),
        unknown(
            resource(SG, ingress__1__cidrBlocks=["0.0.0.0/0"], ingress__1__toPort=UNKNOWN), "ingress[1].port"
        ),
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
        # Was a Violation claiming the unknown rule was not a rule object.
        unknown(
            ONE_UNKNOWN_RULE,
            "ingress[1]",
            label="one-rule",
        ),
        violating(
            resource(SG, ingress=[UNKNOWN, SSH_OPEN_RULE]),
            "ingress[1] opens admin port 22",
            label="beside-unknown",
        ),
        unknown(resource(SG, ingress=UNKNOWN), "ingress", label="ingress"),
    ],
    "security-group-rule-description": [
        violating(resource(SG, egress__0__description=""), "egress[0] has no description"),
        violating(resource(EGRESS, description=DELETE), "no description"),
        violating(resource(SG_RULE, description="  "), "no description"),
        compliant(resource(SG)),
        compliant(resource(SG_RULE)),
        compliant(resource(EGRESS)),
        compliant(resource(INGRESS)),
        unknown(resource(SG, egress=UNKNOWN), "egress"),
        malformed(resource(SG, egress="all"), 'egress is "all", expected a list of rules'),
        violating(
            resource(SG, egress=[UNKNOWN, {"protocol": "-1", "fromPort": 0, "toPort": 0, "description": ""}]),
            "egress[1] has no description",
            label="beside-unknown",
        ),
        # Was a pass: an unknown rule was taken to have a description.
        unknown(resource(SG, egress=[UNKNOWN]), "egress[0]", label="one-rule"),
    ],
}


def test_a_rule_open_to_every_port_is_one_finding(pack: PolicyPackProcess) -> None:
    """Problem 7: one finding per problem, not one per policy that can see it."""
    diagnostics = pack.analyze(resource(SG, ingress__0__fromPort=0, ingress__0__toPort=65535))
    assert [(d.policy_name, d.mandatory) for d in diagnostics] == [("security-group-admin-ports", True)]
    assert 'opens admin ports 22, 3389 to public range 0.0.0.0/0 (protocol "tcp", ports 0-65535)' in (
        diagnostics[0].message
    )
