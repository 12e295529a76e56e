"""Identity: KMS key policies, IAM trust and permission policies, and long-lived access keys.

The client's own account is the one the stack's AWS provider is pinned to (`allowedAccountIds`); the pack
config's `trustedAccounts` adds others. A principal of any other account is a grant outside the client.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from ..kit import (
    MISSING,
    TRUSTED_ACCOUNTS,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    Violation,
    describe,
    describe_accounts,
    list_items,
    lookup,
    optional_int_at_most,
    own_accounts,
    resource_rule,
)
from ..policy_documents import (
    ACCOUNT_CONDITION_KEYS,
    SERVICE_CONDITION_KEYS,
    PolicyDocument,
    PolicyDocumentError,
    parse,
    principal_account,
)

KMS_KEY_POLICIES: Mapping[str, str] = {
    "aws:kms/key:Key": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:kms/replicaKey:ReplicaKey": "policy",
    "aws:kms/externalKey:ExternalKey": "policy",
    "aws:kms/replicaExternalKey:ReplicaExternalKey": "policy",
}
IAM_ROLE = "aws:iam/role:Role"
IDENTITY_POLICIES: Mapping[str, str] = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
POLICY_ATTACHMENTS = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
)
ACCESS_KEY = "aws:iam/accessKey:AccessKey"


def _document(resource: Resource, key: str) -> PolicyDocument | Outcome | None:
    """The parsed document at `key`, an outcome when it is unknown or malformed, None when unset."""
    value = resource.get(key)
    if value is UNKNOWN:
        return Unverifiable(key)
    if value is MISSING or value == "":
        return None
    try:
        return parse(value)
    except PolicyDocumentError as error:
        return Violation(f"{key} is not a policy document: {error}")


def _foreign_accounts(principals: Mapping[str, tuple[str, ...]], own: frozenset[str]) -> list[str]:
    accounts = (principal_account(name) for name in principals.get("AWS", ()))
    return sorted({account for account in accounts if account is not None and account not in own})


# --- KMS -----------------------------------------------------------------------------------------------


@resource_rule(
    "kms-key-policy-restricted",
    "KMS key policies grant nobody outside the client's accounts, and `*` only through an AWS service on "
    "the client's account.",
    Severity.CRITICAL,
    'Replace "Principal": "*" with named principals, or bind it with kms:CallerAccount (or '
    "aws:SourceAccount) and kms:ViaService conditions; grant only accounts the provider is pinned to or "
    "the config's trustedAccounts lists.",
    tuple(KMS_KEY_POLICIES),
    properties={"trustedAccounts": TRUSTED_ACCOUNTS},
)
def key_policy_restricted(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    document = _document(resource, KMS_KEY_POLICIES[resource.type])
    if not isinstance(document, PolicyDocument):
        if document is not None:
            yield document
        return  # no policy: AWS's default key policy grants the key's own account only
    own = own_accounts(resource, settings)
    for index, statement in enumerate(document.statements):
        if not statement.allows:
            continue
        if statement.is_public and not (
            statement.bound_by(ACCOUNT_CONDITION_KEYS) and statement.bound_by(SERVICE_CONDITION_KEYS)
        ):
            yield Violation(
                f"policy Statement[{index}] grants {', '.join(statement.actions) or 'actions'} to every "
                "principal without conditions binding both the account (kms:CallerAccount) and the service "
                "(kms:ViaService): anyone who can call KMS could use or manage the key"
            )
        if foreign := _foreign_accounts(statement.principals, own):
            yield Violation(
                f"policy Statement[{index}] grants the key to account(s) {', '.join(foreign)}, outside "
                f"the client's accounts ({describe_accounts(own)}); pin the provider's "
                "allowedAccountIds or list them in trustedAccounts"
            )


KMS_GRANT = "aws:kms/grant:Grant"
# A grant with CreateGrant lets its grantee grant the key on to anyone, past this policy.
_REGRANTING_OPERATIONS = ("CreateGrant",)


@resource_rule(
    "kms-grant-restricted",
    "KMS grants give the key only to principals of the client's accounts or to AWS services, and never "
    "the right to grant it on.",
    Severity.CRITICAL,
    "Set granteePrincipal to a role or user of an account the provider is pinned to (or the config's "
    "trustedAccounts) or to an AWS service principal, and leave CreateGrant out of operations.",
    (KMS_GRANT,),
    properties={"trustedAccounts": TRUSTED_ACCOUNTS},
)
def grant_restricted(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    grantee = resource.get("granteePrincipal")
    own = own_accounts(resource, settings)
    if grantee is UNKNOWN:
        yield Unverifiable("granteePrincipal")
    elif not isinstance(grantee, str) or not grantee.strip():
        yield Violation(f"granteePrincipal is {describe(grantee)}, expected a principal ARN")
    elif not grantee.endswith(".amazonaws.com"):
        account = principal_account(grantee)
        if account is None:
            yield Violation(
                f"granteePrincipal {describe(grantee)} is neither an IAM principal ARN, an account id nor "
                "an AWS service principal"
            )
        elif account not in own:
            yield Violation(
                f"granteePrincipal {describe(grantee)} is in account {account}, outside the client's "
                f"accounts ({describe_accounts(own)}): it could use the key on the client's data"
            )
    operations = list_items(resource.get("operations"), "operations", "KMS operations")
    if regranting := [op for op in operations.values if op in _REGRANTING_OPERATIONS]:
        yield Violation(
            f"operations includes {', '.join(map(str, regranting))}: the grantee could grant the key to "
            "anyone; grant only the operations it uses"
        )
    yield from operations.unverifiable()


# --- IAM trust -----------------------------------------------------------------------------------------

# Conditions that restrict who may assume a role from another account.
CROSS_ACCOUNT_CONDITION_KEYS = ACCOUNT_CONDITION_KEYS | {"sts:externalid"}


@resource_rule(
    "iam-trust-policy-restricted",
    "Nobody outside the client's accounts can assume a role, and `*` never can.",
    Severity.CRITICAL,
    "Trust named services or principals of the client's accounts; for another account add an "
    "sts:ExternalId or aws:PrincipalOrgID condition, or list it in trustedAccounts.",
    (IAM_ROLE,),
    properties={"trustedAccounts": TRUSTED_ACCOUNTS},
)
def trust_policy_restricted(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    document = _document(resource, "assumeRolePolicy")
    if document is None:
        yield Violation("assumeRolePolicy is not set")
        return
    if not isinstance(document, PolicyDocument):
        yield document
        return
    own = own_accounts(resource, settings)
    for index, statement in enumerate(document.statements):
        if not statement.allows or not statement.grants_action("sts:AssumeRole"):
            continue
        if statement.is_public and not statement.bound_by(ACCOUNT_CONDITION_KEYS):
            yield Violation(
                f"assumeRolePolicy Statement[{index}] lets every principal assume the role: name the "
                "principals, or bind it with aws:PrincipalAccount or aws:PrincipalOrgID"
            )
        foreign = _foreign_accounts(statement.principals, own)
        if foreign and not statement.bound_by(CROSS_ACCOUNT_CONDITION_KEYS):
            yield Violation(
                f"assumeRolePolicy Statement[{index}] lets account(s) {', '.join(foreign)} assume the role "
                "without a condition: add sts:ExternalId or aws:PrincipalOrgID, or list the account in "
                "trustedAccounts"
            )


# --- IAM permissions -----------------------------------------------------------------------------------

ADMIN_POLICY_NAMES = ("AdministratorAccess",)


def _admin_statements(document: PolicyDocument) -> list[int]:
    """Statements that allow every action (`*`, or everything but a few with NotAction) on every resource."""
    return [
        index
        for index, statement in enumerate(document.statements)
        if statement.allows
        and statement.covers_every_resource()
        and (statement.not_actions or any(action in ("*", "*:*") for action in statement.actions))
    ]


def _managed_policy_name(arn: Any) -> str | None:
    """`AdministratorAccess` for an AWS-managed policy ARN; None for anything else."""
    if isinstance(arn, str) and ":iam::aws:policy/" in arn:
        return arn.rsplit("/", 1)[-1]
    return None


@resource_rule(
    "iam-no-admin-access",
    "No IAM policy or attachment grants every action on every resource.",
    Severity.CRITICAL,
    "Grant the actions and resources the principal needs; never attach AdministratorAccess or a policy "
    'with "Action": "*" on "Resource": "*".',
    (*IDENTITY_POLICIES, IAM_ROLE, *POLICY_ATTACHMENTS),
    properties={
        "forbiddenManagedPolicies": {
            "type": "array",
            "description": "AWS-managed policy names never to attach (must include AdministratorAccess).",
            "items": {"type": "string", "pattern": r"^[\w+=,.@/-]+$"},
            "contains": {"const": "AdministratorAccess"},
            "default": list(ADMIN_POLICY_NAMES),
        }
    },
)
def no_admin_access(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    forbidden = settings.strings("forbiddenManagedPolicies")
    documents: list[tuple[str, Any]] = []
    arns: list[tuple[str, Any]] = []
    if resource.type in IDENTITY_POLICIES:
        documents.append((IDENTITY_POLICIES[resource.type], resource.get("policy")))
    elif resource.type == IAM_ROLE:
        inline = list_items(resource.get("inlinePolicies"), "inlinePolicies", "inline policies")
        documents += [(f"{where}.policy", lookup(policy, "policy")) for where, policy in inline.known]
        yield from inline.unverifiable()
        managed = list_items(resource.get("managedPolicyArns"), "managedPolicyArns", "policy ARNs")
        arns += managed.known
        yield from managed.unverifiable()
    else:
        arns.append(("policyArn", resource.get("policyArn")))
    for where, arn in arns:
        if arn is UNKNOWN:
            yield Unverifiable(where)
        elif (name := _managed_policy_name(arn)) in forbidden:
            yield Violation(f"{where} attaches {name}: it grants every action on every resource")
    for where, value in documents:
        if value is UNKNOWN:
            yield Unverifiable(where)
            continue
        if value is MISSING or value == "":
            continue
        try:
            document = parse(value)
        except PolicyDocumentError as error:
            yield Violation(f"{where} is not a policy document: {error}")
            continue
        for index in _admin_statements(document):
            yield Violation(
                f'{where} Statement[{index}] allows every action on "Resource": "*": grant only the '
                "actions and resources needed"
            )


@resource_rule(
    "iam-user-no-access-keys",
    "No IAM user gets a long-lived access key.",
    Severity.HIGH,
    "Use roles (SSO, instance or task roles, OIDC federation) instead of access keys; where a key is "
    "unavoidable, waive this policy for it by URN with a reason and an expiry.",
    (ACCESS_KEY,),
)
def no_access_keys(resource: Resource, _: Settings) -> Iterator[Outcome]:
    status = resource.get("status")
    if status is UNKNOWN:
        yield Unverifiable("status")
    elif status != "Inactive":
        yield Violation(
            f"an access key for user {describe(resource.get('user'))} is a long-lived credential that "
            "leaves no trace of who uses it: use a role instead"
        )


@resource_rule(
    "kms-key-rotation-period",
    "KMS keys that rotate do so at least once a year.",
    Severity.MEDIUM,
    "Leave rotationPeriodInDays unset (AWS rotates yearly) or set it to at most maxDays.",
    ("aws:kms/key:Key",),
    properties={
        "maxDays": {
            "type": "integer",
            "description": "The longest rotation period allowed (AWS accepts 90 to 2560 days).",
            "minimum": 90,
            "maximum": 365,
            "default": 365,
        }
    },
)
def rotation_period(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    yield from optional_int_at_most(
        resource,
        "rotationPeriodInDays",
        settings.int("maxDays"),
        "the old key material would stay in use longer than the client allows",
    )
