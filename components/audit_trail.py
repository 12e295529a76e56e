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

from components.iam import allow, policy_document, service_trust_policy
from components.log_archive import CLOUDTRAIL_PREFIX, LogArchive, audit_trail_arn, audit_trail_name
from components.log_group import LogPolicy, client_log_group_name, retained_log_group


@dataclass(frozen=True)
class AuditTrailArgs:
    client: str
    account_id: str
    region: str
    kms_key_arn: pulumi.Input[str]
    # The archive's bucket policy admits this trail by name; the trail waits for it.
    archive: LogArchive
    log_policy: LogPolicy
    partition: str = "aws"


class AuditTrail(pulumi.ComponentResource):
    """A multi-region, validated, KMS-encrypted trail into the log archive and a retained log group."""

    trail_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: AuditTrailArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("toms:logging:AuditTrail", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        trail_arn = audit_trail_arn(args.client, args.account_id, args.region, args.partition)

        log_group = retained_log_group(
            f"{name}-trail-logs",
            client_log_group_name(args.client, "cloudtrail"),
            args.log_policy,
            parent=self,
        )
        delivery_role = aws.iam.Role(
            f"{name}-trail-logs",
            description=f"toms: CloudTrail writes {args.client}'s audit trail to its log group",
            assume_role_policy=service_trust_policy(
                "cloudtrail.amazonaws.com", {"StringEquals": {"aws:SourceArn": trail_arn}}
            ),
            opts=child,
        )
        delivery_policy = aws.iam.RolePolicy(
            f"{name}-trail-logs",
            role=delivery_role.id,
            policy=log_group.arn.apply(
                lambda group_arn: policy_document(
                    allow(
                        "WriteTheTrailLogGroupOnly",
                        ["logs:CreateLogStream", "logs:PutLogEvents"],
                        f"{group_arn}:log-stream:*",
                    )
                )
            ),
            opts=child,
        )
        trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=audit_trail_name(args.client),
            s3_bucket_name=args.archive.bucket_name,
            s3_key_prefix=CLOUDTRAIL_PREFIX,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=args.kms_key_arn,
            # CloudTrail names the log group by its ARN with the log stream wildcard.
            cloud_watch_logs_group_arn=log_group.arn.apply(lambda group_arn: f"{group_arn}:*"),
            cloud_watch_logs_role_arn=delivery_role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.archive, delivery_policy]),
        )

        self.trail_arn = trail.arn
        self.log_group_name = log_group.name
        self.register_outputs({"trail_arn": self.trail_arn, "log_group_name": self.log_group_name})
