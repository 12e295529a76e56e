"""Compute beyond ECS: Lambda functions, container registries, Kubernetes clusters, and the public addresses a
subnet or an Elastic IP can hand out behind the instance policies' back."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

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
    decide,
    describe,
    list_items,
    lookup,
    resource_rule,
    stack_rule,
)
from .ecs import SECRET_NAME_SETTING, SECRET_VALUE_PATTERN, secret_name_pattern

LAMBDA_FUNCTION = "aws:lambda/function:Function"
# Type -> the input holding its environment variables.
ENVIRONMENTS: Mapping[str, tuple[str, ...]] = {
    LAMBDA_FUNCTION: ("environment", "variables"),
    "aws:lambda/microvmsImage:MicrovmsImage": ("environmentVariables",),
}
ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_CREATION_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
ECR_REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
# Registry scanning rules that scan every image as it is pushed (continuous scanning does too).
_ON_PUSH_FREQUENCIES = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")
EKS_CLUSTER = "aws:eks/cluster:Cluster"
SUBNET = "aws:ec2/subnet:Subnet"
EIP = "aws:ec2/eip:Eip"
EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation"


@resource_rule(
    "lambda-no-plaintext-secrets",
    "No Lambda function or MicroVM image receives a secret as a plain environment variable.",
    Severity.CRITICAL,
    "Read secrets at run time from Secrets Manager or SSM (SecureString) and pass only their ARN or name "
    "in the environment.",
    tuple(ENVIRONMENTS),
    properties=SECRET_NAME_SETTING,
)
def lambda_no_plaintext_secrets(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    path = ENVIRONMENTS[resource.type]
    where = ".".join(path)
    variables = resource.get(*path)
    if variables is UNKNOWN:
        yield Unverifiable(where)
        return
    if variables is MISSING:
        return
    if not isinstance(variables, Mapping):
        yield Violation(f"{where} is {describe(variables)}, expected a map of names to values")
        return
    name_pattern = secret_name_pattern(settings)
    # An ARN names where a secret is kept (DB_SECRET_ARN): that is how a secret should be passed.
    for name, value in variables.items():
        if value is UNKNOWN:
            yield Unverifiable(f"{where}.{name}")
        elif (
            isinstance(value, str)
            and value
            and not value.startswith("arn:")
            and (name_pattern.search(name) or SECRET_VALUE_PATTERN.search(value))
        ):
            yield Violation(
                f"{where}.{name} looks like a secret in plain text: anyone who can read the "
                "function's configuration reads it; pass a Secrets Manager ARN and read the value at run time"
            )


@resource_rule(
    "ecr-repository-hardened",
    "Container repositories scan images on push and never let a tag move to another image; so do the "
    "repositories ECR creates from templates, and the registry's scanning rules cover every repository.",
    Severity.HIGH,
    "Set imageScanningConfiguration.scanOnPush: true and imageTagMutability: IMMUTABLE on repositories "
    "and creation templates; give a registry scanning configuration a SCAN_ON_PUSH (or CONTINUOUS_SCAN) "
    'rule with the wildcard filter "*".',
    (ECR_REPOSITORY, ECR_CREATION_TEMPLATE, ECR_REGISTRY_SCANNING),
)
def ecr_hardened(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type == ECR_REGISTRY_SCANNING:
        yield from _registry_scans_on_push(resource)
        return
    if resource.type == ECR_REPOSITORY:
        scan = resource.get("imageScanningConfiguration", "scanOnPush")
        if scan is UNKNOWN:
            yield Unverifiable("imageScanningConfiguration.scanOnPush")
        elif scan is not True:
            yield Violation(
                f"imageScanningConfiguration.scanOnPush is {describe(scan)}: scan every pushed image"
            )
    mutability = resource.get("imageTagMutability")
    if mutability is UNKNOWN:
        yield Unverifiable("imageTagMutability")
    elif mutability != "IMMUTABLE":
        yield Violation(
            f"imageTagMutability is {describe(mutability)}: a pushed tag could later name another image; "
            "set IMMUTABLE"
        )


def _registry_scans_on_push(resource: Resource) -> Iterator[Outcome]:
    """The registry's scanning rules replace every repository's own scanOnPush: one must scan every
    repository on push."""
    rules = list_items(resource.get("rules"), "rules", "scanning rules")
    # One rule that scans every repository on push is enough, whatever the other rules say: rules choose
    # what gets scanned (MANUAL is what a repository no rule scans falls back to), none stops a scan.
    yield from rules.some(
        _scans_every_repository_on_push,
        "no rule scans every repository on push (scanFrequency SCAN_ON_PUSH or CONTINUOUS_SCAN with the "
        "filter \"*\"): the registry's rules override each repository's scanOnPush, so images would go "
        "unscanned",
    )


def _scans_every_repository_on_push(rule: Any) -> Any:
    """True when a scanning rule scans every repository on push; UNKNOWN while that cannot be read."""
    frequency = lookup(rule, "scanFrequency")
    filters = list_items(lookup(rule, "repositoryFilters"), "repositoryFilters", "filters")
    if frequency is UNKNOWN:
        return UNKNOWN
    if frequency not in _ON_PUSH_FREQUENCIES:
        return False
    return filters.any(lambda entry: decide(lookup(entry, "filter"), lambda name: name == "*"))


ECR_PULL_THROUGH_CACHE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
ECR_REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
# A template with this prefix applies to every repository no other template's prefix matches.
ROOT_PREFIX = "ROOT"


def _region(resource: Resource, explicit: Any = MISSING) -> Any:
    """The region a resource acts in: its own input, else its provider's."""
    if explicit is MISSING:
        explicit = resource.get("region")
    return resource.provider_props.get("region", MISSING) if explicit is MISSING else explicit


def _created_repositories(resource: Resource) -> Iterator[tuple[str, Any, Any] | Violation | Unverifiable]:
    """The repositories ECR creates for a pull-through cache or replication rule, as (how, prefix, region):
    the prefix their names start with (ROOT when any name) and the region they are created in; and the
    outcome for each part of the rules that cannot be read."""
    if resource.type == ECR_PULL_THROUGH_CACHE:
        yield "PULL_THROUGH_CACHE", resource.get("ecrRepositoryPrefix"), _region(resource)
        return
    rules = list_items(
        resource.get("replicationConfiguration", "rules"), "replicationConfiguration.rules", "rules", resource
    )
    yield from rules.unverifiable()
    for where, rule in rules.known:
        filters = list_items(
            lookup(rule, "repositoryFilters"), f"{where}.repositoryFilters", "filters", resource
        )
        destinations = list_items(
            lookup(rule, "destinations"), f"{where}.destinations", "destinations", resource
        )
        yield from filters.unverifiable()
        yield from destinations.unverifiable()
        # Without filters every repository is replicated.
        prefixes = [lookup(entry, "filter") for entry in filters.values]
        if filters.problem is None and not filters:
            prefixes = [ROOT_PREFIX]
        for destination in destinations.values:
            for prefix in prefixes:
                yield "REPLICATION", prefix, lookup(destination, "region")


def _template_facts(template: Resource, how: str, prefix: Any, region: Any) -> dict[str, Any]:
    """Whether a creation template applies to the repositories, fact by fact (True, False or UNKNOWN):
    one known mismatch rules it out."""
    return {
        "appliedFors": list_items(template.get("appliedFors"), "appliedFors", "kinds").any(
            lambda kind: kind == how
        ),
        "prefix": decide(template.get("prefix"), lambda name: name in (prefix, ROOT_PREFIX)),
        "region": decide(_region(template), lambda name: name == region),
    }


@stack_rule(
    "ecr-created-repositories-templated",
    "Repositories ECR creates on its own (pull-through caches, replication) get their settings from a "
    "creation template of this stack, not from ECR's defaults.",
    Severity.HIGH,
    "Declare an aws.ecr.RepositoryCreationTemplate in the region the repositories are created in, with "
    "appliedFors naming PULL_THROUGH_CACHE or REPLICATION and prefix ROOT (or the rule's prefix); the "
    "template's key, tag immutability and policy are judged like a repository's.",
    types=(ECR_PULL_THROUGH_CACHE, ECR_REPLICATION),
)
def created_repositories_templated(stack: Stack, _: Settings) -> Iterator[Outcome]:
    templates = stack.of_type(ECR_CREATION_TEMPLATE)
    for resource in stack.of_type(ECR_PULL_THROUGH_CACHE, ECR_REPLICATION):
        for created in _created_repositories(resource):
            if not isinstance(created, tuple):
                yield created
                continue
            how, prefix, region = created
            if UNKNOWN in (prefix, region):
                where = "ecrRepositoryPrefix" if how == "PULL_THROUGH_CACHE" else "replicationConfiguration"
                yield Unverifiable(where, resource)
                continue
            applies, undecided = False, []
            for template in templates:
                facts = _template_facts(template, how, prefix, region)
                if all(fact is True for fact in facts.values()):
                    applies = True
                elif False not in facts.values():
                    undecided += [
                        Unverifiable(key, template) for key, fact in facts.items() if fact is UNKNOWN
                    ]
            if applies:
                continue
            if undecided:
                yield from undecided
            else:
                yield Violation(
                    f"{resource.name}: no repository creation template of this stack applies to "
                    f"{how} repositories with prefix {describe(prefix)} in {describe(region)}: ECR would "
                    "create them with its defaults (AES256 without the client's key, mutable tags)",
                    resource,
                )


def _is_open_cidr(cidr: object) -> bool:
    """A CIDR that covers at least a quarter of the IPv4 or IPv6 internet (0.0.0.0/0, 0.0.0.0/1, ::/0...)."""
    try:
        network = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        return True  # not a CIDR: cannot be shown to be narrow
    return network.prefixlen <= 2


def _public_endpoint(resource: Resource, public: Any) -> Iterator[Outcome]:
    """A public API endpoint must list the networks that may reach it; none at all means 0.0.0.0/0."""
    cidrs = list_items(resource.get("vpcConfig", "publicAccessCidrs"), "vpcConfig.publicAccessCidrs", "CIDRs")
    if cidrs.problem is None and (not cidrs or any(_is_open_cidr(cidr) for cidr in cidrs.values)):
        yield Violation(
            f"vpcConfig.endpointPublicAccess is {describe(public)} with publicAccessCidrs "
            f"{describe(resource.get('vpcConfig', 'publicAccessCidrs'))}: the Kubernetes API is open to "
            "the internet; make it private or list your networks"
        )
    yield from cidrs.unverifiable()


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
    if public is UNKNOWN:
        yield Unverifiable("vpcConfig.endpointPublicAccess")
    elif public is not False:
        yield from _public_endpoint(resource, public)
    resources = list_items(
        resource.get("encryptionConfig", "resources"), "encryptionConfig.resources", "resource kinds"
    )
    key = resource.get("encryptionConfig", "provider", "keyArn")
    if key is MISSING:
        yield Violation(
            'encryptionConfig does not encrypt "secrets" with a KMS key: Kubernetes secrets are stored with '
            "only the default encryption"
        )
    else:
        yield from resources.require_all(
            ["secrets"], "Kubernetes secrets are stored with only the default encryption"
        )
        if key is UNKNOWN:
            yield Unverifiable("encryptionConfig.provider.keyArn")
    logs = list_items(resource.get("enabledClusterLogTypes"), "enabledClusterLogTypes", "log types")
    yield from logs.require_all(("api", "audit", "authenticator"), "control-plane events go unlogged")


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
