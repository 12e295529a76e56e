"""Lambda, ECR, EKS and automatic public addresses: each rule's case table."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from tests.policies.casetable import (
    Case,
    absent,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import DELETE, KEY_ARN, PROVIDER, add, both, set_path
from toms.offline.analyzer_client import UNKNOWN, ResourceInput

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

FUNCTION = "aws:lambda/function:Function"
REPOSITORY = "aws:ecr/repository:Repository"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
MICROVMS_IMAGE = "aws:lambda/microvmsImage:MicrovmsImage"
PULL_THROUGH = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
ECR_REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
CACHE_RULE = {"ecrRepositoryPrefix": "docker-hub", "upstreamRegistryUrl": "registry-1.docker.io"}
EKS = "aws:eks/cluster:Cluster"
SUBNET = "aws:ec2/subnet:Subnet"
EIP = "aws:ec2/eip:Eip"
EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation"

SAMPLES: dict[str, dict[str, Any]] = {
    FUNCTION: {
        "runtime": "python3.12",
        "handler": "h.handler",
        "environment": {
            "variables": {"LOG_LEVEL": "info", "DB_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:x"}
        },
    },
    REPOSITORY: {"imageScanningConfiguration": {"scanOnPush": True}, "imageTagMutability": "IMMUTABLE"},
    TEMPLATE: {
        "prefix": "ROOT",
        "appliedFors": ["PULL_THROUGH_CACHE", "REPLICATION"],
        "imageTagMutability": "IMMUTABLE",
        "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY_ARN}],
    },
    REGISTRY_SCANNING: {
        "scanType": "BASIC",
        "rules": [
            {
                "scanFrequency": "SCAN_ON_PUSH",
                "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}],
            }
        ],
    },
    MICROVMS_IMAGE: {
        "baseImageArn": "arn:aws:lambda:eu-west-1:aws:microvm-image:al2023-1",
        "environmentVariables": {"LOG_LEVEL": "info"},
    },
    EKS: {
        "vpcConfig": {
            "endpointPublicAccess": False,
            "endpointPrivateAccess": True,
            "subnetIds": ["subnet-a"],
        },
        "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": KEY_ARN}},
        "enabledClusterLogTypes": ["api", "audit", "authenticator"],
    },
    SUBNET: {"vpcId": "vpc-1", "cidrBlock": "10.0.1.0/24", "mapPublicIpOnLaunch": False},
    EIP: {"domain": "vpc"},
    EIP_ASSOCIATION: {"allocationId": "eipalloc-1", "instanceId": "i-1"},
}


def sample(resource_type: str, **changes: Any) -> ResourceInput:
    props = copy.deepcopy(SAMPLES[resource_type])
    for path, value in changes.items():
        set_path(props, path.replace("__", "."), value)
    return ResourceInput(resource_type, "subject", props, provider=PROVIDER)


def template(**changes: Any) -> Callable[[dict[str, ResourceInput]], None]:
    """A stack edit adding the compliant creation template, with `changes`."""
    return add("template", TEMPLATE, {**SAMPLES[TEMPLATE], **changes})


DESTINATION = {"region": "eu-west-1", "registryId": "111122223333"}


def rule(region: str, **changes: Any) -> dict[str, Any]:
    """A replication rule to `region` in the client's registry."""
    return {"destinations": [{**DESTINATION, "region": region}], **changes}


def replication(region: str) -> dict[str, Any]:
    return {"replicationConfiguration": {"rules": [rule(region)]}}


def replicating(*rules: Any, **configuration: Any) -> Callable[[dict[str, ResourceInput]], None]:
    """A stack edit adding a replication configuration with `rules` (or `rules=` as it is)."""
    return add(
        "replication", ECR_REPLICATION, {"replicationConfiguration": {"rules": list(rules), **configuration}}
    )


CASES: dict[str, list[Case]] = {
    "lambda-no-plaintext-secrets": [
        compliant(sample(FUNCTION)),
        compliant(sample(FUNCTION, environment=DELETE), label="no-environment"),
        violating(
            sample(FUNCTION, environment__variables__DB_PASSWORD="hunter2"),
            "environment.variables.DB_PASSWORD looks like a secret",
        ),
        violating(
            sample(FUNCTION, environment__variables__UPSTREAM="https://user:pw@example.com"),
            "UPSTREAM looks like a secret",
        ),
        unknown(
            sample(FUNCTION, environment__variables__API_TOKEN=UNKNOWN), "environment.variables.API_TOKEN"
        ),
        compliant(sample(MICROVMS_IMAGE), label="microvms-image"),
        violating(
            sample(MICROVMS_IMAGE, environmentVariables__DB_PASSWORD="hunter2"),
            "environmentVariables.DB_PASSWORD looks like a secret",
        ),
        malformed(
            sample(MICROVMS_IMAGE, environmentVariables="DB_PASSWORD=x"),
            "environmentVariables is",
            label="microvms-image",
        ),
        malformed(
            sample(FUNCTION, environment__variables=["DB_PASSWORD=x"]), "expected a map of names to values"
        ),
    ],
    "ecr-repository-hardened": [
        compliant(sample(REPOSITORY)),
        violating(sample(REPOSITORY, imageScanningConfiguration=DELETE), "scan every pushed image"),
        violating(sample(REPOSITORY, imageTagMutability="MUTABLE"), 'imageTagMutability is "MUTABLE"'),
        unknown(sample(REPOSITORY, imageTagMutability=UNKNOWN), "imageTagMutability"),
        compliant(sample(TEMPLATE), label="creation-template"),
        violating(sample(TEMPLATE, imageTagMutability="MUTABLE"), 'imageTagMutability is "MUTABLE"'),
        compliant(sample(REGISTRY_SCANNING), label="registry-scanning"),
        compliant(
            sample(REGISTRY_SCANNING, scanType="ENHANCED", rules__0__scanFrequency="CONTINUOUS_SCAN"),
            label="continuous",
        ),
        violating(sample(REGISTRY_SCANNING, rules=[]), "no rule scans every repository on push"),
        violating(
            sample(REGISTRY_SCANNING, rules__0__repositoryFilters__0__filter="prod-*"),
            "images would go unscanned",
            label="filtered",
        ),
        violating(
            sample(REGISTRY_SCANNING, rules__0__scanFrequency="MANUAL"), "no rule scans", label="manual"
        ),
        unknown(sample(REGISTRY_SCANNING, rules=UNKNOWN), "rules", label="registry"),
        # Was Unverifiable (the unknown rule came first). One rule that scans every repository on push is
        # enough: other rules cannot take that away.
        compliant(
            sample(REGISTRY_SCANNING, rules=[UNKNOWN, *SAMPLES[REGISTRY_SCANNING]["rules"]]),
            label="beside-unknown-rule",
        ),
        unknown(
            sample(REGISTRY_SCANNING, rules=[{"scanFrequency": "MANUAL", "repositoryFilters": []}, UNKNOWN]),
            "rules[1]",
            label="one-rule",
        ),
        unknown(
            sample(REGISTRY_SCANNING, rules__0__repositoryFilters=[{"filter": "prod-*"}, UNKNOWN]),
            "rules[0]",
            label="one-filter",
        ),
        absent("violating", "one rule must scan on push: an unknown rule beside known ones may be it"),
        malformed(sample(REGISTRY_SCANNING, rules="on push"), "expected a list of scanning rules"),
        malformed(sample(REPOSITORY, imageScanningConfiguration__scanOnPush="yes"), 'scanOnPush is "yes"'),
    ],
    "eks-cluster-hardened": [
        compliant(sample(EKS)),
        compliant(
            sample(
                EKS, vpcConfig__endpointPublicAccess=True, vpcConfig__publicAccessCidrs=["203.0.113.0/24"]
            ),
            label="listed-networks",
        ),
        violating(
            sample(EKS, vpcConfig__endpointPublicAccess=DELETE), "the Kubernetes API is open to the internet"
        ),
        violating(
            sample(
                EKS,
                vpcConfig__endpointPublicAccess=True,
                vpcConfig__publicAccessCidrs=["0.0.0.0/1", "128.0.0.0/1"],
            ),
            "open to the internet",
            label="split-halves",
        ),
        violating(sample(EKS, encryptionConfig=DELETE), 'does not encrypt "secrets"'),
        violating(sample(EKS, enabledClusterLogTypes=["api"]), "lacks audit, authenticator"),
        unknown(sample(EKS, enabledClusterLogTypes=UNKNOWN), "enabledClusterLogTypes"),
        violating(
            sample(EKS, enabledClusterLogTypes=["api", UNKNOWN]),
            "enabledClusterLogTypes lacks audit, authenticator (its 1 unknown item can hold at most 1 of them)",
            label="more-missing-than-unknown",
        ),
        unknown(
            sample(EKS, enabledClusterLogTypes=["api", "audit", UNKNOWN]),
            "enabledClusterLogTypes[2]",
            label="one-log-type",
        ),
        malformed(
            sample(EKS, enabledClusterLogTypes="api"), "expected a list of log types", label="log-types"
        ),
        unknown(sample(EKS, encryptionConfig__resources=[UNKNOWN]), "encryptionConfig.resources[0]"),
        malformed(
            sample(EKS, encryptionConfig__resources="secrets"),
            "expected a list of resource kinds",
            label="kinds",
        ),
        violating(
            sample(
                EKS,
                vpcConfig__endpointPublicAccess=True,
                vpcConfig__publicAccessCidrs=[UNKNOWN, "0.0.0.0/0"],
            ),
            "open to the internet",
            label="beside-unknown-cidr",
        ),
        unknown(
            sample(
                EKS,
                vpcConfig__endpointPublicAccess=True,
                vpcConfig__publicAccessCidrs=["203.0.113.0/24", UNKNOWN],
            ),
            "vpcConfig.publicAccessCidrs[1]",
        ),
        unknown(
            sample(EKS, vpcConfig__endpointPublicAccess=True, vpcConfig__publicAccessCidrs=UNKNOWN),
            "vpcConfig.publicAccessCidrs",
        ),
        malformed(
            sample(EKS, vpcConfig__endpointPublicAccess=True, vpcConfig__publicAccessCidrs=["office"]),
            "open to the internet",
        ),
    ],
    "ec2-no-automatic-public-address": [
        compliant(sample(SUBNET)),
        compliant(sample(EIP), label="nat-address"),
        violating(sample(SUBNET, mapPublicIpOnLaunch=True), "mapPublicIpOnLaunch is true"),
        violating(sample(EIP, instance="i-1"), "instance attaches a public Elastic IP"),
        violating(sample(EIP_ASSOCIATION), "instanceId attaches a public Elastic IP"),
        violating(
            sample(EIP, networkInterface=UNKNOWN), "networkInterface attaches", label="unknown-reference"
        ),
        unknown(sample(SUBNET, mapPublicIpOnLaunch=UNKNOWN), "mapPublicIpOnLaunch"),
        malformed(
            sample(SUBNET, mapPublicIpOnLaunch="true"), 'mapPublicIpOnLaunch is "true", expected a boolean'
        ),
    ],
    "ecr-created-repositories-templated": [
        compliant(both(add("cache", PULL_THROUGH, CACHE_RULE), template())),
        compliant(
            both(add("cache", PULL_THROUGH, CACHE_RULE), template(prefix="docker-hub")), label="prefix"
        ),
        compliant(
            both(add("replication", ECR_REPLICATION, replication("eu-west-1")), template()),
            label="replication",
        ),
        violating(
            add("cache", PULL_THROUGH, CACHE_RULE), "ECR would create them with its defaults", at="cache"
        ),
        violating(
            both(add("cache", PULL_THROUGH, CACHE_RULE), template(appliedFors=["REPLICATION"])),
            "PULL_THROUGH_CACHE repositories",
            at="cache",
            label="not-applied",
        ),
        violating(
            both(add("replication", ECR_REPLICATION, replication("eu-central-1")), template()),
            'REPLICATION repositories with prefix "ROOT" in "eu-central-1"',
            at="replication",
            label="other-region",
        ),
        violating(
            both(add("cache", PULL_THROUGH, CACHE_RULE), template(prefix="quay")),
            'prefix "docker-hub"',
            at="cache",
            label="other-prefix",
        ),
        unknown(both(add("cache", PULL_THROUGH, CACHE_RULE), template(prefix=UNKNOWN)), "template.prefix"),
        unknown(
            both(add("cache", PULL_THROUGH, CACHE_RULE), template(appliedFors=UNKNOWN)),
            "template.appliedFors",
            label="applied-fors",
        ),
        unknown(
            both(add("cache", PULL_THROUGH, CACHE_RULE), template(appliedFors=["REPLICATION", UNKNOWN])),
            "template.appliedFors",
            label="one-applied-for",
        ),
        # Was Unverifiable (any unknown item made the whole list so): the template names
        # PULL_THROUGH_CACHE, and an unknown sibling can only add a kind, never take that one away.
        compliant(
            both(
                add("cache", PULL_THROUGH, CACHE_RULE), template(appliedFors=[UNKNOWN, "PULL_THROUGH_CACHE"])
            ),
            label="applied-beside-unknown",
        ),
        # A known mismatch rules the template out whatever is unknown about it.
        violating(
            both(
                add("cache", PULL_THROUGH, CACHE_RULE), template(appliedFors=["REPLICATION"], prefix=UNKNOWN)
            ),
            "PULL_THROUGH_CACHE repositories",
            at="cache",
            label="mismatch-beside-unknown",
        ),
        unknown(
            both(replicating(rule("eu-west-1", repositoryFilters=UNKNOWN)), template(prefix="apps")),
            "replication.replicationConfiguration.rules[0].repositoryFilters",
            label="unknown-filter",
        ),
        unknown(
            replicating(rules=UNKNOWN),
            "replication.replicationConfiguration.rules",
            at="replication",
            label="unknown-rules",
        ),
        # Were passes: rules, filters or destinations that are not lists were skipped.
        malformed(
            replicating(rules={"destinations": []}),
            "expected a list of rules",
            at="replication",
            label="rules",
        ),
        malformed(
            replicating({"destinations": {"region": "eu-west-1"}}),
            "replicationConfiguration.rules[0].destinations is",
            at="replication",
            label="destinations",
        ),
        violating(
            replicating(UNKNOWN, rule("eu-central-1")),
            'REPLICATION repositories with prefix "ROOT" in "eu-central-1"',
            at="replication",
            label="beside-unknown-rule",
        ),
        unknown(
            both(replicating(rule("eu-west-1", destinations=[DESTINATION, UNKNOWN])), template()),
            "replication.replicationConfiguration.rules[0].destinations[1]",
            label="one-destination",
        ),
        malformed(
            both(add("cache", PULL_THROUGH, CACHE_RULE), template(appliedFors="PULL_THROUGH_CACHE")),
            "ECR would create them",
            at="cache",
        ),
    ],
}
