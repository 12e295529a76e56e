"""Transit everywhere: network load balancers, classic ELBs, CloudFront, API Gateway and SNS deliveries carry
data over TLS 1.2 or later, never in plain text on the ports that carry data."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Stack,
    Unverifiable,
    Violation,
    as_int,
    describe,
    list_items,
    lookup,
    resource_rule,
    stack_rule,
)
from .edge import LISTENERS, listener_protocol

# --- network load balancers ----------------------------------------------------------------------------

# Plain-text protocols and data stores, by port: a TCP/UDP listener forwards whatever arrives, so on these
# ports it carries credentials or data in plain text (FTP, Telnet, SMTP, HTTP, POP3, IMAP, LDAP, SQL
# Server, Oracle, NFS, MySQL, PostgreSQL, Redshift, CouchDB, Redis, Cassandra, Kafka, Elasticsearch and
# OpenSearch, Memcached, MongoDB).
PLAINTEXT_AND_DATA_PORTS = (
    20, 21, 23, 25, 80, 110, 143, 389, 1433, 1521, 2049, 3306, 5432, 5439, 5984,
    6379, 7000, 7001, 8080, 9042, 9092, 9200, 9300, 11211, 27017, 27018,
)  # fmt: skip
PLAINTEXT_PROTOCOLS = ("TCP", "UDP", "TCP_UDP")


@resource_rule(
    "lb-listener-plaintext-ports",
    "Network load balancer listeners never forward plain TCP/UDP on plain-text protocol or data-store ports.",
    Severity.CRITICAL,
    "Terminate TLS on the listener (protocol TLS with an allowed sslPolicy), or keep the data store "
    "unreachable from the load balancer; blockedPorts can only grow.",
    LISTENERS,
    properties={
        "blockedPorts": {
            "type": "array",
            "description": "Ports on which a TCP, UDP or TCP_UDP listener is refused (may add ports, never "
            "drop the defaults).",
            "items": {"type": "integer", "minimum": 1, "maximum": 65535},
            "allOf": [{"contains": {"const": port}} for port in PLAINTEXT_AND_DATA_PORTS],
            "default": list(PLAINTEXT_AND_DATA_PORTS),
        }
    },
)
def plaintext_ports(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    protocol = listener_protocol(resource)
    if protocol is UNKNOWN:
        yield Unverifiable("protocol")
        return
    if protocol not in PLAINTEXT_PROTOCOLS:
        return
    port = resource.get("port")
    number = as_int(port)
    if port is UNKNOWN:
        yield Unverifiable("port")
    elif number is None:
        yield Violation(f"port is {describe(port)}, expected a port number")
    elif number in {as_int(blocked) for blocked in settings["blockedPorts"]}:
        yield Violation(
            f"a {protocol} listener on port {number} forwards a plain-text or data-store protocol "
            "unencrypted: use protocol TLS with an allowed sslPolicy"
        )


# --- classic load balancers ----------------------------------------------------------------------------

ELB = "aws:elb/loadBalancer:LoadBalancer"
ELB_POLICY = "aws:elb/loadBalancerPolicy:LoadBalancerPolicy"
ELB_LISTENER_POLICY = "aws:elb/listenerPolicy:ListenerPolicy"
ELB_SSL_NEGOTIATION = "aws:elb/sslNegotiationPolicy:SslNegotiationPolicy"
ELB_TLS_POLICIES = ("ELBSecurityPolicy-TLS-1-2-2017-01",)
_ENCRYPTED_ELB = ("https", "ssl")
# SSL negotiation attributes that, when "true", let a client use a protocol older than TLS 1.2.
_OLD_PROTOCOL_ATTRIBUTES = ("Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1")


def _listener_object(where: str, listener: Any) -> Outcome | None:
    if isinstance(listener, Mapping):
        return None
    return Violation(f"{where} is {describe(listener)}, expected a listener object")


def _is_true(value: Any) -> bool:
    return str(value).lower() == "true"


def _attributes_key(policy: Resource) -> str:
    """Where a classic ELB policy keeps its name/value attributes."""
    return "policyAttributes" if policy.type == ELB_POLICY else "attributes"


def _negotiation_problem(policy: Resource) -> Any:
    """Why a classic ELB SSL negotiation policy accepts less than TLS 1.2; None when it does not, UNKNOWN
    when that cannot be read yet. Its attributes are name/value entries (`Items.setting`)."""
    key = _attributes_key(policy)
    attributes = list_items(policy.get(key), key, "name/value attributes")
    if isinstance(attributes.problem, Violation):
        return attributes.problem.message
    if attributes.problem is not None:
        return UNKNOWN
    reference = attributes.setting("Reference-Security-Policy", lambda value: value in ELB_TLS_POLICIES)
    if reference not in (MISSING, UNKNOWN) and reference not in ELB_TLS_POLICIES:
        return (
            f"Reference-Security-Policy is {describe(reference)}, which accepts TLS 1.0; use "
            f"{' or '.join(ELB_TLS_POLICIES)}"
        )
    old = {
        name: attributes.setting(name, lambda value: not _is_true(value)) for name in _OLD_PROTOCOL_ATTRIBUTES
    }
    if on := [name for name, value in old.items() if value is not UNKNOWN and _is_true(value)]:
        return f"{', '.join(on)} is true: clients may negotiate a protocol older than TLS 1.2"
    modern = attributes.setting("Protocol-TLSv1.2", _is_true)
    if UNKNOWN in (reference, *old.values()) or (reference is MISSING and modern is UNKNOWN):
        return UNKNOWN
    if reference is MISSING and not _is_true(modern):
        return (
            "neither Reference-Security-Policy nor Protocol-TLSv1.2 is set: set Reference-Security-Policy "
            "to ELBSecurityPolicy-TLS-1-2-2017-01"
        )
    return None


def _is_negotiation_policy(policy: Resource) -> bool:
    return policy.type == ELB_SSL_NEGOTIATION or policy.get("policyTypeName") == "SSLNegotiationPolicyType"


@stack_rule(
    "elb-classic-tls",
    "Classic load balancers carry traffic over HTTPS/SSL both ways, with a TLS 1.2 negotiation policy.",
    Severity.CRITICAL,
    "Use lbProtocol and instanceProtocol https or ssl, and attach (aws.elb.ListenerPolicy) an "
    "SSLNegotiationPolicyType policy with Reference-Security-Policy ELBSecurityPolicy-TLS-1-2-2017-01 to "
    "every such port; better, move to an application or network load balancer.",
    types=(ELB, ELB_POLICY, ELB_LISTENER_POLICY, ELB_SSL_NEGOTIATION),
)
def classic_elb_tls(stack: Stack, _: Settings) -> Iterator[Outcome]:
    negotiations = [p for p in stack.of_type(ELB_POLICY, ELB_SSL_NEGOTIATION) if _is_negotiation_policy(p)]
    good_names: set[Any] = set()
    for policy in negotiations:
        weakness = _negotiation_problem(policy)
        if weakness is UNKNOWN:
            yield Unverifiable(_attributes_key(policy), policy)
        elif weakness:
            yield Violation(f"{policy.name}: {weakness}", policy)
        elif policy.type == ELB_POLICY:
            good_names.add(policy.get("policyName"))
    for balancer in stack.of_type(ELB):
        listeners = list_items(balancer.get("listeners"), "listeners", "listeners", balancer)
        yield from listeners.each(_listener_object)
        for listener in filter(lambda listener: isinstance(listener, Mapping), listeners.values):
            front, back = (str(listener.get(key, "")).lower() for key in ("lbProtocol", "instanceProtocol"))
            port = listener.get("lbPort")
            port = as_int(port) if as_int(port) is not None else port  # the protocol sends numbers as doubles
            if front not in _ENCRYPTED_ELB or back not in _ENCRYPTED_ELB:
                yield Violation(
                    f"{balancer.name}: the listener on port {describe(port)} uses {front or 'no protocol'} "
                    f"to clients and {back or 'no protocol'} to instances: use https or ssl both ways",
                    balancer,
                )
                continue
            attached = _attached_names(stack, balancer, as_int(port))
            if attached is None:
                yield Unverifiable("ListenerPolicy.policyNames", balancer)
            elif not attached & good_names and not _direct_negotiation(stack, balancer, as_int(port)):
                yield Violation(
                    f"{balancer.name}: the {front} listener on port {describe(port)} has no TLS 1.2 "
                    "negotiation policy attached, so AWS's default (ELBSecurityPolicy-2016-08) accepts "
                    "TLS 1.0",
                    balancer,
                )


def _attached_names(stack: Stack, balancer: Resource, port: int | None) -> set[Any] | None:
    """The policy names ListenerPolicy resources attach to `balancer`'s `port`; None when unknown yet."""
    names: set[Any] = set()
    for candidate in stack.of_type(ELB_LISTENER_POLICY):
        if as_int(candidate.get("loadBalancerPort")) != port:
            continue
        joined = stack.joins(candidate, "loadBalancerName", balancer, ("name",))
        if joined is UNKNOWN:
            return None
        if joined is True:
            # An unknown name may attach another negotiation policy, weaker or not: undecided.
            listed = list_items(candidate.get("policyNames"), "policyNames", "policy names")
            if listed.undecided:
                return None
            names.update(listed.values)
    return names


def _direct_negotiation(stack: Stack, balancer: Resource, port: int | None) -> bool:
    """An (older) SslNegotiationPolicy set directly on the balancer's port, already judged on its own."""
    return any(
        as_int(policy.get("lbPort")) == port
        and stack.joins(policy, "loadBalancer", balancer, ("name",)) is True
        and _negotiation_problem(policy) is None
        for policy in stack.of_type(ELB_SSL_NEGOTIATION)
    )


# --- CloudFront ----------------------------------------------------------------------------------------

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
VIEWER_POLICIES = ("https-only", "redirect-to-https")
CLOUDFRONT_MIN_PROTOCOLS = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")


def _viewer_policy(where: str, behaviour: Any) -> Outcome | None:
    policy = lookup(behaviour, "viewerProtocolPolicy")
    if policy is UNKNOWN:
        return Unverifiable(f"{where}.viewerProtocolPolicy")
    if policy not in VIEWER_POLICIES:
        return Violation(
            f"{where}.viewerProtocolPolicy is {describe(policy)}: viewers may use plain HTTP; use "
            "https-only or redirect-to-https"
        )
    return None


def _origin(where: str, origin: Any) -> Iterator[Outcome]:
    custom = lookup(origin, "customOriginConfig")
    if custom is MISSING:
        return
    where = f"{where}.customOriginConfig"
    protocol = lookup(custom, "originProtocolPolicy")
    if protocol is UNKNOWN:
        yield Unverifiable(f"{where}.originProtocolPolicy")
    elif protocol != "https-only":
        yield Violation(f"{where}.originProtocolPolicy is {describe(protocol)}: use https-only")
    raw = lookup(custom, "originSslProtocols")
    protocols = list_items(raw, f"{where}.originSslProtocols", "protocols")
    if protocols.problem is None and (not protocols or any(item != "TLSv1.2" for item in protocols.values)):
        yield Violation(f'{where}.originSslProtocols is {describe(raw)}: use ["TLSv1.2"]')
    yield from protocols.unverifiable()


@resource_rule(
    "cloudfront-tls",
    "CloudFront serves HTTPS only with TLS 1.2 or later, and fetches from custom origins over TLS 1.2.",
    Severity.CRITICAL,
    "Set every viewerProtocolPolicy to https-only or redirect-to-https, a custom certificate with "
    "minimumProtocolVersion TLSv1.2_2021 or later, and custom origins to originProtocolPolicy https-only "
    'with originSslProtocols ["TLSv1.2"].',
    (DISTRIBUTION,),
)
def cloudfront_tls(resource: Resource, _: Settings) -> Iterator[Outcome]:
    outcome = _viewer_policy("defaultCacheBehavior", resource.get("defaultCacheBehavior"))
    yield from [outcome] if outcome is not None else []
    yield from list_items(
        resource.get("orderedCacheBehaviors"), "orderedCacheBehaviors", "cache behaviours"
    ).each(_viewer_policy)
    if resource.get("viewerCertificate", "cloudfrontDefaultCertificate") is True:
        yield Violation(
            "viewerCertificate.cloudfrontDefaultCertificate is true: the *.cloudfront.net certificate "
            "accepts TLSv1; use your own certificate with minimumProtocolVersion TLSv1.2_2021 or later"
        )
    else:
        minimum = resource.get("viewerCertificate", "minimumProtocolVersion")
        if minimum is UNKNOWN:
            yield Unverifiable("viewerCertificate.minimumProtocolVersion")
        elif minimum not in CLOUDFRONT_MIN_PROTOCOLS:
            yield Violation(
                f"viewerCertificate.minimumProtocolVersion is {describe(minimum)}: use one of "
                f"{', '.join(CLOUDFRONT_MIN_PROTOCOLS)}"
            )
    yield from list_items(resource.get("origins"), "origins", "origins").each(_origin)


# --- API Gateway ---------------------------------------------------------------------------------------

REST_API = "aws:apigateway/restApi:RestApi"
REST_DOMAIN = "aws:apigateway/domainName:DomainName"
HTTP_DOMAIN = "aws:apigatewayv2/domainName:DomainName"
REST_INTEGRATION = "aws:apigateway/integration:Integration"
HTTP_INTEGRATION = "aws:apigatewayv2/integration:Integration"


def _allowed_api_policy(policy: Any) -> bool:
    """TLS_1_2, or one of the enhanced `SecurityPolicy_TLS13_*` / `SecurityPolicy_TLS12_*` policies."""
    return isinstance(policy, str) and (
        policy == "TLS_1_2" or policy.startswith(("SecurityPolicy_TLS13_", "SecurityPolicy_TLS12_"))
    )


@resource_rule(
    "apigateway-tls",
    "API Gateway APIs and custom domains accept TLS 1.2 or later, and call HTTP backends over HTTPS.",
    Severity.CRITICAL,
    "Set securityPolicy TLS_1_2 (or a SecurityPolicy_TLS13_* policy) on REST APIs and custom domains "
    "(domainNameConfiguration.securityPolicy for HTTP APIs), or disable a REST API's execute-api "
    "endpoint; give HTTP integrations https:// URIs.",
    (REST_API, REST_DOMAIN, HTTP_DOMAIN, REST_INTEGRATION, HTTP_INTEGRATION),
)
def apigateway_tls(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type in (REST_INTEGRATION, HTTP_INTEGRATION):
        key = "uri" if resource.type == REST_INTEGRATION else "integrationUri"
        uri = resource.get(key)
        if uri is UNKNOWN:
            yield Unverifiable(key)
        elif isinstance(uri, str) and uri.lower().startswith("http://"):
            yield Violation(f"{key} is {describe(uri)}: the backend is called in plain HTTP; use https://")
        return
    if resource.type == REST_API and resource.get("disableExecuteApiEndpoint") is True:
        return
    path: tuple[str, ...] = (
        ("domainNameConfiguration", "securityPolicy") if resource.type == HTTP_DOMAIN else ("securityPolicy",)
    )
    policy = resource.get(*path)
    if policy is UNKNOWN:
        yield Unverifiable(".".join(path))
    elif not _allowed_api_policy(policy):
        default = " (unset, AWS applies TLS_1_0)" if policy is MISSING else ""
        yield Violation(
            f"{'.'.join(path)} is {describe(policy)}{default}: clients may use TLS 1.0; set TLS_1_2 or a "
            "SecurityPolicy_TLS13_* policy"
        )


# --- SNS -----------------------------------------------------------------------------------------------

SNS_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"


@resource_rule(
    "sns-subscription-https",
    "SNS never delivers messages to an endpoint in plain HTTP.",
    Severity.HIGH,
    "Use protocol https with an https:// endpoint (or sqs, lambda, firehose).",
    (SNS_SUBSCRIPTION,),
)
def sns_https(resource: Resource, _: Settings) -> Iterator[Outcome]:
    protocol = resource.get("protocol")
    if protocol is UNKNOWN:
        yield Unverifiable("protocol")
    elif not isinstance(protocol, str):
        yield Violation(f"protocol is {describe(protocol)}, expected a protocol name such as https")
    elif protocol.lower() == "http":
        yield Violation(f"protocol is {describe(protocol)}: messages leave AWS in plain text; use https")
