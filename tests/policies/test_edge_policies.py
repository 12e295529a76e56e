"""The load balancer's HSTS, desync and health-check rules: how they read values, their config and waivers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from policies.toms_pack import standards
from tests.policies.conftest import BASE_CONFIG, configured
from tests.policies.samples import DELETE, resource
from toms.offline.analyzer_client import PolicyConfigError, PolicyPackProcess, ResourceInput, reconcile_config

LISTENER = "aws:lb/listener:Listener"
ALB_LISTENER = "aws:alb/listener:Listener"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ALB_TARGET_GROUP = "aws:alb/targetGroup:TargetGroup"
ONE_YEAR = standards.HSTS_MIN_MAX_AGE_SECONDS


def hsts_listener(value: object) -> ResourceInput:
    return resource(LISTENER, routingHttpResponseStrictTransportSecurityHeaderValue=value)


def findings(pack: PolicyPackProcess, subject: ResourceInput, policy: str) -> list[str]:
    return [d.message for d in pack.analyze(subject) if d.policy_name == policy and d.mandatory]


@pytest.mark.parametrize(
    "value",
    [
        f"max-age={ONE_YEAR}",
        f"max-age={2 * ONE_YEAR}; includeSubDomains; preload",
        f'Max-Age="{ONE_YEAR}" ; INCLUDESUBDOMAINS',
        f"includeSubDomains; max-age={ONE_YEAR};",
    ],
)
def test_hsts_of_a_year_or_more_passes_in_any_spelling_rfc_6797_allows(
    pack: PolicyPackProcess, value: str
) -> None:
    assert findings(pack, hsts_listener(value), "lb-https-hsts") == []


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (f"max-age={ONE_YEAR - 1}; includeSubDomains", f"max-age is {ONE_YEAR - 1} s, expected at least"),
        ("includeSubDomains", "no max-age directive"),
        (f"max-age={ONE_YEAR}; max-age=0", "appears twice"),
        ("max-age=-1", "not a whole number"),
        ("   ", "carry no HSTS header"),
    ],
)
def test_short_or_invalid_hsts_is_caught(pack: PolicyPackProcess, value: str, fragment: str) -> None:
    messages = findings(pack, hsts_listener(value), "lb-https-hsts")
    assert any(fragment in message for message in messages), messages
    assert all(standards.HSTS_HEADER_VALUE in message for message in messages)


def test_hsts_is_asked_only_of_https_listeners(pack: PolicyPackProcess) -> None:
    # Plain HTTP only redirects, and a TLS (network load balancer) listener cannot send HTTP headers.
    assert findings(pack, resource(ALB_LISTENER), "lb-https-hsts") == []
    tls = resource(LISTENER, protocol="TLS", routingHttpResponseStrictTransportSecurityHeaderValue=DELETE)
    assert findings(pack, tls, "lb-https-hsts") == []


def test_a_client_can_require_include_subdomains_and_a_longer_max_age(pack: PolicyPackProcess) -> None:
    config = {
        **BASE_CONFIG,
        "lb-https-hsts": {"requireIncludeSubDomains": True, "minMaxAgeSeconds": 2 * ONE_YEAR},
    }
    with configured(pack, config):
        short = findings(pack, hsts_listener(standards.HSTS_HEADER_VALUE), "lb-https-hsts")
        no_subdomains = findings(pack, hsts_listener(f"max-age={2 * ONE_YEAR}"), "lb-https-hsts")
        both = findings(pack, hsts_listener(f"max-age={2 * ONE_YEAR}; includeSubDomains"), "lb-https-hsts")
    assert any(f"expected at least {2 * ONE_YEAR} s" in message for message in short)
    assert any("lacks includeSubDomains" in message for message in no_subdomains)
    assert both == []


def test_desync_mode_is_asked_only_of_application_load_balancers(pack: PolicyPackProcess) -> None:
    network = resource(
        LOAD_BALANCER, loadBalancerType="network", desyncMitigationMode=DELETE, dropInvalidHeaderFields=DELETE
    )
    assert pack.analyze(network) == []
    defensive = resource(LOAD_BALANCER, desyncMitigationMode="defensive")
    [message] = findings(pack, defensive, "lb-desync-strictest")
    assert message.endswith(
        'desyncMitigationMode is "defensive": set it to "strictest"'
        " [TOM transmission: Data is encrypted in transit tls 1.2, 1.3]"
    )


def test_the_bound_is_computed_by_the_shared_function(pack: PolicyPackProcess) -> None:
    # 3 x 10 s + 5 s = 35 s: one more failed check than the component's two breaks the 30 s promise.
    interval, timeout, threshold = 10, 5, 3
    bound = standards.out_of_rotation_bound_seconds(interval, timeout, threshold)
    assert bound > standards.MAX_SECONDS_TO_OUT_OF_ROTATION
    messages = findings(
        pack,
        resource(TARGET_GROUP, healthCheck__unhealthyThreshold=threshold),
        "lb-target-health-check-bound",
    )
    assert any(f"= {bound} s" in message and "at most 30 s" in message for message in messages), messages


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        # Problem 7 of issue 14: no healthCheck block is not "not set" (AWS always checks); its defaults,
        # 2 x 30 s + 5 s, exceed the bound.
        ({"healthCheck": DELETE}, "2 x 30 s + 5 s = 65 s"),
        ({"healthCheck__interval": DELETE}, "(healthCheck.interval not set, so AWS's defaults apply)"),
        # 2 x 10 s + AWS's 5 s HTTP timeout = 25 s is within the bound; a TCP group's 10 s default is not.
        ({"healthCheck__timeout": DELETE}, None),
        (
            {"healthCheck__timeout": DELETE, "protocol": "TCP", "healthCheck__interval": 11},
            "2 x 11 s + 10 s = 32 s",
        ),
        ({"healthCheck__unhealthyThreshold": DELETE}, None),
    ],
    ids=["no-block", "no-interval", "http-timeout", "tcp-timeout", "threshold"],
)
def test_unset_health_check_numbers_take_aws_defaults(
    pack: PolicyPackProcess, changes: dict, verdict: str | None
) -> None:
    messages = findings(pack, resource(TARGET_GROUP, **changes), "lb-target-health-check-bound")
    if verdict is None:
        assert messages == []
    else:
        assert any(verdict in message for message in messages), messages
        assert not any(
            "is not set" in message and "AWS's defaults apply" not in message for message in messages
        )


def test_lambda_targets_need_health_checks_enabled_explicitly(pack: PolicyPackProcess) -> None:
    # AWS turns health checks off by default for Lambda targets and on for instance and ip targets.
    lambda_targets = resource(ALB_TARGET_GROUP, targetType="lambda")
    messages = findings(pack, lambda_targets, "lb-target-health-check-bound")
    assert any("AWS disables it for Lambda targets" in message for message in messages), messages
    enabled = resource(ALB_TARGET_GROUP, targetType="lambda", healthCheck__enabled=True)
    assert findings(pack, enabled, "lb-target-health-check-bound") == []


def test_a_client_can_tighten_the_bound_but_not_loosen_it(pack: PolicyPackProcess) -> None:
    with configured(pack, {**BASE_CONFIG, "lb-target-health-check-bound": {"maxSeconds": 20}}):
        messages = findings(pack, resource(TARGET_GROUP), "lb-target-health-check-bound")
    assert any("= 25 s" in message and "at most 20 s" in message for message in messages), messages
    with pytest.raises(PolicyConfigError) as raised:
        reconcile_config(pack.info(), {"lb-target-health-check-bound": {"maxSeconds": 60}})
    assert any("maximum of 30" in problem for problem in raised.value.problems), raised.value.problems
    with pytest.raises(PolicyConfigError):
        reconcile_config(pack.info(), {"lb-https-hsts": {"minMaxAgeSeconds": 86400}})


def test_a_waiver_suppresses_a_new_rule_for_the_named_target_group_only(pack: PolicyPackProcess) -> None:
    expires = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    batch = f"{TARGET_GROUP}::batch"
    waiver = {"resources": [batch], "reason": "slow start until CHG-42 ships", "expires": expires}
    config = {**BASE_CONFIG, "lb-target-health-check-bound": {"waivers": [waiver]}}
    with configured(pack, config):
        waived = pack.analyze(resource(TARGET_GROUP, "batch", healthCheck__interval=30))
        other = pack.analyze(resource(TARGET_GROUP, "web", healthCheck__interval=30))
    assert [(d.policy_name, d.enforcement_level) for d in waived] == [("waived-findings", "advisory")]
    assert "lb-target-health-check-bound: waived until" in waived[0].message
    assert [(d.policy_name, d.mandatory) for d in other] == [("lb-target-health-check-bound", True)]


FORWARD = [{"type": "forward", "targetGroupArn": "arn:tg"}]


@pytest.mark.parametrize(
    ("policy", "subject"),
    [
        (
            "lb-tls-listener-policy",
            resource(LISTENER, protocol="https", sslPolicy="ELBSecurityPolicy-2016-08"),
        ),
        ("lb-tls-listener-policy", resource(LISTENER, protocol="tls", sslPolicy=DELETE)),
        (
            "lb-https-hsts",
            resource(
                LISTENER, protocol="Https", routingHttpResponseStrictTransportSecurityHeaderValue=DELETE
            ),
        ),
        ("lb-http-redirects-to-https", resource(ALB_LISTENER, protocol="http", defaultActions=FORWARD)),
        # An ALB listener without a protocol serves plain HTTP, AWS's default.
        ("lb-http-redirects-to-https", resource(ALB_LISTENER, protocol=DELETE, defaultActions=FORWARD)),
    ],
)
def test_listener_protocol_is_read_as_aws_applies_it(
    pack: PolicyPackProcess, policy: str, subject: ResourceInput
) -> None:
    """The provider upper-cases the protocol, so its spelling cannot step around a listener rule."""
    assert findings(pack, subject, policy)


def test_a_gateway_load_balancer_listener_has_no_protocol_to_check(pack: PolicyPackProcess) -> None:
    gateway = resource(ALB_LISTENER, protocol=DELETE, port=DELETE, defaultActions=FORWARD)
    assert pack.analyze(gateway) == []
