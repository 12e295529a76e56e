"""Who may sign in to a data store: cache users and their groups, OpenSearch Serverless's security and
data access policies, and the features whose effect a policy cannot see from the program (identity
federation, managed controllers, custom plugins), which are blocked until a reviewer waives them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    Violation,
    describe,
    is_aws_managed_key_reference,
    is_customer_key_reference,
    list_items,
    resource_rule,
)
from .ecs import SECRET_NAME_SETTING, SECRET_VALUE_PATTERN, secret_name_pattern

# --- cache users ---------------------------------------------------------------------------------------

ELASTICACHE_USER = "aws:elasticache/user:User"
MEMORYDB_USER = "aws:memorydb/user:User"
# Type -> the input listing the users of a group (or naming the one user it adds).
USER_GROUPS: Mapping[str, str] = {
    "aws:elasticache/userGroup:UserGroup": "userIds",
    "aws:elasticache/userGroupAssociation:UserGroupAssociation": "userId",
    "aws:memorydb/acl:Acl": "userNames",
}
MEMORYDB_CLUSTER = "aws:memorydb/cluster:Cluster"
# Caches -> the input naming the user groups that sign clients in (without one, nobody has to).
CACHE_USER_GROUPS: Mapping[str, str] = {
    "aws:elasticache/replicationGroup:ReplicationGroup": "userGroupIds",
    "aws:elasticache/serverlessCache:ServerlessCache": "userGroupId",
}
# AWS's own user of every cache: no password, every command on every key.
BUILT_IN_USER = "default"
# Inputs that carry a user's password in the program.
PASSWORD_INPUTS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    ELASTICACHE_USER: (("passwords",), ("passwordsWo",), ("authenticationMode", "passwords")),
    MEMORYDB_USER: (("authenticationMode", "passwords"),),
}


def _access_tokens(access_string: Any) -> list[str] | None:
    return access_string.lower().split() if isinstance(access_string, str) else None


def _user(resource: Resource) -> Iterator[Outcome]:
    for path in PASSWORD_INPUTS[resource.type]:
        if resource.get(*path) not in (MISSING, []):
            yield Violation(
                f"{'.'.join(path)} is set: a password in the inputs lives in the program and its "
                "configuration and never expires; use IAM authentication (authenticationMode.type: iam)"
            )
    access_string = resource.get("accessString")
    if access_string is UNKNOWN:
        yield Unverifiable("accessString")
        return
    tokens = _access_tokens(access_string)
    if tokens is None:
        yield Violation(f"accessString is {describe(access_string)}, expected a Redis ACL string")
        return
    switches = [token for token in tokens if token in ("on", "off")]
    if switches and switches[-1] == "off":
        return  # a disabled user (the usual stand-in for the built-in default user) admits nobody
    no_password = resource.get("noPasswordRequired")
    mode = resource.get("authenticationMode", "type")
    if UNKNOWN in (no_password, mode):
        yield Unverifiable("authenticationMode.type" if mode is UNKNOWN else "noPasswordRequired")
    elif "nopass" in tokens or no_password is True or mode == "no-password-required":
        yield Violation(
            "the user is enabled and needs no password: anyone who reaches the cache signs in with its "
            f"access ({describe(access_string)}); use authenticationMode.type: iam, or turn the user off"
        )
    elif mode != "iam":
        yield Violation(
            f"authenticationMode.type is {describe(mode)}: an enabled user signs in with IAM "
            "(authenticationMode.type: iam), so access follows a person's account and no password is kept"
        )


def _cache_sign_in(resource: Resource, key: str) -> Iterator[Outcome]:
    if resource.get("authToken") is not MISSING:
        yield Violation(
            "authToken is set: one shared password in the program's inputs and state; sign clients in "
            f"with a user group ({key}) of IAM-authenticated users instead"
        )
    groups = resource.get(key)
    if groups is UNKNOWN:
        yield Unverifiable(key)
    elif groups is MISSING or groups in ("", []):
        yield Violation(
            f"{key} is not set: every client that reaches the cache uses it without signing in; attach a "
            "user group of IAM-authenticated users"
        )


@resource_rule(
    "cache-user-authentication",
    "ElastiCache and MemoryDB users sign in with IAM or are turned off; caches and clusters sign clients "
    "in through their own user groups or ACLs, never the built-in password-less default user, the "
    "open-access ACL or a shared auth token.",
    Severity.CRITICAL,
    "Give enabled users authenticationMode.type: iam and no passwords in the program; replace the built-in "
    "`default` user with your own user named default and the access string `off`; attach a user group to "
    "every replication group and serverless cache (no authToken), and an ACL of your own users to every "
    "MemoryDB cluster.",
    (ELASTICACHE_USER, MEMORYDB_USER, *USER_GROUPS, MEMORYDB_CLUSTER, *CACHE_USER_GROUPS),
)
def cache_user_authentication(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type in PASSWORD_INPUTS:
        yield from _user(resource)
    elif resource.type in CACHE_USER_GROUPS:
        yield from _cache_sign_in(resource, CACHE_USER_GROUPS[resource.type])
    elif resource.type == MEMORYDB_CLUSTER:
        acl = resource.get("aclName")
        if acl is UNKNOWN:
            yield Unverifiable("aclName")
        elif acl == "open-access":
            yield Violation(
                'aclName is "open-access": every client that reaches the cluster signs in as the '
                "password-less default user; create an ACL of IAM-authenticated users"
            )
    else:
        key = USER_GROUPS[resource.type]
        value = resource.get(key)
        users = list_items([value] if isinstance(value, str) else value, key, "user ids")
        if BUILT_IN_USER in users.values:
            yield Violation(
                f'{key} includes "{BUILT_IN_USER}", AWS\'s built-in user with no password and access to '
                "every key: add your own user named default, turned off, instead"
            )
        yield from users.unverifiable()


# --- Redshift authentication profiles ------------------------------------------------------------------

AUTHENTICATION_PROFILE = "aws:redshift/authenticationProfile:AuthenticationProfile"


@resource_rule(
    "redshift-authentication-profile-no-secrets",
    "Redshift authentication profiles carry connection options, never a password or client secret.",
    Severity.CRITICAL,
    "Keep passwords and client secrets out of authenticationProfileContent (every user allowed to describe "
    "authentication profiles reads it); the driver takes them from the identity provider or the client.",
    (AUTHENTICATION_PROFILE,),
    properties=SECRET_NAME_SETTING,
)
def authentication_profile_no_secrets(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    content = resource.get("authenticationProfileContent")
    if content is UNKNOWN:
        yield Unverifiable("authenticationProfileContent")
        return
    try:
        options = json.loads(content) if isinstance(content, str) else content
    except json.JSONDecodeError as error:
        options, problem = None, error.msg
    else:
        problem = "" if isinstance(options, dict) else f"it is {describe(options)}"
    if not isinstance(options, dict):
        yield Violation(f"authenticationProfileContent is not a JSON object of options: {problem}")
        return
    secret_name = secret_name_pattern(settings)
    for name, value in options.items():
        if secret_name.search(name) or (isinstance(value, str) and SECRET_VALUE_PATTERN.search(value)):
            yield Violation(
                f"authenticationProfileContent option {name} looks like a secret: every user allowed to "
                "describe authentication profiles reads it; leave it to the identity provider or the client"
            )


# --- OpenSearch Serverless policies ---------------------------------------------------------------------

SECURITY_POLICY = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"
ACCESS_POLICY = "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy"


def _document(resource: Resource) -> tuple[Any, Outcome | None]:
    text = resource.get("policy")
    if text is UNKNOWN:
        return None, Unverifiable("policy")
    try:
        return (json.loads(text) if isinstance(text, str) else text), None
    except json.JSONDecodeError as error:
        return None, Violation(f"policy is not JSON: {error.msg}")


def _entries(document: Any) -> list[Any] | None:
    """A network or data access policy: a list of rule sets (a single object counts as one)."""
    if isinstance(document, dict):
        return [document]
    return document if isinstance(document, list) else None


def _encryption(document: Any) -> Iterator[Outcome]:
    if not isinstance(document, dict):
        yield Violation(f"policy is {describe(document)}, expected an encryption policy object")
        return
    key = document.get("KmsARN", MISSING)
    if document.get("AWSOwnedKey") is True:
        yield Violation(
            "policy AWSOwnedKey is true: the collections it matches are encrypted with an AWS-owned key; "
            "set AWSOwnedKey: false and KmsARN to the client's customer-managed KMS key"
        )
    elif key is UNKNOWN:
        yield Unverifiable("policy")
    elif is_aws_managed_key_reference(key) or not is_customer_key_reference(key):
        yield Violation(f"policy KmsARN is {describe(key)}: set it to the client's customer-managed KMS key")


def _network(entries: list[Any]) -> Iterator[Outcome]:
    for index, entry in enumerate(entries):
        public = entry.get("AllowFromPublic") if isinstance(entry, dict) else MISSING
        if public is UNKNOWN:
            yield Unverifiable("policy")
        elif public is True:
            yield Violation(
                f"policy[{index}] AllowFromPublic is true: the collections and dashboards it matches are "
                "reachable from the internet; set it to false and list SourceVPCEs"
            )


def _data_access(entries: list[Any]) -> Iterator[Outcome]:
    for index, entry in enumerate(entries):
        principals = entry.get("Principal", MISSING) if isinstance(entry, dict) else MISSING
        where = f"policy[{index}].Principal"
        listed = list_items([principals] if isinstance(principals, str) else principals, where, "principals")
        if isinstance(listed.problem, Violation) or (listed.problem is None and not listed):
            yield Violation(f"policy[{index}] Principal is {describe(principals)}: name the principals")
            continue
        if "*" in listed.values:
            yield Violation(
                f'policy[{index}] Principal includes "*": every AWS principal may use the data it grants; '
                "name the roles or users"
            )
        yield from listed.unverifiable()


@resource_rule(
    "opensearch-serverless-policies",
    "OpenSearch Serverless collections are encrypted with the client's key, not reachable from the "
    "internet, and their data is granted to named principals only.",
    Severity.CRITICAL,
    "Encryption policies: AWSOwnedKey false and KmsARN the client's key; network policies: AllowFromPublic "
    'false with SourceVPCEs; data access policies: named principals, never "*".',
    (SECURITY_POLICY, ACCESS_POLICY),
)
def serverless_policies(resource: Resource, _: Settings) -> Iterator[Outcome]:
    kind = resource.get("type")
    if kind is UNKNOWN:
        yield Unverifiable("type")
        return
    document, problem = _document(resource)
    if problem is not None:
        yield problem
        return
    if resource.type == SECURITY_POLICY and kind == "encryption":
        yield from _encryption(document)
        return
    entries = _entries(document)
    if entries is None:
        yield Violation(f"policy is {describe(document)}, expected a list of rule sets")
    elif resource.type == SECURITY_POLICY and kind == "network":
        yield from _network(entries)
    elif resource.type == ACCESS_POLICY:
        yield from _data_access(entries)
    else:
        yield Violation(f"type is {describe(kind)}, expected encryption or network")


# --- features only a reviewer can judge -----------------------------------------------------------------

# Type -> what it does that no policy can see from the program's inputs.
NEEDS_REVIEW: Mapping[str, str] = {
    "aws:redshift/hsmConfiguration:HsmConfiguration": (
        "keeps a cluster's key in an HSM instead of the client's KMS key, and puts the HSM partition "
        "password in the program's inputs and state"
    ),
    "aws:redshift/idcApplication:IdcApplication": (
        "lets IAM Identity Center's users, and tokens of any issuer it trusts, sign in to Redshift; who "
        "that admits is decided in Identity Center"
    ),
    "aws:opensearch/domainSamlOptions:DomainSamlOptions": (
        "lets a SAML identity provider's users sign in to OpenSearch Dashboards, up to the master role it "
        "names; who that admits is decided by the provider"
    ),
    "aws:opensearch/serverlessSecurityConfig:ServerlessSecurityConfig": (
        "lets a SAML provider's or IAM Identity Center's users sign in to OpenSearch Serverless; who that "
        "admits is decided by the provider"
    ),
    "aws:eks/identityProviderConfig:IdentityProviderConfig": (
        "lets an OIDC provider's users sign in to the cluster's Kubernetes API with the groups their tokens "
        "claim; who that admits is decided by the provider"
    ),
    "aws:eks/capability:Capability": (
        "runs a managed controller (Argo CD, AWS Controllers for Kubernetes, kro) that creates whatever "
        "its Kubernetes manifests say, AWS resources included, which no policy of this pack sees"
    ),
    "aws:dynamodb/globalTable:GlobalTable": (
        "is the 2017 version of global tables: it replicates into tables in other regions that it neither "
        "creates nor encrypts; use the replica blocks of aws:dynamodb/table:Table (or "
        "aws:dynamodb/tableReplica:TableReplica), each with the client's key and point-in-time recovery"
    ),
}
OPENSEARCH_PACKAGE = "aws:opensearch/package:Package"
# OpenSearch UI: federated to IAM Identity Center only when its options say so.
OPENSEARCH_APPLICATION = "aws:opensearch/application:Application"
# Package types that carry data for the engine (dictionaries, licences, configuration), not code.
DATA_PACKAGE_TYPES = ("TXT-DICTIONARY", "PACKAGE-LICENSE", "PACKAGE-CONFIG")


@resource_rule(
    "feature-needs-review",
    "Features whose effect a policy cannot see from the program (identity federation, controllers that "
    "create resources, custom plugins, HSM keys) are blocked until a reviewer waives them.",
    Severity.HIGH,
    "Review who the provider admits or what the controller or plugin may do, then waive the finding for "
    "this resource with a reason and an expiry (at most a year, so it is reviewed again); or build the "
    "same without the feature.",
    (*NEEDS_REVIEW, OPENSEARCH_PACKAGE, OPENSEARCH_APPLICATION),
)
def needs_review(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type == OPENSEARCH_APPLICATION:
        enabled = resource.get("iamIdentityCenterOptions", "enabled")
        if enabled is UNKNOWN:
            yield Unverifiable("iamIdentityCenterOptions.enabled")
        elif enabled not in (MISSING, False):
            yield Violation(
                f"iamIdentityCenterOptions.enabled is {describe(enabled)}: IAM Identity Center's users "
                "sign in to OpenSearch UI, and who that admits is decided in Identity Center; review it, "
                "then waive this finding with a reason and an expiry"
            )
        return
    if resource.type == OPENSEARCH_PACKAGE:
        kind = resource.get("packageType")
        if kind is UNKNOWN:
            yield Unverifiable("packageType")
        elif kind not in DATA_PACKAGE_TYPES:
            yield Violation(
                f"packageType is {describe(kind)}: a plugin runs its own code inside the domain with access "
                "to every index, which no policy can see; review it, then waive this finding with a reason "
                "and an expiry"
            )
        return
    yield Violation(
        f"{resource.type} {NEEDS_REVIEW[resource.type]}: no policy can judge that from the program; review "
        "it, then waive this finding for the resource with a reason and an expiry"
    )
