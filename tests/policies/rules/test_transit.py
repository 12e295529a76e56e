"""Network and classic load balancers, CloudFront, API Gateway and SNS in transit: each rule's case table."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from policies.toms_pack.rules.transit import PLAINTEXT_AND_DATA_PORTS
from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import DELETE, PROVIDER, both, change, resource, set_path
from toms.offline.analyzer_client import UNKNOWN, ResourceInput

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

LISTENER = "aws:lb/listener:Listener"
ELB = "aws:elb/loadBalancer:LoadBalancer"
ELB_POLICY = "aws:elb/loadBalancerPolicy:LoadBalancerPolicy"
ELB_LISTENER_POLICY = "aws:elb/listenerPolicy:ListenerPolicy"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
REST_API = "aws:apigateway/restApi:RestApi"
REST_DOMAIN = "aws:apigateway/domainName:DomainName"
HTTP_DOMAIN = "aws:apigatewayv2/domainName:DomainName"
HTTP_INTEGRATION = "aws:apigatewayv2/integration:Integration"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
CERTIFICATE = "arn:aws:acm:us-east-1:111122223333:certificate/abc"

SAMPLES: dict[str, dict[str, Any]] = {
    DISTRIBUTION: {
        "enabled": True,
        "origins": [
            {
                "originId": "app",
                "domainName": "app.example.com",
                "customOriginConfig": {
                    "originProtocolPolicy": "https-only",
                    "originSslProtocols": ["TLSv1.2"],
                },
            }
        ],
        "defaultCacheBehavior": {"targetOriginId": "app", "viewerProtocolPolicy": "redirect-to-https"},
        "orderedCacheBehaviors": [{"pathPattern": "/api/*", "viewerProtocolPolicy": "https-only"}],
        "viewerCertificate": {"acmCertificateArn": CERTIFICATE, "minimumProtocolVersion": "TLSv1.2_2021"},
    },
    REST_API: {"name": "orders", "securityPolicy": "TLS_1_2"},
    REST_DOMAIN: {"domainName": "api.example.com", "securityPolicy": "TLS_1_2"},
    HTTP_DOMAIN: {"domainName": "http.example.com", "domainNameConfiguration": {"securityPolicy": "TLS_1_2"}},
    HTTP_INTEGRATION: {
        "apiId": "a",
        "integrationType": "HTTP_PROXY",
        "integrationUri": "https://backend.example.com",
    },
    SUBSCRIPTION: {
        "topic": "arn:aws:sns:eu-west-1:1:t",
        "protocol": "https",
        "endpoint": "https://hooks.example.com",
    },
}


def sample(resource_type: str, **changes: Any) -> ResourceInput:
    props = copy.deepcopy(SAMPLES[resource_type])
    for path, value in changes.items():
        set_path(props, path.replace("__", "."), value)
    return ResourceInput(resource_type, "subject", props, provider=PROVIDER)


def tcp_listener(port: Any, protocol: str = "TCP") -> ResourceInput:
    return resource(LISTENER, protocol=protocol, port=port, sslPolicy=DELETE, certificateArn=DELETE)


# --- classic ELB stacks --------------------------------------------------------------------------------

HTTPS_LISTENER = {"lbPort": 443, "lbProtocol": "https", "instancePort": 8443, "instanceProtocol": "https"}
TLS12_POLICY = {
    "loadBalancerName": "legacy",
    "policyName": "tls12",
    "policyTypeName": "SSLNegotiationPolicyType",
    "policyAttributes": [{"name": "Reference-Security-Policy", "value": "ELBSecurityPolicy-TLS-1-2-2017-01"}],
}


def classic(
    listener: dict[str, Any] | None = None, policy: dict[str, Any] | None = None, attach: bool = True
):
    """A stack edit adding a classic ELB (name `legacy`), its negotiation policy and the listener policy."""

    def apply(stack: dict[str, ResourceInput]) -> None:
        stack["elb"] = ResourceInput(
            ELB, "elb", {"name": "legacy", "listeners": [listener or HTTPS_LISTENER]}, provider=PROVIDER
        )
        stack["elb-policy"] = ResourceInput(
            ELB_POLICY, "elb-policy", policy or TLS12_POLICY, provider=PROVIDER
        )
        if attach:
            stack["elb-listener-policy"] = ResourceInput(
                ELB_LISTENER_POLICY,
                "elb-listener-policy",
                {"loadBalancerName": "legacy", "loadBalancerPort": 443, "policyNames": ["tls12"]},
                provider=PROVIDER,
            )

    return apply


def broken_listeners(stack: dict[str, ResourceInput]) -> None:
    classic()(stack)
    set_path(stack["elb"].props, "listeners", "https:443")  # type: ignore[arg-type]


def classic_with(**changes: Any) -> Callable[[dict[str, ResourceInput]], None]:
    return classic(listener={**HTTPS_LISTENER, **changes})


CASES: dict[str, list[Case]] = {
    "lb-listener-plaintext-ports": [
        compliant(tcp_listener(443), label="tcp-443"),
        compliant(resource(LISTENER), label="https"),
        violating(tcp_listener(5432), "a TCP listener on port 5432 forwards"),
        violating(tcp_listener(6379, "TCP_UDP"), "a TCP_UDP listener on port 6379"),
        violating(
            tcp_listener(8443),
            "port 8443",
            config={"lb-listener-plaintext-ports": {"blockedPorts": [*PLAINTEXT_AND_DATA_PORTS, 8443]}},
            label="added-port",
        ),
        unknown(tcp_listener(UNKNOWN), "port"),
        malformed(tcp_listener("postgres"), "expected a port number"),
    ],
    "elb-classic-tls": [
        compliant(classic()),
        violating(classic(attach=False), "listener on port 443 has no TLS 1.2 negotiation policy", at="elb"),
        violating(classic_with(lbProtocol="http", lbPort=80), "uses http to clients", at="elb"),
        violating(classic_with(instanceProtocol="tcp"), "and tcp to instances", at="elb"),
        violating(
            classic(
                policy={
                    **TLS12_POLICY,
                    "policyAttributes": [
                        {"name": "Reference-Security-Policy", "value": "ELBSecurityPolicy-2016-08"}
                    ],
                }
            ),
            "which accepts TLS 1.0",
        ),
        violating(
            classic(
                policy={
                    **TLS12_POLICY,
                    "policyAttributes": [
                        {"name": "Protocol-TLSv1", "value": "true"},
                        {"name": "Protocol-TLSv1.2", "value": "true"},
                    ],
                }
            ),
            "Protocol-TLSv1 is true",
        ),
        malformed(broken_listeners, 'elb: listeners is "https:443", expected a list of listeners', at="elb"),
        unknown(both(classic(), change("elb", "listeners", UNKNOWN)), "elb.listeners", at="elb"),
        # Was a Violation calling the listeners "not a list of listeners".
        unknown(
            both(classic(), lambda stack: stack["elb"].props["listeners"].append(UNKNOWN)),
            "elb.listeners[1]",
            at="elb",
            label="one-listener",
        ),
        violating(
            both(
                classic(),
                lambda stack: (
                    stack["elb"]
                    .props["listeners"]
                    .extend([UNKNOWN, {**HTTPS_LISTENER, "lbPort": 80, "lbProtocol": "http"}])
                ),
            ),
            "uses http to clients",
            at="elb",
            label="beside-unknown",
        ),
        # Was a Violation "neither Reference-Security-Policy nor Protocol-TLSv1.2 is set": the unknown
        # attribute may be either.
        unknown(
            classic(policy={**TLS12_POLICY, "policyAttributes": [UNKNOWN]}),
            "elb-policy.policyAttributes",
            at="elb-policy",
            label="one-attribute",
        ),
        violating(
            classic(
                policy={
                    **TLS12_POLICY,
                    "policyAttributes": [UNKNOWN, {"name": "Protocol-TLSv1", "value": "true"}],
                }
            ),
            "Protocol-TLSv1 is true",
            label="attribute-beside-unknown",
        ),
        unknown(
            classic(policy={**TLS12_POLICY, "policyAttributes": UNKNOWN}),
            "elb-policy.policyAttributes",
            at="elb-policy",
            label="attributes",
        ),
        # An unknown policy name beside the TLS 1.2 one may attach a weaker negotiation policy.
        unknown(
            both(classic(), lambda stack: stack["elb-listener-policy"].props["policyNames"].append(UNKNOWN)),
            "elb.ListenerPolicy.policyNames",
            at="elb",
            label="one-policy-name",
        ),
    ],
    "cloudfront-tls": [
        compliant(sample(DISTRIBUTION)),
        violating(
            sample(DISTRIBUTION, defaultCacheBehavior__viewerProtocolPolicy="allow-all"),
            'defaultCacheBehavior.viewerProtocolPolicy is "allow-all"',
        ),
        violating(
            sample(DISTRIBUTION, orderedCacheBehaviors__0__viewerProtocolPolicy="allow-all"),
            "orderedCacheBehaviors[0].viewerProtocolPolicy",
        ),
        violating(
            sample(DISTRIBUTION, viewerCertificate={"cloudfrontDefaultCertificate": True}),
            "the *.cloudfront.net certificate",
        ),
        violating(
            sample(DISTRIBUTION, viewerCertificate__minimumProtocolVersion="TLSv1"),
            'minimumProtocolVersion is "TLSv1"',
        ),
        violating(
            sample(DISTRIBUTION, origins__0__customOriginConfig__originProtocolPolicy="http-only"),
            'originProtocolPolicy is "http-only"',
        ),
        violating(
            sample(DISTRIBUTION, origins__0__customOriginConfig__originSslProtocols=["TLSv1", "TLSv1.2"]),
            "originSslProtocols",
        ),
        unknown(
            sample(DISTRIBUTION, viewerCertificate__minimumProtocolVersion=UNKNOWN),
            "viewerCertificate.minimumProtocolVersion",
        ),
        malformed(
            sample(DISTRIBUTION, origins__0__customOriginConfig__originSslProtocols="TLSv1.2"),
            'originSslProtocols is "TLSv1.2", expected a list of protocols',
        ),
        # Was a Violation claiming the unknown protocol was not TLSv1.2.
        unknown(
            sample(DISTRIBUTION, origins__0__customOriginConfig__originSslProtocols=["TLSv1.2", UNKNOWN]),
            "origins[0].customOriginConfig.originSslProtocols[1]",
            label="one-protocol",
        ),
        violating(
            sample(DISTRIBUTION, origins__0__customOriginConfig__originSslProtocols=[UNKNOWN, "TLSv1"]),
            'originSslProtocols is ["unknown", "TLSv1"]: use ["TLSv1.2"]',
            label="protocol-beside-unknown",
        ),
        unknown(sample(DISTRIBUTION, origins=UNKNOWN), "origins", label="origins"),
        unknown(sample(DISTRIBUTION, origins=[UNKNOWN]), "origins[0]", label="one-origin"),
        malformed(sample(DISTRIBUTION, origins="my-origin"), "expected a list of origins", label="origins"),
        # Were passes: an unknown or malformed list of ordered behaviours was skipped.
        unknown(
            sample(DISTRIBUTION, orderedCacheBehaviors=UNKNOWN), "orderedCacheBehaviors", label="behaviours"
        ),
        malformed(
            sample(DISTRIBUTION, orderedCacheBehaviors="allow-all"),
            "expected a list of cache behaviours",
            label="behaviours",
        ),
        violating(
            sample(
                DISTRIBUTION,
                orderedCacheBehaviors=[UNKNOWN, {"pathPattern": "/x", "viewerProtocolPolicy": "allow-all"}],
            ),
            "orderedCacheBehaviors[1].viewerProtocolPolicy",
            label="behaviour-beside-unknown",
        ),
    ],
    "apigateway-tls": [
        compliant(sample(REST_API)),
        compliant(
            sample(REST_DOMAIN, securityPolicy="SecurityPolicy_TLS13_1_2_2021_06"), label="enhanced-policy"
        ),
        compliant(sample(HTTP_DOMAIN)),
        compliant(sample(HTTP_INTEGRATION)),
        compliant(
            sample(REST_API, securityPolicy=DELETE, disableExecuteApiEndpoint=True),
            label="no-default-endpoint",
        ),
        violating(sample(REST_API, securityPolicy="TLS_1_0"), 'securityPolicy is "TLS_1_0"'),
        violating(sample(REST_API, securityPolicy=DELETE), "(unset, AWS applies TLS_1_0)"),
        violating(sample(REST_DOMAIN, securityPolicy="TLS_1_0"), "clients may use TLS 1.0"),
        violating(
            sample(HTTP_DOMAIN, domainNameConfiguration__securityPolicy="TLS_1_0"),
            "domainNameConfiguration.securityPolicy",
        ),
        violating(
            sample(HTTP_INTEGRATION, integrationUri="http://backend.example.com"), "called in plain HTTP"
        ),
        unknown(sample(REST_DOMAIN, securityPolicy=UNKNOWN), "securityPolicy"),
        malformed(sample(REST_DOMAIN, securityPolicy=["TLS_1_2"]), "clients may use TLS 1.0"),
    ],
    "sns-subscription-https": [
        compliant(sample(SUBSCRIPTION)),
        compliant(sample(SUBSCRIPTION, protocol="sqs", endpoint="arn:aws:sqs:eu-west-1:1:q"), label="sqs"),
        violating(
            sample(SUBSCRIPTION, protocol="http", endpoint="http://hooks.example.com"), 'protocol is "http"'
        ),
        unknown(sample(SUBSCRIPTION, protocol=UNKNOWN), "protocol"),
        violating(sample(SUBSCRIPTION, protocol="HTTP"), 'protocol is "HTTP"', label="upper-case"),
        malformed(sample(SUBSCRIPTION, protocol=["https"]), "expected a protocol name"),
    ],
}
