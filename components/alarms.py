"""The client's alarms: the log path, the service, the edge and the database tell someone when they fail.

Every alarm of the baseline is made by `metric_alarm`: named `toms-<client>-<purpose>` (the key policy and
the topic policy admit exactly those alarms), with its alarm and OK actions on the client's alert topic.
The topic is encrypted with the client key, accepts publications from this account's CloudWatch alarms
over TLS only, and forwards to `toms:alerts.email` when set.

Which alarms exist and why, with thresholds: README "Design decisions" and docs/logging.md. The CIS AWS
Foundations metric filters (root use, IAM policy changes, key deletion, ...) live here as data; the audit
trail component puts them on the trail's log group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.config import AlertsConfig
from components.context import ClientContext
from components.iam import policy_document
from policies.toms_pack import standards

ALERT_TOPIC_PURPOSE = standards.ALERT_TOPIC_PURPOSE
# The namespace of the metrics the trail's CIS filters count.
CIS_NAMESPACE = "toms/cis"
CIS_PERIOD_SECONDS = 300


def alert_topic_arn(context: ClientContext) -> str:
    return context.arn("sns", context.name(ALERT_TOPIC_PURPOSE))


def alarm_arn_pattern(context: ClientContext) -> str:
    """Every alarm the baseline makes (the name scheme of `metric_alarm`)."""
    return context.arn("cloudwatch", f"alarm:{context.name('*')}")


def alert_topic_policy(context: ClientContext) -> str:
    topic = alert_topic_arn(context)
    return policy_document(
        {
            "Sid": "ThisAccountsAlarmsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": context.account_id},
                "ArnLike": {"aws:SourceArn": alarm_arn_pattern(context)},
            },
        },
        {
            "Sid": "DenyPublishingWithoutTls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": topic,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )


@dataclass(frozen=True)
class AlertTopicArgs:
    kms_key_arn: pulumi.Input[str]
    alerts: AlertsConfig


class AlertTopic(pulumi.ComponentResource):
    """The SNS topic every alarm of the client notifies, encrypted with the client key."""

    arn: str
    ready: list[pulumi.Resource]

    def __init__(
        self,
        name: str,
        context: ClientContext,
        args: AlertTopicArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("toms:monitoring:AlertTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        topic = aws.sns.Topic(
            f"{name}-alerts",
            name=context.name(ALERT_TOPIC_PURPOSE),
            kms_master_key_id=args.kms_key_arn,
            opts=child,
        )
        policy = aws.sns.TopicPolicy(
            f"{name}-alerts", arn=topic.arn, policy=alert_topic_policy(context), opts=child
        )
        if args.alerts.email is not None:
            aws.sns.TopicSubscription(
                f"{name}-alerts-email",
                topic=topic.arn,
                protocol="email",
                endpoint=args.alerts.email,
                opts=child,
            )
        # Known before the topic exists, so alarm actions are judged in the first preview.
        self.arn = alert_topic_arn(context)
        self.ready = [topic, policy]
        self.register_outputs({"arn": topic.arn})


def metric_alarm(
    resource_name: str,
    context: ClientContext,
    alerts: AlertTopic,
    *,
    purpose: str,
    description: str,
    parent: pulumi.Resource,
    **alarm: Any,
) -> aws.cloudwatch.MetricAlarm:
    """An alarm `toms-<client>-<purpose>` that notifies the alert topic when it fires and when it clears."""
    return aws.cloudwatch.MetricAlarm(
        resource_name,
        name=context.name(purpose),
        alarm_description=f"toms {context.client}: {description}",
        actions_enabled=True,
        alarm_actions=[alerts.arn],
        ok_actions=[alerts.arn],
        opts=pulumi.ResourceOptions(parent=parent, depends_on=alerts.ready),
        **alarm,
    )


@dataclass(frozen=True)
class CisFilter:
    """A CIS AWS Foundations Benchmark monitoring control: a metric filter on the trail's log group."""

    purpose: str
    control: str
    description: str
    pattern: str


def _any_event(*names: str, source: str | None = None) -> str:
    events = " || ".join(f'($.eventName = "{name}")' for name in names)
    if source is None:
        return f"{{ {events} }}"
    return f'{{ ($.eventSource = "{source}") && ({events}) }}'


CIS_FILTERS: tuple[CisFilter, ...] = (
    CisFilter(
        "cis-unauthorized-api-calls",
        "4.1",
        "API calls refused as unauthorized",
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    ),
    CisFilter(
        "cis-console-login-without-mfa",
        "4.2",
        "console sign-in of an IAM user without MFA",
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
        '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    ),
    CisFilter(
        "cis-root-account-usage",
        "4.3",
        "the account's root user was used",
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
        '$.eventType != "AwsServiceEvent" }',
    ),
    CisFilter(
        "cis-iam-policy-changes",
        "4.4",
        "an IAM policy was created, changed, attached or detached",
        _any_event(
            "DeleteGroupPolicy",
            "DeleteRolePolicy",
            "DeleteUserPolicy",
            "PutGroupPolicy",
            "PutRolePolicy",
            "PutUserPolicy",
            "CreatePolicy",
            "DeletePolicy",
            "CreatePolicyVersion",
            "DeletePolicyVersion",
            "SetDefaultPolicyVersion",
            "AttachRolePolicy",
            "DetachRolePolicy",
            "AttachUserPolicy",
            "DetachUserPolicy",
            "AttachGroupPolicy",
            "DetachGroupPolicy",
            source="iam.amazonaws.com",
        ),
    ),
    CisFilter(
        "cis-cloudtrail-changes",
        "4.5",
        "a trail was created, changed, stopped or deleted",
        _any_event("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"),
    ),
    CisFilter(
        "cis-console-login-failures",
        "4.6",
        "console sign-in failed",
        '{ ($.eventName = "ConsoleLogin") && ($.errorMessage = "Failed authentication") }',
    ),
    CisFilter(
        "cis-key-disabled-or-deleted",
        "4.7",
        "a KMS key was disabled or scheduled for deletion",
        _any_event("DisableKey", "ScheduleKeyDeletion", source="kms.amazonaws.com"),
    ),
    CisFilter(
        "cis-bucket-policy-changes",
        "4.8",
        "an S3 bucket policy, ACL, CORS, lifecycle or replication setting changed",
        _any_event(
            "PutBucketAcl",
            "PutBucketPolicy",
            "PutBucketCors",
            "PutBucketLifecycle",
            "PutBucketReplication",
            "DeleteBucketPolicy",
            "DeleteBucketCors",
            "DeleteBucketLifecycle",
            "DeleteBucketReplication",
            source="s3.amazonaws.com",
        ),
    ),
    CisFilter(
        "cis-config-changes",
        "4.9",
        "AWS Config recording or delivery changed",
        _any_event(
            "StopConfigurationRecorder",
            "DeleteDeliveryChannel",
            "PutDeliveryChannel",
            "PutConfigurationRecorder",
            source="config.amazonaws.com",
        ),
    ),
    CisFilter(
        "cis-security-group-changes",
        "4.10",
        "a security group or its rules changed",
        _any_event(
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
        ),
    ),
    CisFilter(
        "cis-network-acl-changes",
        "4.11",
        "a network ACL changed",
        _any_event(
            "CreateNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAcl",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        ),
    ),
    CisFilter(
        "cis-network-gateway-changes",
        "4.12",
        "an internet or customer gateway changed",
        _any_event(
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
        ),
    ),
    CisFilter(
        "cis-route-table-changes",
        "4.13",
        "a route or route table changed",
        _any_event(
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
            source="ec2.amazonaws.com",
        ),
    ),
    CisFilter(
        "cis-vpc-changes",
        "4.14",
        "a VPC or its peering changed",
        _any_event(
            "CreateVpc",
            "DeleteVpc",
            "ModifyVpcAttribute",
            "AcceptVpcPeeringConnection",
            "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection",
            "RejectVpcPeeringConnection",
        ),
    ),
    CisFilter(
        "cis-organizations-changes",
        "4.15",
        "AWS Organizations changed",
        _any_event(
            "AcceptHandshake",
            "AttachPolicy",
            "CreateAccount",
            "CreateOrganizationalUnit",
            "CreatePolicy",
            "DeclineHandshake",
            "DeleteOrganization",
            "DeleteOrganizationalUnit",
            "DeletePolicy",
            "DetachPolicy",
            "DisablePolicyType",
            "EnablePolicyType",
            "InviteAccountToOrganization",
            "LeaveOrganization",
            "MoveAccount",
            "RemoveAccountFromOrganization",
            "UpdatePolicy",
            "UpdateOrganizationalUnit",
            source="organizations.amazonaws.com",
        ),
    ),
)


def cis_metric_name(cis: CisFilter) -> str:
    return cis.purpose.removeprefix("cis-")


def cis_alarms(
    name: str,
    context: ClientContext,
    alerts: AlertTopic,
    trail_log_group: aws.cloudwatch.LogGroup,
    parent: pulumi.Resource,
    filters: Sequence[CisFilter] = CIS_FILTERS,
) -> list[aws.cloudwatch.MetricAlarm]:
    """One metric filter on the trail's log group and one alarm per CIS monitoring control."""
    alarms = []
    for cis in filters:
        metric = cis_metric_name(cis)
        aws.cloudwatch.LogMetricFilter(
            f"{name}-{cis.purpose}",
            name=context.name(cis.purpose),
            log_group_name=trail_log_group.name,
            pattern=cis.pattern,
            metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                namespace=CIS_NAMESPACE, name=f"{context.client}-{metric}", value="1"
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        alarms.append(
            metric_alarm(
                f"{name}-{cis.purpose}",
                context,
                alerts,
                purpose=cis.purpose,
                description=f"CIS AWS Foundations {cis.control}: {cis.description}",
                parent=parent,
                namespace=CIS_NAMESPACE,
                metric_name=f"{context.client}-{metric}",
                statistic="Sum",
                period=CIS_PERIOD_SECONDS,
                evaluation_periods=1,
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",
            )
        )
    return alarms
