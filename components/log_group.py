"""Every CloudWatch log group of the baseline is made here, so none is left to a service's default."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class LogPolicy:
    """How the client's logs are kept: `retention_days` is the stack's `toms:retention.logDays`."""

    client: str
    retention_days: int
    kms_key_arn: pulumi.Input[str]


def client_log_group_name(client: str, purpose: str) -> str:
    """The naming scheme for log groups the baseline names itself."""
    return f"/toms/{client}/{purpose}"


def retained_log_group(
    resource_name: str, log_group_name: pulumi.Input[str], policy: LogPolicy, parent: pulumi.Resource
) -> aws.cloudwatch.LogGroup:
    """A log group encrypted with the client key that keeps events for the client's retention."""
    return aws.cloudwatch.LogGroup(
        resource_name,
        name=log_group_name,
        retention_in_days=policy.retention_days,
        kms_key_id=policy.kms_key_arn,
        opts=pulumi.ResourceOptions(parent=parent),
    )
