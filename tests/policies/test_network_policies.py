"""Security group rules as someone trying to step around them would write them."""

from __future__ import annotations

import pytest

from tests.policies.samples import resource, with_props
from toms.offline.analyzer_client import UNKNOWN, PolicyPackProcess, ResourceInput

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"


def mandatory(pack: PolicyPackProcess, subject: ResourceInput) -> set[str]:
    return {d.policy_name for d in pack.analyze(subject) if d.mandatory}


@pytest.mark.parametrize(
    "subject",
    [
        # Two halves of the IPv4 internet are the internet.
        resource(
            SG, ingress__0__fromPort=5432, ingress__0__toPort=5432, ingress__0__cidrBlocks=["0.0.0.0/1"]
        ),
        resource(INGRESS, fromPort=5432, toPort=5432, cidrIpv6="8000::/1"),
        resource(INGRESS, fromPort=5432, toPort=5432, cidrIpv6=None, cidrIpv4="52.94.0.0/16"),
    ],
)
def test_any_public_range_is_the_internet(pack: PolicyPackProcess, subject: ResourceInput) -> None:
    assert "security-group-public-ingress" in mandatory(pack, subject)


def test_private_ranges_may_reach_any_port(pack: PolicyPackProcess) -> None:
    private = resource(INGRESS, fromPort=5432, toPort=5432, cidrIpv6=None, cidrIpv4="10.0.0.0/16")
    assert pack.analyze(private) == []


def test_the_default_security_group_is_policed_like_any_other(pack: PolicyPackProcess) -> None:
    opened = with_props(
        DEFAULT_SG,
        {
            "vpcId": "vpc-1",
            "ingress": [
                {
                    "protocol": "tcp",
                    "fromPort": 22,
                    "toPort": 22,
                    "cidrBlocks": ["0.0.0.0/0"],
                    "description": "x",
                }
            ],
        },
    )
    assert mandatory(pack, opened) == {"security-group-admin-ports"}
    closed = with_props(DEFAULT_SG, {"vpcId": "vpc-1", "ingress": [], "egress": []})
    assert pack.analyze(closed) == []


def test_an_unknown_protocol_on_a_public_rule_is_not_a_pass(
    preview_pack: PolicyPackProcess, pack: PolicyPackProcess
) -> None:
    """Port 443 alone is fine only for TCP; protocol -1 would open everything."""
    subject = resource(INGRESS, ipProtocol=UNKNOWN, fromPort=443, toPort=443)
    in_preview = preview_pack.analyze(subject)
    assert in_preview and all(d.enforcement_level == "advisory" for d in in_preview)
    assert "security-group-public-ingress" in {d.policy_name for d in in_preview}
    assert "security-group-public-ingress" in mandatory(pack, subject)
