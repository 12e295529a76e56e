"""Every CloudWatch log group of the baseline is made here, so none is left to a service's default.

A log group made here keeps events for the client's retention, is encrypted with the client's key,
and is exported off the server: exactly one subscription filter hands every event to the client's
log export stream (see `components/log_archive.py`). The one exception, `unexported_log_group`, is that
stream's own error log.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

# The empty pattern matches every event: the archive keeps all of a log group, not a selection.
EXPORT_EVERYTHING = ""


@dataclass(frozen=True)
class LogPolicy:
    """How the client's logs are kept: `retention_days` is the stack's `toms:retention.logDays`;
    `export_destination_arn` is the log export stream, `export_role_arn` the role CloudWatch Logs
    assumes to put events into it."""

    retention_days: int
    kms_key_arn: pulumi.Input[str]
    export_destination_arn: pulumi.Input[str]
    export_role_arn: pulumi.Input[str]


def client_log_group_name(client: str, purpose: str) -> str:
    """The naming scheme for log groups the baseline names itself."""
    return f"/toms/{client}/{purpose}"


def unexported_log_group(
    resource_name: str,
    log_group_name: str,
    retention_days: int,
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.cloudwatch.LogGroup:
    """A log group with the client's retention and key that is NOT exported. Only for the export stream's
    own delivery errors: exported through that stream, a failing stream would feed its failures back into
    itself (the pack's `log-group-exported` allows exactly this exception and refuses the loop)."""
    return aws.cloudwatch.LogGroup(
        resource_name,
        name=log_group_name,
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def retained_log_group(
    resource_name: str, log_group_name: pulumi.Input[str], policy: LogPolicy, parent: pulumi.Resource
) -> aws.cloudwatch.LogGroup:
    """A log group encrypted with the client key that keeps events for the client's retention and
    streams every event to the client's off-server archive."""
    log_group = aws.cloudwatch.LogGroup(
        resource_name,
        name=log_group_name,
        retention_in_days=policy.retention_days,
        kms_key_id=policy.kms_key_arn,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.cloudwatch.LogSubscriptionFilter(
        f"{resource_name}-export",
        name="toms-log-archive",
        log_group=log_group.name,
        filter_pattern=EXPORT_EVERYTHING,
        destination_arn=policy.export_destination_arn,
        role_arn=policy.export_role_arn,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return log_group
