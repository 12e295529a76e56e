"""The client's customer-managed KMS key: every data store and log of the client is encrypted with it."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from policies.toms_pack import standards

# Services that encrypt and decrypt the client's data with this key on behalf of principals in the
# client's account. Access is granted through the service only (kms:ViaService), never directly.
# SSM is there for SecureString parameters the service reads as secrets.
KEY_USING_SERVICES: tuple[str, ...] = ("rds", "s3", "firehose", "secretsmanager", "ssm")

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


@dataclass(frozen=True)
class ClientKeyArgs:
    client: str
    account_id: str
    region: str
    partition: str = "aws"


def key_policy(args: ClientKeyArgs) -> dict[str, object]:
    """The key policy: account administration, the listed services in this account, CloudWatch Logs and
    CloudTrail for this account's log groups and trails, and nothing broader."""
    account_root = f"arn:{args.partition}:iam::{args.account_id}:root"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersTheKeyButCannotUseIt",
                "Effect": "Allow",
                "Principal": {"AWS": account_root},
                "Action": list(ADMINISTRATION_ACTIONS),
                "Resource": "*",
            },
            {
                "Sid": "ServicesUseTheKeyForThisAccount",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [*DATA_KEY_ACTIONS, "kms:CreateGrant", "kms:ListGrants"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": args.account_id,
                        "kms:ViaService": [
                            f"{service}.{args.region}.amazonaws.com" for service in KEY_USING_SERVICES
                        ],
                    }
                },
            },
            {
                "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{args.region}.amazonaws.com"},
                "Action": DATA_KEY_ACTIONS,
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{args.partition}:logs:{args.region}:{args.account_id}:log-group:*"
                        )
                    }
                },
            },
            {
                "Sid": "CloudTrailEncryptsThisAccountsTrails",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": args.account_id},
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": (
                            f"arn:{args.partition}:cloudtrail:*:{args.account_id}:trail/*"
                        )
                    },
                },
            },
        ],
    }


class ClientKey(pulumi.ComponentResource):
    """A symmetric customer-managed key per client with yearly rotation and the longest deletion window."""

    key_arn: pulumi.Output[str]
    key_id: pulumi.Output[str]
    alias_name: pulumi.Output[str]

    def __init__(self, name: str, args: ClientKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("toms:keys:ClientKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(
            f"{name}-key",
            description=f"toms: data and logs of client {args.client}",
            enable_key_rotation=True,
            deletion_window_in_days=standards.KMS_DELETION_WINDOW_DAYS,
            policy=json.dumps(key_policy(args)),
            opts=child,
        )
        alias = aws.kms.Alias(
            f"{name}-alias", name=f"alias/toms/{args.client}", target_key_id=key.key_id, opts=child
        )
        self.key_arn = key.arn
        self.key_id = key.key_id
        self.alias_name = alias.name
        self.register_outputs({"key_arn": self.key_arn, "key_id": self.key_id, "alias_name": self.alias_name})
