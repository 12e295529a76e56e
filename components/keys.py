"""The client's customer-managed KMS key: every data store and log of the client is encrypted with it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import ClientContext
from components.iam import client_key_alias
from policies.toms_pack import standards

# What account administrators may do with the key: manage it, never use it to read data. Named actions,
# not `kms:Create*`: that wildcard includes kms:CreateGrant, with which an administrator could grant
# itself Decrypt.
ADMINISTRATION_ACTIONS: tuple[str, ...] = (
    "kms:CreateAlias",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
)
DATA_KEY_ACTIONS: tuple[str, ...] = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
)


# Grants AWS services create for the resources they encrypt (RDS storage and Performance Insights, the
# export stream's server-side encryption, the database's managed secret) on behalf of whoever deploys.
GRANTING_SERVICES: tuple[str, ...] = ("rds", "firehose", "secretsmanager")
# Listing and revoking grants is administration (kms:List*, kms:Revoke*).
GRANT_ACTIONS: tuple[str, ...] = ("kms:CreateGrant",)


@dataclass(frozen=True)
class KeyUser:
    """A baseline role that uses the key, the actions it needs and the services it uses them through."""

    role_arn: str
    actions: tuple[str, ...]
    services: tuple[str, ...]


def key_policy(context: ClientContext, users: Sequence[KeyUser], trail_arn: str) -> dict[str, object]:
    """The key policy: account administration without use, use by the baseline's own roles through their
    service, and the AWS services that write the client's logs, trail and alarms for this account only.
    No statement names `AWS: "*"`: a principal the baseline did not create cannot use the key."""
    root = context.account_root_arn
    statements: list[dict[str, object]] = [
        {
            "Sid": "AccountAdministersTheKeyButCannotUseIt",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": list(ADMINISTRATION_ACTIONS),
            "Resource": "*",
        },
        {
            # Creating an encrypted database, stream or managed secret makes the service create a grant for
            # the resource; kms:GrantIsForAWSResource refuses grants a person asks for directly.
            "Sid": "AccountAttachesTheKeyToAwsResources",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": list(GRANT_ACTIONS),
            "Resource": "*",
            "Condition": {
                "Bool": {"kms:GrantIsForAWSResource": "true"},
                "StringEquals": {
                    "kms:ViaService": [context.service_endpoint(service) for service in GRANTING_SERVICES]
                },
            },
        },
        {
            # RDS creates the database's master secret with the caller's permissions; the encryption context
            # limits this to RDS-managed secrets of this account.
            "Sid": "DeployerCreatesTheDatabasesManagedSecret",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:ViaService": context.service_endpoint("secretsmanager")},
                "ArnLike": {"kms:EncryptionContext:SecretARN": context.arn("secretsmanager", "secret:rds!*")},
            },
        },
    ]
    for user in users:
        role_name = user.role_arn.rsplit("/", 1)[-1]
        statements.append(
            {
                # The account principal plus aws:PrincipalArn, rather than the role as principal: KMS refuses
                # a key policy naming a role that does not exist yet, and the roles are made after the key.
                "Sid": "RoleUsesTheKey" + "".join(part.title() for part in role_name.split("-")),
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": list(user.actions),
                "Resource": "*",
                "Condition": {
                    "ArnEquals": {"aws:PrincipalArn": user.role_arn},
                    "StringEquals": {
                        "kms:ViaService": [context.service_endpoint(service) for service in user.services]
                    },
                },
            }
        )
    statements += [
        {
            "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": context.service_endpoint("logs")},
            "Action": list(DATA_KEY_ACTIONS),
            "Resource": "*",
            "Condition": {
                "ArnLike": {"kms:EncryptionContext:aws:logs:arn": context.log_group_arn("*")},
            },
        },
        {
            "Sid": "CloudTrailEncryptsTheClientsTrail",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": context.account_id, "aws:SourceArn": trail_arn},
                "StringLike": {
                    # A multi-region trail encrypts in every region it records.
                    "kms:EncryptionContext:aws:cloudtrail:arn": (
                        f"arn:{context.partition}:cloudtrail:*:{context.account_id}:trail/*"
                    )
                },
            },
        },
        {
            # Alarms publish to the client's encrypted alert topic.
            "Sid": "CloudWatchAlarmsPublishToTheAlertTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": context.account_id},
                "ArnLike": {"aws:SourceArn": context.arn("cloudwatch", f"alarm:{context.name('*')}")},
            },
        },
    ]
    return {"Version": "2012-10-17", "Statement": statements}


@dataclass(frozen=True)
class ClientKeyArgs:
    # The baseline's roles that use the key (see `KeyUser`) and the trail that encrypts with it.
    users: Sequence[KeyUser]
    trail_arn: str


class ClientKey(pulumi.ComponentResource):
    """A symmetric customer-managed key per client with yearly rotation and the longest deletion window."""

    key_arn: pulumi.Output[str]
    key_id: pulumi.Output[str]
    alias_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        context: ClientContext,
        args: ClientKeyArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("toms:keys:ClientKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(
            f"{name}-key",
            description=f"toms: data and logs of client {context.client}",
            enable_key_rotation=True,
            deletion_window_in_days=standards.KMS_DELETION_WINDOW_DAYS,
            policy=json.dumps(key_policy(context, args.users, args.trail_arn)),
            opts=child,
        )
        alias = aws.kms.Alias(
            f"{name}-alias", name=client_key_alias(context), target_key_id=key.key_id, opts=child
        )
        self.key_arn = key.arn
        self.key_id = key.key_id
        self.alias_name = alias.name
        self.register_outputs({"key_arn": self.key_arn, "key_id": self.key_id, "alias_name": self.alias_name})
