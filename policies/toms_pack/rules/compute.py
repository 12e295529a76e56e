"""Compute beyond ECS: Lambda functions, container registries, Kubernetes clusters, and the public addresses a
subnet or an Elastic IP can hand out behind the instance policies' back."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping

from pulumi_policy import Severity

from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    Violation,
    as_list,
    describe,
    lookup,
    resource_rule,
)
from .ecs import SECRET_NAME_SETTING, SECRET_VALUE_PATTERN, secret_name_pattern

LAMBDA_FUNCTION = "aws:lambda/function:Function"
ECR_REPOSITORY = "aws:ecr/repository:Repository"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
SUBNET = "aws:ec2/subnet:Subnet"
EIP = "aws:ec2/eip:Eip"
EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation"


@resource_rule(
    "lambda-no-plaintext-secrets",
    "No Lambda function receives a secret as a plain environment variable.",
    Severity.CRITICAL,
    "Read secrets at run time from Secrets Manager or SSM (SecureString) and pass only their ARN or name "
    "in the environment.",
    (LAMBDA_FUNCTION,),
    properties=SECRET_NAME_SETTING,
)
def lambda_no_plaintext_secrets(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    variables = resource.get("environment", "variables")
    if variables is UNKNOWN:
        yield Unverifiable("environment.variables")
        return
    if variables is MISSING:
        return
    if not isinstance(variables, Mapping):
        yield Violation(f"environment.variables is {describe(variables)}, expected a map of names to values")
        return
    name_pattern = secret_name_pattern(settings)
    # An ARN names where a secret is kept (DB_SECRET_ARN): that is how a secret should be passed.
    for name, value in variables.items():
        if value is UNKNOWN:
            yield Unverifiable(f"environment.variables.{name}")
        elif (
            isinstance(value, str)
            and value
            and not value.startswith("arn:")
            and (name_pattern.search(name) or SECRET_VALUE_PATTERN.search(value))
        ):
            yield Violation(
                f"environment.variables.{name} looks like a secret in plain text: anyone who can read the "
                "function's configuration reads it; pass a Secrets Manager ARN and read the value at run time"
            )


@resource_rule(
    "ecr-repository-hardened",
    "Container repositories scan images on push and never let a tag move to another image.",
    Severity.HIGH,
    "Set imageScanningConfiguration.scanOnPush: true and imageTagMutability: IMMUTABLE.",
    (ECR_REPOSITORY,),
)
def ecr_hardened(resource: Resource, _: Settings) -> Iterator[Outcome]:
    scan = resource.get("imageScanningConfiguration", "scanOnPush")
    if scan is UNKNOWN:
        yield Unverifiable("imageScanningConfiguration.scanOnPush")
    elif scan is not True:
        yield Violation(f"imageScanningConfiguration.scanOnPush is {describe(scan)}: scan every pushed image")
    mutability = resource.get("imageTagMutability")
    if mutability is UNKNOWN:
        yield Unverifiable("imageTagMutability")
    elif mutability != "IMMUTABLE":
        yield Violation(
            f"imageTagMutability is {describe(mutability)}: a pushed tag could later name another image; "
            "set IMMUTABLE"
        )


def _is_open_cidr(cidr: object) -> bool:
    """A CIDR that covers at least a quarter of the IPv4 or IPv6 internet (0.0.0.0/0, 0.0.0.0/1, ::/0...)."""
    try:
        network = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        return True  # not a CIDR: cannot be shown to be narrow
    return network.prefixlen <= 2


@resource_rule(
    "eks-cluster-hardened",
    "EKS API endpoints are private or limited to listed networks; secrets are encrypted with the client's "
    "key; control-plane logs are on.",
    Severity.CRITICAL,
    "Set vpcConfig.endpointPublicAccess: false (or publicAccessCidrs to your networks), encryptionConfig "
    'with resources ["secrets"] and provider.keyArn the client key, and enabledClusterLogTypes with api, '
    "audit and authenticator.",
    (EKS_CLUSTER,),
)
def eks_hardened(resource: Resource, _: Settings) -> Iterator[Outcome]:
    public = resource.get("vpcConfig", "endpointPublicAccess")
    cidrs = resource.get("vpcConfig", "publicAccessCidrs")
    if UNKNOWN in (public, cidrs):
        yield Unverifiable("vpcConfig")
    elif public is not False:
        listed = as_list(cidrs)
        if not listed or any(_is_open_cidr(cidr) for cidr in listed):
            yield Violation(
                f"vpcConfig.endpointPublicAccess is {describe(public)} with publicAccessCidrs "
                f"{describe(cidrs)}: the Kubernetes API is open to the internet; make it private or list "
                "your networks"
            )
    resources = resource.get("encryptionConfig", "resources")
    key = resource.get("encryptionConfig", "provider", "keyArn")
    if UNKNOWN in (resources, key):
        yield Unverifiable("encryptionConfig")
    elif "secrets" not in (as_list(resources) or []) or key is MISSING:
        yield Violation(
            'encryptionConfig does not encrypt "secrets" with a KMS key: Kubernetes secrets are stored with '
            "only the default encryption"
        )
    logs = resource.get("enabledClusterLogTypes")
    if logs is UNKNOWN:
        yield Unverifiable("enabledClusterLogTypes")
    else:
        missing = [kind for kind in ("api", "audit", "authenticator") if kind not in (as_list(logs) or [])]
        if missing:
            yield Violation(
                f"enabledClusterLogTypes lacks {', '.join(missing)}: control-plane events go unlogged"
            )


@resource_rule(
    "ec2-no-automatic-public-address",
    "Subnets do not hand out public addresses, and no Elastic IP is attached to an instance or interface.",
    Severity.HIGH,
    "Set mapPublicIpOnLaunch: false on subnets; use Elastic IPs only for NAT gateways (no instance, "
    "networkInterface or EipAssociation); reach instances through a load balancer or SSM.",
    (SUBNET, EIP, EIP_ASSOCIATION),
)
def no_automatic_public_address(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type == SUBNET:
        for key in ("mapPublicIpOnLaunch", "mapCustomerOwnedIpOnLaunch"):
            value = resource.get(key)
            if value is UNKNOWN:
                yield Unverifiable(key)
            elif value is True:
                yield Violation(
                    f"{key} is true: every instance launched here gets a public address, whatever its own "
                    "settings say"
                )
            elif value not in (False, MISSING):
                yield Violation(f"{key} is {describe(value)}, expected a boolean (false)")
        return
    keys = ("instance", "networkInterface") if resource.type == EIP else ("instanceId", "networkInterfaceId")
    for key in keys:
        value = lookup(resource.props, key)
        if value is UNKNOWN or (value is not MISSING and value != ""):
            yield Violation(
                f"{key} attaches a public Elastic IP to an instance or network interface: reach it "
                "through a load balancer or Systems Manager instead"
            )
