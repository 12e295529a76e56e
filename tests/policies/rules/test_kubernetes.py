"""EKS access and node groups: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from collections.abc import Callable
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
from tests.policies.samples import DELETE, Stack, add, both, through_output, with_props
from toms.offline.analyzer_client import UNKNOWN

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
PLATFORM_ROLE = "arn:aws:iam::111122223333:role/acme-platform"
SSO_ROLE = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123"
DECLARED_ROLE = add("platform-role", "aws:iam/role:Role", {"arn": PLATFORM_ROLE})
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def association(principal: Any, policy: Any = ADMIN_POLICY) -> Callable[[Stack], None]:
    return add(
        "admin",
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        {
            "clusterName": "apps",
            "principalArn": principal,
            "policyArn": policy,
            "accessScope": {"type": "cluster"},
        },
    )


def entry(principal: Any, groups: Any) -> Callable[[Stack], None]:
    return add(
        "entry",
        "aws:eks/accessEntry:AccessEntry",
        {"clusterName": "apps", "principalArn": principal, "kubernetesGroups": groups},
    )


def node_group(**remote_access: Any) -> Any:
    props: dict[str, Any] = {
        "clusterName": "apps",
        "nodeRoleArn": "arn:aws:iam::111122223333:role/nodes",
        "subnetIds": ["subnet-1", "subnet-2"],
        "scalingConfig": {"desiredSize": 2, "maxSize": 3, "minSize": 2},
    }
    if remote_access:
        props["remoteAccess"] = {key: value for key, value in remote_access.items() if value is not DELETE}
    return with_props(NODE_GROUP, props)


ADMINS = {"eks-access-restricted": {"adminPrincipals": [SSO_ROLE]}}

CASES: dict[str, list[Case]] = {
    "eks-access-restricted": [
        compliant(both(DECLARED_ROLE, association(PLATFORM_ROLE)), label="declared-role"),
        compliant(
            both(
                DECLARED_ROLE, association(UNKNOWN), through_output("admin", "principalArn", "platform-role")
            ),
            label="declared-role-through-output",
        ),
        compliant(association(SSO_ROLE), config=ADMINS, label="listed-principal"),
        compliant(association(SSO_ROLE, VIEW_POLICY), label="view-only"),
        compliant(entry(SSO_ROLE, ["readers"]), label="entry-without-masters"),
        violating(association(SSO_ROLE), "AmazonEKSClusterAdminPolicy makes", at="admin"),
        violating(entry(SSO_ROLE, ["system:masters"]), 'kubernetesGroups "system:masters" makes', at="entry"),
        unknown(association(SSO_ROLE, UNKNOWN), "admin.policyArn", at="admin"),
        unknown(association(UNKNOWN), "admin.principalArn", at="admin"),
        unknown(entry(SSO_ROLE, UNKNOWN), "entry.kubernetesGroups", at="entry", label="groups"),
        # Was Unverifiable: the unknown group hid system:masters beside it.
        violating(
            entry(SSO_ROLE, [UNKNOWN, "system:masters"]),
            'kubernetesGroups "system:masters" makes',
            at="entry",
            label="beside-unknown",
        ),
        unknown(
            entry(SSO_ROLE, ["readers", UNKNOWN]), "entry.kubernetesGroups[1]", at="entry", label="one-group"
        ),
        malformed(entry(SSO_ROLE, "system:masters"), "expected a list of groups", at="entry"),
    ],
    "eks-node-group-remote-access": [
        compliant(node_group()),
        compliant(node_group(ec2SshKey="ops", sourceSecurityGroupIds=["sg-bastion"]), label="named-groups"),
        violating(node_group(ec2SshKey="ops"), "EKS opens SSH (port 22) on the nodes to 0.0.0.0/0"),
        unknown(
            node_group(ec2SshKey="ops", sourceSecurityGroupIds=UNKNOWN), "remoteAccess.sourceSecurityGroupIds"
        ),
        unknown(
            node_group(ec2SshKey="ops", sourceSecurityGroupIds=["sg-bastion", UNKNOWN]),
            "remoteAccess.sourceSecurityGroupIds[1]",
            label="one-group",
        ),
        malformed(
            node_group(ec2SshKey="ops", sourceSecurityGroupIds="sg-bastion"),
            "expected a list of security group ids",
        ),
    ],
}
