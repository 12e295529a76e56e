"""Load balancer checks on answers written out here: a TLS listener uses a TLS 1.2/1.3 policy, the stack
file's when it names one; plain HTTP only redirects to HTTPS. The moto-built accounts in
tests/toms/live/test_audit.py run every load balancer check end to end."""

from __future__ import annotations

from typing import Any

import pytest

from tests.toms.moto_baseline import stack_config
from toms.live.checks import elbv2 as elbv2_checks

ACME = stack_config("acme")
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
