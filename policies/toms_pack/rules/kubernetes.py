"""EKS access: cluster administrators are principals the stack declares (or the config lists), and node
groups accept SSH only from named security groups. The cluster itself is judged in `compute.py`."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Severity

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
    resource_rule,
    stack_rule,
)

ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
ACCESS_POLICY_ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
# EKS access policies that administer the cluster or a namespace (every verb on every resource).
ADMIN_ACCESS_POLICIES = ("AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy")
# The Kubernetes group that bypasses RBAC altogether.
MASTERS_GROUP = "system:masters"
PRINCIPAL_TYPES = ("aws:iam/role:Role", "aws:iam/user:User")


def _grants_admin(resource: Resource) -> Outcome | str | None:
    """What makes the entry or association an administrator's (a description), Unverifiable, or None."""
    if resource.type == ACCESS_POLICY_ASSOCIATION:
        policy = resource.get("policyArn")
        if policy is UNKNOWN:
            return Unverifiable("policyArn", resource)
        if isinstance(policy, str) and policy.rsplit("/", 1)[-1] in ADMIN_ACCESS_POLICIES:
            return f"policyArn {policy.rsplit('/', 1)[-1]}"
        return None
    groups = list_items(resource.get("kubernetesGroups"), "kubernetesGroups", "groups", resource)
    if MASTERS_GROUP in groups.values:
        return f'kubernetesGroups "{MASTERS_GROUP}"'
    return next(groups.unverifiable(), None)


@stack_rule(
    "eks-access-restricted",
    "EKS cluster administrators (admin access policies, system:masters) are IAM principals the stack "
    "declares or the config lists.",
    Severity.CRITICAL,
    "Grant admin access policies and system:masters only to roles declared in this stack, or list the "
    "principal's ARN in adminPrincipals; give everyone else a view or edit policy scoped to namespaces.",
    properties={
        "adminPrincipals": {
            "type": "array",
            "description": "IAM role or user ARNs outside the stack that may administer EKS clusters.",
            "items": {"type": "string", "pattern": r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/\S+$"},
            "default": [],
        }
    },
    types=(ACCESS_ENTRY, ACCESS_POLICY_ASSOCIATION),
)
def access_restricted(stack: Stack, settings: Settings) -> Iterator[Outcome]:
    listed = settings.strings("adminPrincipals")
    for resource in stack.of_type(ACCESS_ENTRY, ACCESS_POLICY_ASSOCIATION):
        admin = _grants_admin(resource)
        if admin is None:
            continue
        if not isinstance(admin, str):
            yield admin
            continue
        principal = resource.get("principalArn")
        if principal in listed:
            continue
        declared = (
            stack.declares(resource, "principalArn", PRINCIPAL_TYPES, ("arn",))
            if principal is UNKNOWN or isinstance(principal, str)
            else False
        )
        if declared is UNKNOWN:
            yield Unverifiable("principalArn", resource)
        elif declared is False:
            yield Violation(
                f"{resource.name}: {admin} makes {describe(principal)} a cluster administrator, and it is "
                "neither a role or user this stack declares (whose trust policy the pack judges) nor in "
                "adminPrincipals",
                resource,
            )


@resource_rule(
    "eks-node-group-remote-access",
    "EKS node groups accept SSH only from named security groups, never from the internet.",
    Severity.CRITICAL,
    "Remove remoteAccess (use SSM Session Manager), or list sourceSecurityGroupIds next to ec2SshKey.",
    (NODE_GROUP,),
)
def node_group_remote_access(resource: Resource, _: Settings) -> Iterator[Outcome]:
    key = resource.get("remoteAccess", "ec2SshKey")
    if key is MISSING:
        return
    groups = list_items(
        resource.get("remoteAccess", "sourceSecurityGroupIds"),
        "remoteAccess.sourceSecurityGroupIds",
        "security group ids",
    )
    if key is UNKNOWN:
        yield Unverifiable("remoteAccess.ec2SshKey")
    elif groups.problem is None and not groups:
        yield Violation(
            "remoteAccess.ec2SshKey is set without sourceSecurityGroupIds: EKS opens SSH (port 22) on the "
            "nodes to 0.0.0.0/0; list the security groups that may connect, or drop remoteAccess"
        )
    else:
        yield from groups.unverifiable()
