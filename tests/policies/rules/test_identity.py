"""KMS key policies, IAM trust and permission policies, access keys: each rule's case table."""

from __future__ import annotations

import json
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
from tests.policies.samples import OWN_ACCOUNT, PROVIDER, resource
from tests.policies.samples import PINNED_PROVIDER as PINNED
from toms.offline.analyzer_client import UNKNOWN, ResourceInput

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ACCESS_KEY = "aws:iam/accessKey:AccessKey"
REPLICA_EXTERNAL_KEY = "aws:kms/replicaExternalKey:ReplicaExternalKey"
GRANT = "aws:kms/grant:Grant"
OWN = OWN_ACCOUNT
OTHER = "444455556666"


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def subject(resource_type: str, **props: Any) -> ResourceInput:
    return ResourceInput(resource_type, "subject", props, provider=PINNED)


def grant(**changes: Any) -> ResourceInput:
    props = {
        "keyId": "k",
        "granteePrincipal": f"arn:aws:iam::{OWN}:role/app",
        "operations": ["Decrypt", "GenerateDataKey"],
    }
    return subject(GRANT, **{**props, **changes})


ADMINISTERS = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
VIA_SERVICE = {
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
    "Resource": "*",
    "Condition": {
        "StringEquals": {"kms:CallerAccount": OWN, "kms:ViaService": "rds.eu-west-1.amazonaws.com"}
    },
}
EVERYONE = {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}
ECS_TRUST = {
    "Effect": "Allow",
    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"aws:SourceAccount": OWN}},
}
ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}
READ_LOGS = {
    "Effect": "Allow",
    "Action": ["logs:GetLogEvents"],
    "Resource": "arn:aws:logs:eu-west-1:1:log-group:x:*",
}

CASES: dict[str, list[Case]] = {
    "kms-key-policy-restricted": [
        compliant(subject(KEY, policy=document(ADMINISTERS, VIA_SERVICE))),
        compliant(resource(KEY), label="no-policy"),
        compliant(
            subject(KEY_POLICY, keyId="k", policy=document({**ADMINISTERS, "Principal": {"AWS": OTHER}})),
            config={"kms-key-policy-restricted": {"trustedAccounts": [OTHER]}},
            label="trusted-account",
        ),
        violating(subject(KEY, policy=document(EVERYONE)), "grants kms:* to every principal"),
        violating(
            subject(
                REPLICA_EXTERNAL_KEY,
                primaryKeyArn="arn:aws:kms:eu-central-1:1:key/k",
                policy=document(EVERYONE),
            ),
            "grants kms:* to every principal",
            label="replica-external-key",
        ),
        violating(
            subject(
                KEY,
                policy=document({**VIA_SERVICE, "Condition": {"StringEquals": {"kms:CallerAccount": OWN}}}),
            ),
            "binding both the account (kms:CallerAccount) and the service",
            label="account-only",
        ),
        violating(
            subject(KEY_POLICY, keyId="k", policy=document({**ADMINISTERS, "Principal": {"AWS": OTHER}})),
            f"grants the key to account(s) {OTHER}",
        ),
        violating(
            ResourceInput(KEY, "subject", {"policy": document(ADMINISTERS)}, provider=PROVIDER),
            "none pinned",
            label="provider-not-pinned",
        ),
        unknown(subject(KEY, policy=UNKNOWN), "policy"),
        malformed(subject(KEY, policy='{"Statement": "everyone"}'), "Statement is missing or neither"),
    ],
    "kms-grant-restricted": [
        compliant(grant()),
        compliant(grant(granteePrincipal="logs.eu-west-1.amazonaws.com"), label="service"),
        compliant(
            grant(granteePrincipal=f"arn:aws:iam::{OTHER}:role/reader"),
            config={"kms-grant-restricted": {"trustedAccounts": [OTHER]}},
            label="trusted-account",
        ),
        violating(grant(granteePrincipal=f"arn:aws:iam::{OTHER}:role/reader"), f"is in account {OTHER}"),
        violating(grant(granteePrincipal=OTHER), "outside the client's accounts", label="account-id"),
        violating(grant(operations=["Decrypt", "CreateGrant"]), "operations includes CreateGrant"),
        violating(
            ResourceInput(GRANT, "subject", grant().props, provider=PROVIDER),
            "none pinned",
            label="not-pinned",
        ),
        unknown(grant(granteePrincipal=UNKNOWN), "granteePrincipal"),
        unknown(grant(operations=[UNKNOWN]), "operations[0]", label="operation"),
        unknown(grant(operations=UNKNOWN), "operations", label="operations"),
        violating(
            grant(operations=[UNKNOWN, "CreateGrant"]),
            "operations includes CreateGrant",
            label="beside-unknown",
        ),
        unknown(grant(operations=["Decrypt", UNKNOWN]), "operations[1]", label="one-operation"),
        malformed(grant(granteePrincipal="reader"), "neither an IAM principal ARN"),
        malformed(grant(operations="Decrypt"), "expected a list of KMS operations", label="operations"),
    ],
    "iam-trust-policy-restricted": [
        compliant(subject(ROLE, assumeRolePolicy=document(ECS_TRUST))),
        compliant(
            subject(
                ROLE,
                assumeRolePolicy=document(
                    {
                        **ECS_TRUST,
                        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                        "Condition": {"StringEquals": {"sts:ExternalId": "x-1"}},
                    }
                ),
            ),
            label="other-account-with-external-id",
        ),
        violating(
            subject(
                ROLE,
                assumeRolePolicy=document(
                    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
                ),
            ),
            "lets every principal assume the role",
        ),
        violating(
            subject(
                ROLE,
                assumeRolePolicy=document(
                    {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "sts:*"}
                ),
            ),
            f"lets account(s) {OTHER} assume the role without a condition",
        ),
        violating(subject(ROLE), "assumeRolePolicy is not set"),
        unknown(subject(ROLE, assumeRolePolicy=UNKNOWN), "assumeRolePolicy"),
        malformed(subject(ROLE, assumeRolePolicy="sts:AssumeRole"), "not valid JSON"),
    ],
    "iam-no-admin-access": [
        compliant(subject(POLICY, policy=document(READ_LOGS))),
        compliant(
            subject(
                ROLE,
                assumeRolePolicy=document(ECS_TRUST),
                inlinePolicies=[{"name": "logs", "policy": document(READ_LOGS)}],
            )
        ),
        compliant(subject(ATTACHMENT, role="app", policyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")),
        violating(
            subject(ATTACHMENT, role="app", policyArn="arn:aws:iam::aws:policy/AdministratorAccess"),
            "attaches AdministratorAccess",
        ),
        violating(
            subject(ROLE_POLICY, role="app", policy=document(ADMIN)),
            'Statement[0] allows every action on "Resource": "*"',
        ),
        violating(
            subject(POLICY, policy=document({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
            "allows every action",
            label="not-action",
        ),
        violating(
            subject(
                ROLE,
                assumeRolePolicy=document(ECS_TRUST),
                managedPolicyArns=["arn:aws:iam::aws:policy/AdministratorAccess"],
            ),
            "managedPolicyArns[0] attaches AdministratorAccess",
        ),
        violating(
            subject(ATTACHMENT, role="app", policyArn="arn:aws:iam::aws:policy/PowerUserAccess"),
            "attaches PowerUserAccess",
            config={
                "iam-no-admin-access": {
                    "forbiddenManagedPolicies": ["AdministratorAccess", "PowerUserAccess"]
                }
            },
            label="configured-list",
        ),
        unknown(subject(ROLE_POLICY, role="app", policy=UNKNOWN), "policy"),
        unknown(
            subject(ROLE, assumeRolePolicy=document(ECS_TRUST), managedPolicyArns=UNKNOWN),
            "managedPolicyArns",
            label="managed",
        ),
        violating(
            subject(
                ROLE,
                assumeRolePolicy=document(ECS_TRUST),
                managedPolicyArns=[UNKNOWN, "arn:aws:iam::aws:policy/AdministratorAccess"],
            ),
            "managedPolicyArns[1] attaches AdministratorAccess",
            label="beside-unknown",
        ),
        unknown(
            subject(
                ROLE,
                assumeRolePolicy=document(ECS_TRUST),
                inlinePolicies=[{"name": "logs", "policy": document(READ_LOGS)}, UNKNOWN],
            ),
            "inlinePolicies[1]",
            label="one-inline-policy",
        ),
        # Was a pass: a managedPolicyArns that was not a list was skipped.
        malformed(
            subject(
                ROLE,
                assumeRolePolicy=document(ECS_TRUST),
                managedPolicyArns="arn:aws:iam::aws:policy/AdministratorAccess",
            ),
            "expected a list of policy ARNs",
            label="managed",
        ),
        malformed(
            subject(ROLE, assumeRolePolicy=document(ECS_TRUST), inlinePolicies={"name": "x"}),
            "expected a list of inline policies",
            label="inline",
        ),
        malformed(
            subject(
                ROLE_POLICY, role="app", policy=json.dumps({"Statement": [{"Effect": "Allow", "Action": 5}]})
            ),
            "expected a string or a list of strings",
        ),
    ],
    "kms-key-rotation-period": [
        compliant(resource(KEY)),
        compliant(resource(KEY, rotationPeriodInDays=180), label="half-year"),
        compliant(resource(KEY, rotationPeriodInDays=365), label="at-the-bound"),
        violating(resource(KEY, rotationPeriodInDays=730), "rotationPeriodInDays is 730"),
        violating(
            resource(KEY, rotationPeriodInDays=200),
            "rotationPeriodInDays is 200, expected at most 180",
            config={"kms-key-rotation-period": {"maxDays": 180}},
        ),
        unknown(resource(KEY, rotationPeriodInDays=UNKNOWN), "rotationPeriodInDays"),
        malformed(resource(KEY, rotationPeriodInDays="yearly"), "expected a whole number"),
    ],
    "iam-user-no-access-keys": [
        compliant(subject(ACCESS_KEY, user="ci", status="Inactive")),
        violating(subject(ACCESS_KEY, user="ci"), "a long-lived credential"),
        unknown(subject(ACCESS_KEY, user="ci", status=UNKNOWN), "status"),
        malformed(subject(ACCESS_KEY, user="ci", status=["Active"]), "a long-lived credential"),
    ],
}
