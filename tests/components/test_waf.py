"""The web application firewall in front of the load balancer, as the real program registers it, and the
`toms:loadBalancer.waf` switch."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from components.waf import MANAGED_RULE_GROUPS
from tests.components.program_reading import (
    LOG_GROUP,
    SUBSCRIPTION_FILTER,
    client_config,
    client_key_arn,
    one,
    problems_for,
    stack_file,
)
from tests.conftest import REPO
from toms.offline.analyzer_client import PolicyPackProcess
from toms.offline.mock_runtime import ProgramRun, run_program
from toms.preview.model import PreviewTarget, StackPreview
from toms.preview.run import preview
from toms.project import flatten_stack_config

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
RESOURCE_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"


def test_the_web_acl_blocks_with_the_three_aws_managed_rule_groups(stack_run: ProgramRun) -> None:
    acl = one(stack_run, WEB_ACL).inputs
    assert acl["scope"] == "REGIONAL"
    assert acl["defaultAction"] == {"allow": {}}
    groups = {rule["statement"]["managedRuleGroupStatement"]["name"]: rule for rule in acl["rules"]}
    assert (
        set(groups)
        == {
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesAmazonIpReputationList",
        }
        == set(MANAGED_RULE_GROUPS)
    )
    for name, rule in groups.items():
        assert rule["statement"]["managedRuleGroupStatement"]["vendorName"] == "AWS"
        # "none" keeps each group's own actions (block); "count" would only watch.
        assert rule["overrideAction"] == {"none": {}}, name
        assert rule["visibilityConfig"]["cloudwatchMetricsEnabled"] is True
    assert len({rule["priority"] for rule in acl["rules"]}) == len(acl["rules"])


def test_the_web_acl_guards_the_internet_facing_load_balancer(stack_run: ProgramRun) -> None:
    association = one(stack_run, ASSOCIATION).inputs
    assert association["resourceArn"] == one(stack_run, "aws:lb/loadBalancer:LoadBalancer").outputs["arn"]
    assert association["webAclArn"] == one(stack_run, WEB_ACL).outputs["arn"]


def test_waf_logs_into_a_retained_encrypted_exported_log_group(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    name = f"aws-waf-logs-toms-{config.client}"
    (group,) = [group for group in stack_run.of_type(LOG_GROUP) if group.inputs["name"] == name]
    assert group.inputs["retentionInDays"] == config.retention.log_days
    assert group.inputs["kmsKeyId"] == client_key_arn(stack_run)
    exports = [
        item
        for item in stack_run.of_type(SUBSCRIPTION_FILTER)
        if item.inputs["logGroup"] == group.outputs["name"]
    ]
    assert len(exports) == 1, "the WAF log reaches the archive like every other log"
    logging = one(stack_run, LOGGING)
    assert logging.inputs["resourceArn"] == one(stack_run, WEB_ACL).outputs["arn"]
    assert logging.inputs["logDestinationConfigs"] == [group.outputs["arn"]]
    assert group.urn in logging.dependencies


def test_only_log_delivery_for_this_account_writes_the_waf_log_group(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    policy = one(stack_run, RESOURCE_POLICY)
    assert policy.urn in one(stack_run, LOGGING).dependencies
    (statement,) = json.loads(policy.inputs["policyDocument"])["Statement"]
    assert statement["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == (
        f"arn:aws:logs:{config.region}:{config.account_id}:log-group:aws-waf-logs-toms-{config.client}:log-stream:*"
    )
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": config.account_id}


def test_waf_can_be_turned_off_for_a_client_who_filters_elsewhere() -> None:
    config = {**stack_file("initech"), "toms:loadBalancer": {"waf": False}}
    run = run_program(REPO, "initech", flatten_stack_config(config, "stacks/Pulumi.initech.yaml"))
    for type_token in (WEB_ACL, ASSOCIATION, LOGGING, RESOURCE_POLICY):
        assert run.of_type(type_token) == [], type_token
    assert run.of_type("aws:lb/loadBalancer:LoadBalancer")


def test_waf_is_on_unless_turned_off(stack_run: ProgramRun) -> None:
    assert client_config(stack_run).load_balancer.waf is True
    assert "waf" not in stack_file(stack_run.stack).get("toms:loadBalancer", {})


def test_a_waf_setting_that_is_not_a_boolean_gets_a_clear_error() -> None:
    assert problems_for({**stack_file("acme"), "toms:loadBalancer": {"waf": "sometimes"}}) == [
        'toms:loadBalancer.waf: got "sometimes"; expected true or false'
    ]


def waf_off_preview(
    tmp_path: Path, waivers: list[dict[str, object]], pack: PolicyPackProcess
) -> StackPreview:
    """initech with `toms:loadBalancer.waf: false`, previewed with its pack config plus `waivers`."""
    config = json.loads((REPO / "stacks" / "policy-config" / "initech.json").read_text(encoding="utf-8"))
    if waivers:
        config["lb-waf-associated"] = {"waivers": waivers}
    policy_config = tmp_path / "initech.json"
    policy_config.write_text(json.dumps(config), encoding="utf-8")
    stack_config = {**stack_file("initech"), "toms:loadBalancer": {"waf": False}}
    target = PreviewTarget(
        REPO,
        "initech",
        flatten_stack_config(stack_config, "stacks/Pulumi.initech.yaml"),
        REPO / "stacks" / "Pulumi.initech.yaml",
        policy_config,
    )
    return preview(target, pack=pack)


def test_waf_off_is_a_mandatory_finding_until_waived_then_an_advisory_exception(
    tmp_path: Path, reused_pack: PolicyPackProcess
) -> None:
    unwaived = waf_off_preview(tmp_path, [], reused_pack)
    assert [(f.policy, f.resource_name, f.mandatory) for f in unwaived.findings] == [
        ("lb-waf-associated", "initech-alb", True)
    ]
    expires = (date.today() + timedelta(days=90)).isoformat()
    reason = "requests reach the load balancer only through the client's CDN and its WAF"
    # Waivers name resources by URN.
    (urn,) = {finding.urn for finding in unwaived.findings}
    waived = waf_off_preview(
        tmp_path, [{"resources": [urn], "reason": reason, "expires": expires}], reused_pack
    )
    assert waived.passed
    (finding,) = waived.findings
    assert not finding.mandatory
    assert f"lb-waf-associated: waived until {expires}: {reason}" in finding.message
