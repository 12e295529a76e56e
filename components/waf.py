"""A web application firewall in front of the client's load balancer.

A regional WAFv2 web ACL with three AWS managed rule groups, each blocking what it matches:
- `AWSManagedRulesCommonRuleSet`: the OWASP Top 10 classes (cross-site scripting, local file inclusion,
  oversized bodies, bad bots' user agents);
- `AWSManagedRulesKnownBadInputsRuleSet`: request patterns of known exploits (Log4Shell, Java
  deserialization, host header attacks);
- `AWSManagedRulesAmazonIpReputationList`: addresses Amazon threat intelligence saw attacking.
Requests no rule blocks are allowed. Every rule group publishes CloudWatch metrics and samples requests.

WAF logs every request it judged into `aws-waf-logs-toms-<client>` (WAF accepts only log groups with that
prefix), a log group made like every other one: the client's retention, the client's key, and exported to
the off-server archive. CloudWatch Logs' delivery service writes into it under a resource policy that admits
only deliveries for this account.

A client that filters requests before they reach the load balancer (a CDN with its own firewall) turns it
off with `toms:loadBalancer.waf: false`; the pack then reports the load balancer as an advisory exception.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import ClientContext
from components.iam import policy_document
from components.log_group import LogPolicy, retained_log_group
from policies.toms_pack import standards

# Evaluated in this order; a block by an earlier group ends the evaluation.
MANAGED_RULE_GROUPS = standards.WAF_MANAGED_RULE_GROUPS
LOG_DELIVERY_SERVICE = "delivery.logs.amazonaws.com"


def waf_log_group_name(client: str) -> str:
    """WAF logs only to log groups whose name starts with `aws-waf-logs-`."""
    return f"aws-waf-logs-toms-{client}"


def log_delivery_policy(context: ClientContext) -> str:
    """CloudWatch Logs' delivery service may write WAF's logs into the client's WAF log group only, and
    only for deliveries of this account."""
    group_arn = context.log_group_arn(waf_log_group_name(context.client))
    return policy_document(
        {
            "Sid": "WafDeliversItsLogs",
            "Effect": "Allow",
            "Principal": {"Service": LOG_DELIVERY_SERVICE},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{group_arn}:log-stream:*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": context.account_id},
                "ArnLike": {"aws:SourceArn": context.arn("logs", "*")},
            },
        }
    )


@dataclass(frozen=True)
class WebFirewallArgs:
    load_balancer_arn: pulumi.Input[str]
    log_policy: LogPolicy


class WebFirewall(pulumi.ComponentResource):
    """A web ACL of AWS managed rule groups, associated with the load balancer, logging to a retained,
    encrypted, exported log group."""

    web_acl_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        context: ClientContext,
        args: WebFirewallArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("toms:edge:WebFirewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        visibility = aws.wafv2.WebAclVisibilityConfigArgs
        rule = aws.wafv2.WebAclRuleArgs
        web_acl = aws.wafv2.WebAcl(
            f"{name}-waf",
            name=context.name("web"),
            description=f"toms {context.client}: AWS managed rules in front of the load balancer",
            scope="REGIONAL",
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=[
                rule(
                    name=group,
                    priority=priority,
                    override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                        none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
                    ),
                    statement=aws.wafv2.WebAclRuleStatementArgs(
                        managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                            vendor_name=standards.WAF_MANAGED_VENDOR, name=group
                        )
                    ),
                    visibility_config=aws.wafv2.WebAclRuleVisibilityConfigArgs(
                        cloudwatch_metrics_enabled=True, metric_name=group, sampled_requests_enabled=True
                    ),
                )
                for priority, group in enumerate(MANAGED_RULE_GROUPS)
            ],
            visibility_config=visibility(
                cloudwatch_metrics_enabled=True,
                metric_name=context.name("web"),
                sampled_requests_enabled=True,
            ),
            opts=child,
        )
        aws.wafv2.WebAclAssociation(
            f"{name}-waf", resource_arn=args.load_balancer_arn, web_acl_arn=web_acl.arn, opts=child
        )

        log_group_name = waf_log_group_name(context.client)
        log_group = retained_log_group(f"{name}-waf-logs", log_group_name, args.log_policy, parent=self)
        delivery = aws.cloudwatch.LogResourcePolicy(
            f"{name}-waf-logs",
            policy_name=context.name("waf-log-delivery"),
            policy_document=log_delivery_policy(context),
            opts=child,
        )
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-waf",
            resource_arn=web_acl.arn,
            log_destination_configs=[context.log_group_arn(log_group_name)],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, delivery]),
        )

        self.web_acl_arn = web_acl.arn
        self.register_outputs({"web_acl_arn": self.web_acl_arn})
