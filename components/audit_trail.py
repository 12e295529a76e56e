"""The client's audit trail: who changed what, in every region, kept off the server and tamper-evident.

A multi-region CloudTrail trail records the account's management events (global services included),
signs hourly digest files so any later change to a log file shows (log file validation), encrypts
its log files with the client's key, and delivers them to the log archive under `cloudtrail/`, where
Object Lock keeps them. It also delivers to a CloudWatch log group with the client's retention, which
is exported like every other log group.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alarms import AlertTopic, cis_alarms
from components.context import ClientContext
from components.iam import allow, service_role
from components.log_archive import (
    CLOUDTRAIL_PREFIX,
    LogArchive,
    archive_bucket_name,
    audit_trail_arn,
    audit_trail_name,
)
from components.log_group import LogPolicy, client_log_group_name, retained_log_group

TRAIL_LOGS_ROLE = "trail-logs"


def event_selectors(context: ClientContext) -> list[aws.cloudtrail.TrailAdvancedEventSelectorArgs]:
    """Management events everywhere, and every read and write of the client's archive objects.

    Writes under the trail's own prefix are left out: recording them would make each delivered log file
    the event of the next one, for ever. Those files are protected by Object Lock and log file validation.
    """
    selector = aws.cloudtrail.TrailAdvancedEventSelectorArgs
    field = aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs
    archive = context.bucket_arn(archive_bucket_name(context.client, context.account_id, context.region))
    s3_objects = [
        field(field="eventCategory", equals=["Data"]),
        field(field="resources.type", equals=["AWS::S3::Object"]),
    ]
    return [
        selector(
            name="Management events", field_selectors=[field(field="eventCategory", equals=["Management"])]
        ),
        selector(
            name="Reads of the log archive",
            field_selectors=[
                *s3_objects,
                field(field="readOnly", equals=["true"]),
                field(field="resources.ARN", starts_withs=[f"{archive}/"]),
            ],
        ),
        selector(
            name="Writes to the log archive outside the trail's own prefix",
            field_selectors=[
                *s3_objects,
                field(field="readOnly", equals=["false"]),
                field(
                    field="resources.ARN",
                    starts_withs=[f"{archive}/"],
                    not_starts_withs=[f"{archive}/{CLOUDTRAIL_PREFIX}/"],
                ),
            ],
        ),
    ]


@dataclass(frozen=True)
class AuditTrailArgs:
    kms_key_arn: pulumi.Input[str]
    # The archive's bucket policy admits this trail by name; the trail waits for it.
    archive: LogArchive
    log_policy: LogPolicy
    alerts: AlertTopic


class AuditTrail(pulumi.ComponentResource):
    """A multi-region, validated, KMS-encrypted trail into the log archive and a retained log group, with
    the CIS metric filters and alarms on that log group."""

    trail_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        context: ClientContext,
        args: AuditTrailArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("toms:logging:AuditTrail", name, None, opts)
        trail_arn = audit_trail_arn(context)

        log_group_name = client_log_group_name(context.client, "cloudtrail")
        log_group = retained_log_group(f"{name}-trail-logs", log_group_name, args.log_policy, parent=self)
        delivery_role = service_role(
            f"{name}-trail-logs",
            context,
            purpose=TRAIL_LOGS_ROLE,
            description="CloudTrail writes the audit trail to its log group",
            service="cloudtrail.amazonaws.com",
            trust_condition={"StringEquals": {"aws:SourceArn": trail_arn}},
            statements=[
                allow(
                    "WriteTheTrailLogGroupOnly",
                    ["logs:CreateLogStream", "logs:PutLogEvents"],
                    f"{context.log_group_arn(log_group_name)}:log-stream:*",
                )
            ],
            parent=self,
        )
        trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=audit_trail_name(context.client),
            s3_bucket_name=args.archive.bucket_name,
            s3_key_prefix=CLOUDTRAIL_PREFIX,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=args.kms_key_arn,
            advanced_event_selectors=event_selectors(context),
            # CloudTrail names the log group by its ARN with the log stream wildcard.
            cloud_watch_logs_group_arn=f"{context.log_group_arn(log_group_name)}:*",
            cloud_watch_logs_role_arn=delivery_role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.archive, log_group]),
        )
        cis_alarms(name, context, args.alerts, log_group, parent=self)

        self.trail_arn = trail.arn
        self.log_group_name = log_group.name
        self.register_outputs({"trail_arn": self.trail_arn, "log_group_name": self.log_group_name})
