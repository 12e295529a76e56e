"""Load balancers, listeners and target groups: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import DELETE, HTTPS_REDIRECT, resource
from toms.offline.analyzer_client import UNKNOWN

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

LB = "aws:lb/loadBalancer:LoadBalancer"
ALB = "aws:alb/loadBalancer:LoadBalancer"
HTTPS_LISTENER = "aws:lb/listener:Listener"
HTTP_LISTENER = "aws:alb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ALB_TARGET_GROUP = "aws:alb/targetGroup:TargetGroup"

CASES: dict[str, list[Case]] = {
    "lb-tls-listener-policy": [
        violating(resource(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-TLS13-1-1-2021-06"), "TLS13-1-1"),
        violating(resource(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-TLS13-1-0-2021-06"), "TLS13-1-0"),
        violating(resource(HTTPS_LISTENER, sslPolicy=DELETE), "AWS default accepts TLS 1.0"),
        violating(resource(HTTPS_LISTENER, protocol="TLS", sslPolicy="ELBSecurityPolicy-2016-08"), "2016-08"),
        compliant(resource(HTTP_LISTENER)),
        compliant(resource(HTTPS_LISTENER)),
        unknown(resource(HTTPS_LISTENER, sslPolicy=UNKNOWN), "sslPolicy"),
        malformed(
            resource(HTTPS_LISTENER, sslPolicy=["ELBSecurityPolicy-TLS13-1-2-2021-06"]), "sslPolicy is ["
        ),
    ],
    "lb-http-redirects-to-https": [
        violating(
            resource(HTTP_LISTENER, defaultActions=[{"type": "forward", "targetGroupArn": "arn:tg"}]),
            'type "forward"',
        ),
        violating(
            resource(HTTP_LISTENER, defaultActions=[{**HTTPS_REDIRECT, "redirect": {"protocol": "HTTP"}}]),
            "redirect with protocol HTTPS",
        ),
        compliant(resource(HTTP_LISTENER)),
        compliant(resource(HTTPS_LISTENER)),
        unknown(resource(HTTP_LISTENER, defaultActions=UNKNOWN), "defaultActions"),
        malformed(
            resource(HTTP_LISTENER, defaultActions="redirect"),
            'defaultActions is "redirect", expected a list of actions',
        ),
        # Was a Violation calling the unknown action one "of type unknown" that serves plain HTTP.
        unknown(
            resource(HTTP_LISTENER, defaultActions=[HTTPS_REDIRECT, UNKNOWN]),
            "defaultActions[1]",
            label="one-action",
        ),
        violating(
            resource(
                HTTP_LISTENER, defaultActions=[UNKNOWN, {"type": "forward", "targetGroupArn": "arn:tg"}]
            ),
            'type "forward"',
            label="beside-unknown",
        ),
    ],
    "lb-drop-invalid-headers": [
        violating(resource(LB, dropInvalidHeaderFields=False), "dropInvalidHeaderFields is false"),
        violating(resource(ALB, dropInvalidHeaderFields=DELETE), "dropInvalidHeaderFields is not set"),
        compliant(resource(ALB)),
        compliant(resource(LB)),
        unknown(resource(LB, dropInvalidHeaderFields=UNKNOWN), "dropInvalidHeaderFields"),
        malformed(resource(LB, dropInvalidHeaderFields="yes"), 'dropInvalidHeaderFields is "yes"'),
    ],
    "lb-deletion-protection": [
        violating(resource(ALB, enableDeletionProtection=False), "enableDeletionProtection"),
        compliant(resource(ALB)),
        compliant(resource(LB)),
        unknown(resource(LB, enableDeletionProtection=UNKNOWN), "enableDeletionProtection"),
        malformed(resource(LB, enableDeletionProtection="yes"), 'enableDeletionProtection is "yes"'),
    ],
    "lb-access-logs": [
        violating(resource(LB, accessLogs__enabled=False), "accessLogs.enabled is false"),
        violating(resource(ALB, accessLogs=DELETE), "accessLogs is not set"),
        compliant(resource(ALB)),
        compliant(resource(LB)),
        malformed(resource("aws:lb/loadBalancer:LoadBalancer", accessLogs=["on"]), "accessLogs is"),
        unknown(resource(LB, accessLogs__enabled=UNKNOWN), "accessLogs.enabled"),
    ],
    "lb-https-hsts": [
        violating(
            resource(HTTPS_LISTENER, routingHttpResponseStrictTransportSecurityHeaderValue=DELETE),
            "carry no HSTS header",
        ),
        violating(
            resource(HTTPS_LISTENER, routingHttpResponseStrictTransportSecurityHeaderValue="max-age=86400"),
            "max-age is 86400 s",
        ),
        compliant(resource(HTTP_LISTENER)),
        compliant(resource(HTTPS_LISTENER)),
        malformed(
            resource(
                "aws:lb/listener:Listener", routingHttpResponseStrictTransportSecurityHeaderValue=31536000
            ),
            "carry no HSTS header",
        ),
        malformed(
            resource(
                "aws:lb/listener:Listener", routingHttpResponseStrictTransportSecurityHeaderValue="max-age=1y"
            ),
            "not a whole number of seconds",
        ),
        unknown(
            resource(
                "aws:lb/listener:Listener", routingHttpResponseStrictTransportSecurityHeaderValue=UNKNOWN
            ),
            "routingHttpResponseStrictTransportSecurityHeaderValue",
        ),
    ],
    "lb-desync-strictest": [
        violating(resource(LB, desyncMitigationMode=DELETE), 'AWS applies "defensive"'),
        violating(resource(ALB, desyncMitigationMode="monitor"), 'is "monitor"'),
        compliant(resource(ALB)),
        compliant(resource(LB)),
        malformed(
            resource("aws:lb/loadBalancer:LoadBalancer", desyncMitigationMode=["strictest"]),
            'desyncMitigationMode is ["strictest"]',
        ),
        unknown(
            resource("aws:alb/loadBalancer:LoadBalancer", desyncMitigationMode=UNKNOWN),
            "desyncMitigationMode",
        ),
    ],
    "lb-target-health-check-bound": [
        violating(resource(TARGET_GROUP, healthCheck__interval=30), "2 x 30 s + 5 s = 65 s"),
        violating(resource(ALB_TARGET_GROUP, healthCheck__enabled=False), "healthCheck.enabled is false"),
        violating(
            resource(ALB_TARGET_GROUP, healthCheck=DELETE),
            "2 x 30 s + 5 s = 65 s (unhealthyThreshold x interval + timeout) (healthCheck.interval, "
            "healthCheck.timeout, healthCheck.unhealthyThreshold not set, so AWS's defaults apply)",
        ),
        compliant(resource(ALB_TARGET_GROUP)),
        compliant(resource(TARGET_GROUP)),
        malformed(
            resource("aws:lb/targetGroup:TargetGroup", healthCheck=[{"interval": 10}]), "healthCheck is ["
        ),
        malformed(
            resource("aws:alb/targetGroup:TargetGroup", healthCheck__timeout="5s"),
            'healthCheck.timeout is "5s", expected a positive whole number',
        ),
        malformed(
            resource("aws:lb/targetGroup:TargetGroup", healthCheck__enabled="yes"),
            'healthCheck.enabled is "yes", expected a boolean',
        ),
        unknown(
            resource("aws:lb/targetGroup:TargetGroup", healthCheck__interval=UNKNOWN), "healthCheck.interval"
        ),
        unknown(resource("aws:alb/targetGroup:TargetGroup", targetType=UNKNOWN), "targetType"),
    ],
}
