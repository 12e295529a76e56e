"""The client's off-server log archive, the bucket for load balancer access logs, and the export path.

Every CloudWatch log group of the baseline has a subscription filter (see `components/log_group.py`)
to one Firehose delivery stream per client. CloudWatch Logs sends gzip'd JSON batches that name their
log group; Firehose decompresses them, reads `logGroup` with a JQ query and writes GZIP objects under
`<client>/<log-group>/<yyyy-MM-dd>/` of the archive bucket, at the latest 60 seconds after a batch
arrived (dynamic partitioning allows no shorter buffer). Records Firehose cannot partition land under
`<client>/_errors/`.

The stream logs its own delivery errors to `/toms/<client>/log-export-errors`, with the client's retention
and key, and that one log group is not exported: through this very stream a failing stream would feed its
own errors back into itself. Alarms on the stream's metrics (DeliveryToS3.Success, DataFreshness) notify
the client's alert topic when deliveries fail or stop.

CloudTrail writes under `cloudtrail/` of the same bucket; the bucket policy admits exactly the client's
trail, whose name and ARN are fixed here so the policy exists before the trail does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import AlertTopic, metric_alarm
from components.bucket import HardenedBucket, HardenedBucketArgs, ObjectLock
from components.config import ArchiveConfig, RetentionConfig
from components.context import ClientContext
from components.iam import allow, service_role, use_client_key_through
from components.keys import KeyUser
from components.log_group import client_log_group_name, unexported_log_group
from policies.toms_pack import standards

CLOUDTRAIL_PREFIX = "cloudtrail"

# Regions opened before August 2022: load balancers there deliver access logs as the region's ELB
# account. Regions opened since deliver as the log delivery service principal.
ELB_ACCOUNT_REGIONS = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
        "ap-southeast-3", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3",
        "eu-south-1", "eu-north-1", "me-south-1", "sa-east-1", "us-gov-east-1", "us-gov-west-1",
        "cn-north-1", "cn-northwest-1",
    }
)  # fmt: skip
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"

# Dynamic partitioning needs a buffer of at least 64 MiB and 60 s; whichever fills first is written.
FIREHOSE_BUFFER_MIB = 64
FIREHOSE_BUFFER_SECONDS = 60
# Delivery alarms: any 5-minute period in which a delivery to S3 failed, and data older than 15 minutes
# waiting in the stream (the buffer holds it at most 60 s when deliveries succeed).
DELIVERY_PERIOD_SECONDS = 300
MAX_DATA_AGE_SECONDS = 900
# The JQ query that names a CloudWatch Logs batch's log group without its leading slash.
LOG_GROUP_QUERY = '{logGroup: .logGroup | ltrimstr("/")}'


def archive_bucket_name(client: str, account_id: str, region: str) -> str:
    return f"toms-{client}-log-archive-{account_id}-{region}"


def access_logs_bucket_name(client: str, account_id: str, region: str) -> str:
    return f"toms-{client}-access-logs-{account_id}-{region}"


def audit_trail_name(client: str) -> str:
    return f"toms-{client}-audit"


def audit_trail_arn(context: ClientContext) -> str:
    return context.arn("cloudtrail", f"trail/{audit_trail_name(context.client)}")


def trail_objects_prefix(context: ClientContext) -> str:
    """Where CloudTrail writes its log and digest files in the archive."""
    archive = context.bucket_arn(archive_bucket_name(context.client, context.account_id, context.region))
    return f"{archive}/{CLOUDTRAIL_PREFIX}/AWSLogs/{context.account_id}"


# The role Firehose assumes to write exported logs into the archive; it uses the client key through S3.
ARCHIVE_WRITER_ROLE = "archive-writer"
# The role CloudWatch Logs assumes to hand log events to the export stream.
LOG_EXPORT_ROLE = "log-export"


def key_users(context: ClientContext) -> list[KeyUser]:
    """The log archive's role that encrypts with the client key: Firehose writing SSE-KMS objects."""
    return [KeyUser(context.role_arn(ARCHIVE_WRITER_ROLE), ("kms:GenerateDataKey", "kms:Decrypt"), ("s3",))]


def export_stream_name(client: str) -> str:
    return f"toms-{client}-log-export"


# Firehose writes delivery errors to a log stream that must exist; this is the name AWS's console uses.
EXPORT_ERROR_LOG_STREAM = "DestinationDelivery"


def export_error_log_group_name(client: str) -> str:
    return client_log_group_name(client, "log-export-errors")


def export_prefix(client: str) -> str:
    """Where Firehose writes a log group's events: `<client>/<log-group>/<date>/`."""
    return f"{client}/!{{partitionKeyFromQuery:logGroup}}/!{{timestamp:yyyy-MM-dd}}/"


def export_error_prefix(client: str) -> str:
    return f"{client}/_errors/!{{firehose:error-output-type}}/!{{timestamp:yyyy-MM-dd}}/"


@dataclass(frozen=True)
class LogArchiveArgs:
    retention: RetentionConfig
    archive: ArchiveConfig
    kms_key_arn: pulumi.Input[str]
    alerts: AlertTopic


def archive_policy_statements(context: ClientContext) -> list[dict[str, Any]]:
    """Who may write to the archive besides its owner, and with which key: the client's trail writes under
    its own prefix, and every object is encrypted with the client key."""
    arn = context.bucket_arn(archive_bucket_name(context.client, context.account_id, context.region))
    trail = audit_trail_arn(context)
    trail_objects = trail_objects_prefix(context)
    return [
        {
            # Objects without an encryption header get the client key by default; a writer may not ask
            # for anything weaker. CloudTrail's digest files are the exception AWS imposes: they are
            # always written with SSE-S3 (they hold hashes and signatures, no log content).
            "Sid": "DenyPutsWithoutKmsEncryption",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "NotResource": f"{trail_objects}/CloudTrail-Digest/*",
            "Condition": {
                "Null": {"s3:x-amz-server-side-encryption": "false"},
                "StringNotEquals": {"s3:x-amz-server-side-encryption": ["aws:kms", "aws:kms:dsse"]},
            },
        },
        {
            # A writer that names a key could name another one; writers name none and get the bucket's
            # default, the client key. The trail names its key (the pack holds it to the client key) and
            # is the only writer under its prefix (next statement).
            "Sid": "DenyPutsNamingAnotherKey",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "NotResource": f"{trail_objects}/*",
            "Condition": {"Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"}},
        },
        {
            "Sid": "OnlyCloudTrailWritesTheTrailPrefix",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"{trail_objects}/*",
            "Condition": {
                "StringNotEqualsIfExists": {"aws:PrincipalServiceName": "cloudtrail.amazonaws.com"}
            },
        },
        {
            "Sid": "CloudTrailChecksTheBucket",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": arn,
            "Condition": {"StringEquals": {"aws:SourceArn": trail}},
        },
        {
            "Sid": "CloudTrailWritesItsPrefix",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{trail_objects}/*",
            "Condition": {
                "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail}
            },
        },
    ]


def access_log_delivery_statement(
    logs_bucket_arn: str, account_id: str, writer: dict[str, str]
) -> dict[str, Any]:
    """Let the regional load balancer log delivery put this account's access logs."""
    return {
        "Sid": "LoadBalancerDeliversAccessLogs",
        "Effect": "Allow",
        "Principal": writer,
        "Action": "s3:PutObject",
        "Resource": f"{logs_bucket_arn}/AWSLogs/{account_id}/*",
    }


class LogArchive(pulumi.ComponentResource):
    """The client's log archive bucket (locked, KMS, expiring), the access-log bucket, and the
    Firehose stream every log group exports to."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    access_logs_bucket_name: pulumi.Output[str]
    access_logs_bucket_arn: pulumi.Output[str]
    delivery_stream_arn: pulumi.Output[str]
    export_role_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        context: ClientContext,
        args: LogArchiveArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("toms:logging:LogArchive", name, None, opts)
        archive_days = args.retention.archive_retention_days

        archive_name = archive_bucket_name(context.client, context.account_id, context.region)
        archive = HardenedBucket(
            f"{name}-log-archive",
            context,
            HardenedBucketArgs(
                bucket_name=archive_name,
                expiry_days=archive_days,
                kms_key_arn=args.kms_key_arn,
                object_lock=ObjectLock(mode=args.archive.lock_mode, days=archive_days),
                policy_statements=archive_policy_statements(context),
                tags={standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_LOG_ARCHIVE},
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        logs_name = access_logs_bucket_name(context.client, context.account_id, context.region)
        logs_arn = context.bucket_arn(logs_name)
        if context.region in ELB_ACCOUNT_REGIONS:
            elb_account = aws.elb.get_service_account_output(
                region=context.region, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            delivery_statements: pulumi.Input[list[dict[str, Any]]] = elb_account.arn.apply(
                lambda elb_arn: [
                    access_log_delivery_statement(logs_arn, context.account_id, {"AWS": elb_arn})
                ]
            )
        else:
            delivery_statements = [
                access_log_delivery_statement(
                    logs_arn, context.account_id, {"Service": ELB_LOG_DELIVERY_SERVICE}
                )
            ]
        access_logs = HardenedBucket(
            f"{name}-access-logs",
            context,
            HardenedBucketArgs(
                bucket_name=logs_name,
                expiry_days=archive_days,
                # Load balancers write access logs only to buckets encrypted with SSE-S3.
                kms_key_arn=None,
                policy_statements=delivery_statements,
                tags={standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_ACCESS_LOGS},
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        archive_arn = context.bucket_arn(archive_name)
        error_log_name = export_error_log_group_name(context.client)
        error_log = unexported_log_group(
            f"{name}-export-errors",
            error_log_name,
            args.retention.log_days,
            args.kms_key_arn,
            parent=self,
        )
        error_stream = aws.cloudwatch.LogStream(
            f"{name}-export-errors",
            name=EXPORT_ERROR_LOG_STREAM,
            log_group_name=error_log.name,
            opts=pulumi.ResourceOptions(parent=self),
        )
        archive_writer = service_role(
            f"{name}-firehose",
            context,
            purpose=ARCHIVE_WRITER_ROLE,
            description="Firehose writes exported logs to the archive",
            service="firehose.amazonaws.com",
            trust_condition={"StringEquals": {"sts:ExternalId": context.account_id}},
            statements=[
                allow(
                    "LogDeliveryErrors",
                    ["logs:PutLogEvents"],
                    f"{context.log_group_arn(error_log_name)}:log-stream:*",
                ),
                allow(
                    "WriteTheClientsExportPrefix",
                    ["s3:PutObject", "s3:AbortMultipartUpload"],
                    f"{archive_arn}/{context.client}/*",
                ),
                # Firehose checks the bucket's region before it writes.
                allow("LocateTheArchive", ["s3:GetBucketLocation"], archive_arn),
                use_client_key_through(
                    context,
                    "EncryptThroughS3Only",
                    ["kms:GenerateDataKey", "kms:Decrypt"],
                    ["s3"],
                    {"aws:s3:arn": [archive_arn, f"{archive_arn}/*"]},
                ),
            ],
            parent=self,
        )

        stream = aws.kinesis.FirehoseDeliveryStream(
            f"{name}-export",
            name=export_stream_name(context.client),
            destination="extended_s3",
            server_side_encryption=aws.kinesis.FirehoseDeliveryStreamServerSideEncryptionArgs(
                enabled=True, key_type="CUSTOMER_MANAGED_CMK", key_arn=args.kms_key_arn
            ),
            extended_s3_configuration=aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationArgs(
                bucket_arn=archive.bucket_arn,
                role_arn=archive_writer.arn,
                # No key named here: the archive's default encryption (the client key) applies, and its
                # policy refuses writers that name a key.
                compression_format="GZIP",
                buffering_size=FIREHOSE_BUFFER_MIB,
                buffering_interval=FIREHOSE_BUFFER_SECONDS,
                prefix=export_prefix(context.client),
                error_output_prefix=export_error_prefix(context.client),
                dynamic_partitioning_configuration=(
                    aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationDynamicPartitioningConfigurationArgs(
                        enabled=True
                    )
                ),
                processing_configuration=_cloudwatch_logs_processing(),
                cloudwatch_logging_options=(
                    aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationCloudwatchLoggingOptionsArgs(
                        enabled=True, log_group_name=error_log_name, log_stream_name=EXPORT_ERROR_LOG_STREAM
                    )
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[archive, error_stream]),
        )

        log_export = service_role(
            f"{name}-log-export",
            context,
            purpose=LOG_EXPORT_ROLE,
            description="CloudWatch Logs hands log events to the export stream",
            service="logs.amazonaws.com",
            trust_condition={"ArnLike": {"aws:SourceArn": context.arn("logs", "*")}},
            statements=[
                allow(
                    "PutIntoTheExportStreamOnly",
                    ["firehose:PutRecord", "firehose:PutRecordBatch"],
                    context.arn("firehose", f"deliverystream/{export_stream_name(context.client)}"),
                )
            ],
            parent=self,
        )

        stream_dimensions = {"DeliveryStreamName": export_stream_name(context.client)}
        metric_alarm(
            f"{name}-export-failing",
            context,
            args.alerts,
            purpose=standards.ALARM_EXPORT_FAILING,
            description="the log export stream failed to deliver to the archive",
            parent=self,
            namespace="AWS/Firehose",
            metric_name="DeliveryToS3.Success",
            dimensions=stream_dimensions,
            statistic="Minimum",
            period=DELIVERY_PERIOD_SECONDS,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="LessThanThreshold",
            # No delivery attempt at all is the freshness alarm's case.
            treat_missing_data="notBreaching",
        )
        metric_alarm(
            f"{name}-export-stale",
            context,
            args.alerts,
            purpose=standards.ALARM_EXPORT_STALE,
            description=(
                f"logs older than {MAX_DATA_AGE_SECONDS // 60} minutes wait in the export stream, "
                "or none arrive"
            ),
            parent=self,
            namespace="AWS/Firehose",
            metric_name="DeliveryToS3.DataFreshness",
            dimensions=stream_dimensions,
            statistic="Maximum",
            period=DELIVERY_PERIOD_SECONDS,
            evaluation_periods=1,
            threshold=MAX_DATA_AGE_SECONDS,
            comparison_operator="GreaterThanThreshold",
            # Flow logs and the service's logs reach the stream every minute: silence means the export
            # path stopped, not that there was nothing to export.
            treat_missing_data="breaching",
        )

        self.bucket_name = archive.bucket_name
        self.bucket_arn = archive.bucket_arn
        self.access_logs_bucket_name = access_logs.bucket_name
        self.access_logs_bucket_arn = access_logs.bucket_arn
        self.delivery_stream_arn = stream.arn
        # Subscription filters need the role's permission in place, not just the role.
        self.export_role_arn = log_export.arn
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "bucket_arn": self.bucket_arn,
                "access_logs_bucket_name": self.access_logs_bucket_name,
                "access_logs_bucket_arn": self.access_logs_bucket_arn,
                "delivery_stream_arn": self.delivery_stream_arn,
                "export_role_arn": self.export_role_arn,
            }
        )


def _cloudwatch_logs_processing() -> (
    aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationArgs
):
    """Decompress CloudWatch Logs batches, read their log group for the prefix, one JSON batch a line."""
    processor = aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorArgs
    parameter = (
        aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorParameterArgs
    )
    return aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationArgs(
        enabled=True,
        processors=[
            processor(
                type="Decompression",
                parameters=[parameter(parameter_name="CompressionFormat", parameter_value="GZIP")],
            ),
            processor(
                type="MetadataExtraction",
                parameters=[
                    parameter(parameter_name="MetadataExtractionQuery", parameter_value=LOG_GROUP_QUERY),
                    parameter(parameter_name="JsonParsingEngine", parameter_value="JQ-1.6"),
                ],
            ),
            processor(
                type="AppendDelimiterToRecord",
                parameters=[parameter(parameter_name="Delimiter", parameter_value="\\n")],
            ),
        ],
    )
