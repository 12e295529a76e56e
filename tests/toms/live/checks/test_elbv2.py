"""`lb-waf` against moto: the internet-facing application load balancer is behind a web ACL with the baseline's
AWS managed rule groups, each blocking; a client whose stack file turns the WAF off gets EXCEPTION only with an
active waiver of `lb-waf-associated` in its pack config, read as the pack reads it.

One account holds the client's load balancers, one per case. Classes of failure: no web ACL (missing), a web
ACL without one of the groups (partial), one whose group only counts (disabled), and a web ACL associated
with another load balancer (other resource). Internal and network load balancers take no web ACL and get no
finding, as the pack's `lb-waf-associated` leaves them out.

Where moto departs from AWS (tests/toms/moto_baseline.py says so too): AssociateWebACL adds the load balancer
to the new web ACL without taking it from the one it had, so each load balancer is associated once here.

The listener check (TLS 1.2/1.3, the stack file's policy, HTTP only redirecting) is judged at the end on
answers written out here; the moto-built accounts in tests/toms/live/test_audit.py run it end to end.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.config import ClientConfig
from policies.toms_pack import standards
from tests.toms.moto_baseline import (
    client_tags,
    fake_aws_environment,
    in_account,
    stack_config,
    web_acl_rules,
)
from toms.live.auditor import run_audit
from toms.live.checks import elbv2 as elbv2_checks
from toms.live.models import AuditFinding
from toms.live.session import AwsSession

ACME = stack_config("acme")
WAF_OFF = ACME.model_copy(update={"load_balancer": ACME.load_balancer.model_copy(update={"waf": False})})
GROUPS = standards.WAF_MANAGED_RULE_GROUPS
TODAY = datetime.now(UTC).date()
REASON = "requests reach the load balancer only through the client's CDN and its WAF"

# case -> (load balancer type, scheme, web ACL rules or None for no web ACL)
CASES: dict[str, tuple[str, str, list[dict[str, Any]] | None]] = {
    "the baseline's web ACL": ("application", "internet-facing", web_acl_rules()),
    "no web ACL": ("application", "internet-facing", None),
    "without the IP reputation list": ("application", "internet-facing", web_acl_rules()[1:]),
    "the common rule set only counting": (
        "application",
        "internet-facing",
        web_acl_rules(counting=("AWSManagedRulesCommonRuleSet",)),
    ),
    "internal": ("application", "internal", None),
    "network": ("network", "internet-facing", None),
}
# A web ACL as the baseline builds it, associated with a load balancer that is not the client's: it protects
# nothing of the client.
OTHER_LOAD_BALANCER = "other"


def visibility(metric: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": metric}


@pytest.fixture(scope="module")
def account() -> Iterator[dict[str, str]]:
    """Load balancer name -> ARN; moto stays up for the module so each test audits with its own config."""
    with fake_aws_environment(), mock_aws(), in_account(ACME.account_id):
        ec2 = boto3.client("ec2", region_name=ACME.region)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.0.{index}.0/24", AvailabilityZone=f"{ACME.region}{zone}"
            )["Subnet"]["SubnetId"]
            for index, zone in enumerate("ab")
        ]
        elbv2 = boto3.client("elbv2", region_name=ACME.region)
        wafv2 = boto3.client("wafv2", region_name=ACME.region)
        tags = [{"Key": key, "Value": value} for key, value in client_tags("acme").items()]
        arns: dict[str, str] = {}
        cases = {**CASES, OTHER_LOAD_BALANCER: ("application", "internet-facing", None)}
        for index, (case, (kind, scheme, rules)) in enumerate(cases.items()):
            arns[case] = elbv2.create_load_balancer(
                Name=f"acme-case-{index}",
                Subnets=subnets,
                Type=kind,
                Scheme=scheme,
                Tags=tags if case != OTHER_LOAD_BALANCER else [{"Key": "client", "Value": "someone-else"}],
            )["LoadBalancers"][0]["LoadBalancerArn"]
            if rules is not None:
                acl = wafv2.create_web_acl(
                    Name=f"toms-acme-web-{index}",
                    Scope="REGIONAL",
                    DefaultAction={"Allow": {}},
                    Rules=rules,
                    VisibilityConfig=visibility(f"web-{index}"),
                )["Summary"]["ARN"]
                wafv2.associate_web_acl(WebACLArn=acl, ResourceArn=arns[case])
        other_acl = wafv2.create_web_acl(
            Name="toms-acme-web-elsewhere",
            Scope="REGIONAL",
            DefaultAction={"Allow": {}},
            Rules=web_acl_rules(),
            VisibilityConfig=visibility("elsewhere"),
        )["Summary"]["ARN"]
        wafv2.associate_web_acl(WebACLArn=other_acl, ResourceArn=arns[OTHER_LOAD_BALANCER])
        yield arns


def waf_findings(
    arns: dict[str, str], config: ClientConfig, policy_config: dict[str, Any] | None = None
) -> dict[str, AuditFinding]:
    with in_account(ACME.account_id):
        result = run_audit(AwsSession(ACME.region), "acme", config, policy_config=policy_config)
    case_of = {arn: case for case, arn in arns.items()}
    return {case_of[finding.resource]: finding for finding in result.findings if finding.check == "lb-waf"}


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        (
            "the baseline's web ACL",
            "PASS",
            f"behind web ACL toms-acme-web-0, blocking with {', '.join(GROUPS)}",
        ),
        ("no web ACL", "FAIL", "no WAF web ACL is associated with the internet-facing load balancer"),
        (
            "without the IP reputation list",
            "FAIL",
            "web ACL toms-acme-web-2 without AWSManagedRulesAmazonIpReputationList",
        ),
        (
            "the common rule set only counting",
            "FAIL",
            "web ACL toms-acme-web-3 with AWSManagedRulesCommonRuleSet counting or narrowed, not blocking",
        ),
    ],
)
def test_the_load_balancer_is_behind_the_baselines_web_acl(
    account: dict[str, str], case: str, status: str, message: str
) -> None:
    finding = waf_findings(account, ACME)[case]
    assert (finding.status, finding.message) == (status, message)
    assert finding.measures == ["ongoing-security"]


def test_only_the_clients_internet_facing_application_load_balancers_are_judged(
    account: dict[str, str],
) -> None:
    # Internal and network load balancers take no web ACL; the other load balancer is not the client's, so the
    # web ACL associated with it protects nothing the audit looks at.
    assert set(waf_findings(account, ACME)) == {
        "the baseline's web ACL",
        "no web ACL",
        "without the IP reputation list",
        "the common rule set only counting",
    }


def test_observed_values_compare_the_rule_groups_with_the_baselines(account: dict[str, str]) -> None:
    observed = waf_findings(account, ACME)["the common rule set only counting"].observed
    assert observed["rule_groups"] == {"expected": list(GROUPS), "actual": list(GROUPS[:2])}
    assert observed["not_blocking"] == ["AWSManagedRulesCommonRuleSet"]


def waiver(expires: date) -> dict[str, Any]:
    return {
        "lb-waf-associated": {
            "waivers": [
                {
                    "resources": ["toms:edge:TlsLoadBalancer$aws:lb/loadBalancer:LoadBalancer::acme-alb"],
                    "reason": REASON,
                    "expires": expires.isoformat(),
                }
            ]
        }
    }


def test_waf_off_with_an_active_waiver_is_the_documented_exception_not_a_pass(
    account: dict[str, str],
) -> None:
    expires = TODAY + timedelta(days=90)
    finding = waf_findings(account, WAF_OFF, waiver(expires))["no web ACL"]
    assert finding.status == "EXCEPTION"
    assert finding.message == (
        "no WAF web ACL, by the client's documented exception: the stack file sets toms:loadBalancer.waf: false "
        "and lb-waf-associated waived for toms:edge:TlsLoadBalancer$aws:lb/loadBalancer:LoadBalancer::acme-alb "
        f"until {expires.isoformat()}: {REASON}"
    )
    assert finding.observed["loadBalancer.waf"] is False


@pytest.mark.parametrize(
    ("policy_config", "why"),
    [
        ({}, "no waiver"),
        (waiver(TODAY - timedelta(days=1)), "expired"),
        # The pack refuses a waiver more than a year ahead; the audit reads it as the pack does.
        (waiver(TODAY + timedelta(days=800)), "beyond a year"),
    ],
)
def test_waf_off_without_an_active_valid_waiver_fails(
    account: dict[str, str], policy_config: dict[str, Any], why: str
) -> None:
    finding = waf_findings(account, WAF_OFF, policy_config)["no web ACL"]
    assert finding.status == "FAIL", why
    assert "the client's pack config gives no active waiver of lb-waf-associated" in finding.message


def test_waf_off_does_not_excuse_a_weakened_web_acl_that_is_there(account: dict[str, str]) -> None:
    findings = waf_findings(account, WAF_OFF, waiver(TODAY + timedelta(days=90)))
    assert findings["the common rule set only counting"].status == "FAIL"
    assert findings["the baseline's web ACL"].status == "PASS"


# --- verdicts on answers written out here ------------------------------------------------------------

ACME_POLICY = ACME.load_balancer.tls_policy
OLD_POLICY = "ELBSecurityPolicy-2016-08"
REDIRECT = {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443"}}


@pytest.mark.parametrize(
    ("listener", "passed", "message"),
    [
        (
            {"Protocol": "HTTPS", "Port": 443, "SslPolicy": ACME_POLICY},
            True,
            f"HTTPS with TLS 1.2/1.3 policy {ACME_POLICY}",
        ),
        (
            {"Protocol": "HTTPS", "Port": 443, "SslPolicy": OLD_POLICY},
            False,
            f"HTTPS with policy {OLD_POLICY}, which accepts TLS older than 1.2",
        ),
        (
            {"Protocol": "HTTPS", "Port": 443, "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"},
            False,
            f"HTTPS with policy ELBSecurityPolicy-TLS13-1-2-2021-06; expected {ACME_POLICY} "
            "(loadBalancer.tlsPolicy)",
        ),
        (
            {"Protocol": "HTTP", "Port": 80, "DefaultActions": [REDIRECT]},
            True,
            "plain HTTP only redirects to HTTPS",
        ),
        (
            {"Protocol": "HTTP", "Port": 80, "DefaultActions": [REDIRECT, {"Type": "forward"}]},
            False,
            "HTTP listener on port 80 serves traffic unencrypted",
        ),
        (
            {"Protocol": "HTTP", "Port": 80, "DefaultActions": []},
            False,
            "HTTP listener on port 80 serves traffic unencrypted",
        ),
    ],
)
def test_a_listener_is_encrypted_with_the_stack_files_policy_or_redirects(
    listener: dict[str, Any], passed: bool, message: str
) -> None:
    verdict = elbv2_checks.listener_verdict(listener, ACME)
    assert (verdict.passed, verdict.message) == (passed, message)


def test_without_a_stack_file_any_tls_1_2_policy_passes() -> None:
    listener = {"Protocol": "TLS", "Port": 443, "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}
    verdict = elbv2_checks.listener_verdict(listener, None)
    assert verdict.passed
    assert verdict.observed["ssl_policy"]["actual"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
