"""IAM for the components: every role of the baseline is assumed by one AWS service, under conditions that
tie it to this client's account, is named by the program (so its ARN is known before it exists and the key
policy can name it), and is granted named actions on named resources in one inline policy."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.context import ClientContext

POLICY_VERSION = "2012-10-17"

Statement = Mapping[str, Any]


def policy_document(*statements: Statement) -> str:
    """A policy document (identity, resource or trust policy) of the given statements, as JSON."""
    return json.dumps({"Version": POLICY_VERSION, "Statement": list(statements)})


def allow(sid: str, actions: Sequence[str], resources: str | Sequence[str]) -> dict[str, Any]:
    """An Allow statement for named actions on named resources."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": list(actions),
        "Resource": resources if isinstance(resources, str) else list(resources),
    }


def service_trust_policy(service: str, condition: Mapping[str, Any]) -> str:
    """Only `service`, and only under `condition` (no confused deputy), may assume the role."""
    return policy_document(
        {
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": dict(condition),
        }
    )


def from_this_account(context: ClientContext, source_arn_pattern: str) -> dict[str, Any]:
    """The confused-deputy condition: the service acts for this account and for a source it names."""
    return {
        "StringEquals": {"aws:SourceAccount": context.account_id},
        "ArnLike": {"aws:SourceArn": source_arn_pattern},
    }


def use_client_key_through(
    context: ClientContext,
    sid: str,
    actions: Sequence[str],
    services: Sequence[str],
    encryption_context: Mapping[str, str | list[str]] | None = None,
) -> dict[str, Any]:
    """Use of the client's key, named by its alias so the statement is known before the key exists, only
    through the given services and, if given, for the encryption context patterns. The key policy grants
    the role the same use (`components.keys`): both sides have to allow it."""
    condition: dict[str, Any] = {
        "StringEquals": {"kms:ViaService": [context.service_endpoint(service) for service in services]},
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": client_key_alias(context)},
    }
    if encryption_context:
        condition["StringLike"] = {
            f"kms:EncryptionContext:{key}": value for key, value in encryption_context.items()
        }
    return {**allow(sid, actions, context.arn("kms", "key/*")), "Condition": condition}


def client_key_alias(context: ClientContext) -> str:
    return f"alias/toms/{context.client}"


@dataclass(frozen=True)
class ServiceRole:
    """A baseline role: its name, and its ARN once its permissions are in place.

    `arn` resolves only once the inline policy exists: a service handed the role before its permissions
    would start and fail (a task that cannot pull its image, a trail that cannot write its log group).
    `known_arn` is the same ARN as a plain string, for documents that must be judged before anything exists.
    """

    name: str
    known_arn: str
    arn: pulumi.Output[str]


def service_role(
    resource_name: str,
    context: ClientContext,
    *,
    purpose: str,
    description: str,
    service: str,
    trust_condition: Mapping[str, Any],
    statements: pulumi.Input[Sequence[Statement]] | None,
    parent: pulumi.Resource,
) -> ServiceRole:
    """The role `toms-<client>-<purpose>` that only `service` assumes, under `trust_condition`, with
    `statements` as its one inline policy (None: a role without permissions)."""
    child = pulumi.ResourceOptions(parent=parent)
    name = context.name(purpose)
    role = aws.iam.Role(
        resource_name,
        name=name,
        description=f"toms {context.client}: {description}",
        assume_role_policy=service_trust_policy(service, trust_condition),
        opts=child,
    )
    ready: list[pulumi.Output[Any]] = [role.arn]
    if statements is not None:
        permissions = aws.iam.RolePolicy(
            resource_name,
            role=role.id,
            policy=pulumi.Output.from_input(statements).apply(lambda resolved: policy_document(*resolved)),
            opts=child,
        )
        ready.append(permissions.id)
    return ServiceRole(
        name=name,
        known_arn=context.role_arn(purpose),
        arn=pulumi.Output.all(*ready).apply(lambda values: values[0]),
    )
