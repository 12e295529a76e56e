"""Security groups and their rules, inline and standalone: nothing open to the internet but 80/443."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity

from .. import standards
from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    Violation,
    as_int,
    describe,
    list_items,
    lookup,
    resource_rule,
)

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
# The VPC's default group takes the same inline rules; a program can adopt it and open it.
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUPS = (SECURITY_GROUP, DEFAULT_SECURITY_GROUP)
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
RULE_TYPES = (*SECURITY_GROUPS, SECURITY_GROUP_RULE, VPC_INGRESS_RULE, VPC_EGRESS_RULE)

# Ranges no internet host can send from, decided by this table rather than `ipaddress.is_private`, whose
# answer for some IPv6 ranges changed between Python 3.11 patch releases: a verdict must not depend on the
# interpreter. Everything outside them counts as public.
NON_PUBLIC_RANGES = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "10.0.0.0/8",  # RFC 1918
        "172.16.0.0/12",  # RFC 1918
        "192.168.0.0/16",  # RFC 1918
        "100.64.0.0/10",  # shared address space (carrier-grade NAT), RFC 6598
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local
        "::1/128",  # loopback
        "fc00::/7",  # unique local addresses, RFC 4193
        "fe80::/10",  # link-local
    )
)
PREFIX_LIST_PATTERN = r"^pl-[0-9a-f]+$"
TRUSTED_PREFIX_LISTS = {
    "type": "array",
    "description": "Managed prefix list ids (pl-...) that hold only the client's own networks; any other "
    "prefix list a rule names counts as public.",
    "items": {"type": "string", "pattern": PREFIX_LIST_PATTERN},
    "default": [],
}


def is_all_protocols(protocol: Any) -> bool:
    """True for "all protocols" in any spelling the provider accepts: "-1", -1, "all", "ALL"."""
    return str(protocol).strip().lower() in ("-1", "all") or as_int(protocol) == -1


@dataclass(frozen=True)
class IngressRule:
    """One ingress permission, whatever resource shape it came from."""

    label: str
    protocol: Any
    from_port: Any
    to_port: Any
    cidrs: tuple[Any, ...]
    prefix_lists: tuple[Any, ...] = ()

    def covers(self, port: int) -> bool | Any:
        if is_all_protocols(self.protocol):
            return True
        if UNKNOWN in (self.protocol, self.from_port, self.to_port):
            return UNKNOWN
        low, high = as_int(self.from_port), as_int(self.to_port)
        if low is None or high is None:
            return True  # an unreadable port range is treated as open, so it cannot slip through
        return low <= port <= high

    def only_ports(self, allowed: tuple[int, ...]) -> bool:
        if is_all_protocols(self.protocol):
            return False
        low, high = as_int(self.from_port), as_int(self.to_port)
        return low is not None and low == high and low in allowed


def port_range(rule: IngressRule) -> str:
    """The rule's ports as AWS writes them: `22`, `0-65535`, or `all` for every protocol."""
    if is_all_protocols(rule.protocol):
        return "all ports"
    low, high = (as_int(rule.from_port), as_int(rule.to_port))
    if low is None or high is None:
        return f"ports {describe(rule.from_port)}-{describe(rule.to_port)}"
    return f"port {low}" if low == high else f"ports {low}-{high}"


def _sources(
    props: Any, where: str, keys: tuple[str, ...], noun: str, problems: list[Outcome]
) -> tuple[Any, ...]:
    """The items of the source lists at `keys` (an unknown list or item as UNKNOWN, which the policies
    judge); a value that is not a list is added to `problems`."""
    found: list[Any] = []
    for key in keys:
        items = list_items(lookup(props, key), f"{where}{key}", noun)
        if isinstance(items.problem, Violation):
            problems.append(items.problem)
        found += items.values + [UNKNOWN] * (len(items.unknown) + isinstance(items.problem, Unverifiable))
    return tuple(found)


_CIDR_KEYS = ("cidrBlocks", "ipv6CidrBlocks")


def ingress_rules(resource: Resource) -> tuple[list[IngressRule], list[Outcome]]:
    """The ingress permissions a resource grants, and outcomes for shapes that cannot be read."""
    rules: list[IngressRule] = []
    problems: list[Outcome] = []
    if resource.type in SECURITY_GROUPS:
        ingress = list_items(resource.get("ingress"), "ingress", "rules")
        problems.extend(ingress.unverifiable())
        for where, rule in ingress.known:
            if not isinstance(rule, dict):
                problems.append(Violation(f"{where} is {describe(rule)}, expected a rule object"))
                continue
            rules.append(
                IngressRule(
                    where,
                    lookup(rule, "protocol"),
                    lookup(rule, "fromPort"),
                    lookup(rule, "toPort"),
                    _sources(rule, f"{where}.", _CIDR_KEYS, "CIDR blocks", problems),
                    _sources(rule, f"{where}.", ("prefixListIds",), "prefix list ids", problems),
                )
            )
    elif resource.type == SECURITY_GROUP_RULE:
        kind = resource.get("type")
        if kind is UNKNOWN:
            return rules, [Unverifiable("type")]
        if kind == "ingress":
            rules.append(
                IngressRule(
                    "rule",
                    resource.get("protocol"),
                    resource.get("fromPort"),
                    resource.get("toPort"),
                    _sources(resource.props, "", _CIDR_KEYS, "CIDR blocks", problems),
                    _sources(resource.props, "", ("prefixListIds",), "prefix list ids", problems),
                )
            )
    elif resource.type == VPC_INGRESS_RULE:
        # One source per rule, each a single value.
        cidrs = (resource.get("cidrIpv4"), resource.get("cidrIpv6"))
        rules.append(
            IngressRule(
                "rule",
                resource.get("ipProtocol"),
                resource.get("fromPort"),
                resource.get("toPort"),
                tuple(cidr for cidr in cidrs if cidr is not MISSING),
                tuple(prefix for prefix in (resource.get("prefixListId"),) if prefix is not MISSING),
            )
        )
    return rules, problems


def _is_public(cidr: Any) -> bool:
    """True for a source range that includes public internet addresses (any outside NON_PUBLIC_RANGES)."""
    if not isinstance(cidr, str):
        return False
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return True  # an unreadable range cannot be shown to be private
    return not any(
        network.version == private.version and network.subnet_of(private)  # type: ignore[arg-type]
        for private in NON_PUBLIC_RANGES
    )


def public_sources(rule: IngressRule, trusted_prefix_lists: tuple[str, ...]) -> list[str]:
    """The rule's sources that reach it from public addresses: public ranges, and every prefix list the
    config does not trust (an unknown prefix list id is a reference that exists, so it counts)."""
    ranges = [f"public range {cidr}" for cidr in rule.cidrs if _is_public(cidr)]
    lists = [
        f"prefix list {describe(prefix_list)} (not in trustedPrefixLists)"
        for prefix_list in rule.prefix_lists
        if prefix_list not in trusted_prefix_lists
    ]
    return ranges + lists


@resource_rule(
    "security-group-public-ingress",
    "Nothing accepts traffic from public addresses (0.0.0.0/0, ::/0 or part of them) but the web ports.",
    Severity.HIGH,
    "Restrict the source to a security group or private range; only the allowed public ports may be open.",
    RULE_TYPES,
    properties={
        "allowedPublicPorts": {
            "type": "array",
            # Config may not open admin, database, cache or search ports to the internet through this list.
            "items": {
                "type": "integer",
                "minimum": 0,
                "maximum": 65535,
                "not": {"enum": [*standards.ADMIN_PORTS, *standards.DATA_STORE_PORTS]},
            },
            "default": list(standards.PUBLIC_INGRESS_PORTS),
        },
        "trustedPrefixLists": TRUSTED_PREFIX_LISTS,
    },
)
def public_ingress(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    allowed = tuple(int(port) for port in settings["allowedPublicPorts"])
    trusted = settings.strings("trustedPrefixLists")
    rules, problems = ingress_rules(resource)
    yield from problems
    for rule in rules:
        if any(cidr is UNKNOWN for cidr in rule.cidrs):
            yield Unverifiable(f"{rule.label}.cidr")
        # Any public range counts, not only 0.0.0.0/0: 0.0.0.0/1 plus 128.0.0.0/1 is the same opening.
        public = public_sources(rule, trusted)
        if not public:
            continue
        # A rule that opens an admin port is security-group-admin-ports' finding: one finding per problem.
        if any(rule.covers(port) is True for port in standards.ADMIN_PORTS):
            continue
        if UNKNOWN in (rule.protocol, rule.from_port, rule.to_port):
            yield Unverifiable(f"{rule.label}.ports")
        elif not rule.only_ports(allowed):
            yield Violation(
                f"{rule.label} opens protocol {describe(rule.protocol)} {port_range(rule)} to the internet "
                f"({public[0]}); only single ports {', '.join(map(str, allowed))} may be open to public "
                "addresses"
            )


@resource_rule(
    "security-group-admin-ports",
    "SSH and RDP are never reachable from a public address.",
    Severity.CRITICAL,
    "Remove the rule; reach hosts through SSM Session Manager or a private bastion.",
    RULE_TYPES,
    properties={
        "adminPorts": {
            "type": "array",
            "items": {"type": "integer", "minimum": 0, "maximum": 65535},
            # Config may add admin ports, never drop SSH or RDP.
            "allOf": [{"contains": {"const": port}} for port in standards.ADMIN_PORTS],
            "default": list(standards.ADMIN_PORTS),
        },
        "trustedPrefixLists": TRUSTED_PREFIX_LISTS,
    },
)
def admin_ports(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    ports = tuple(int(port) for port in settings["adminPorts"])
    trusted = settings.strings("trustedPrefixLists")
    rules, problems = ingress_rules(resource)
    yield from problems
    for rule in rules:
        public = public_sources(rule, trusted)
        if not public:
            continue
        covered = [rule.covers(port) for port in ports]
        opened = [port for port, is_covered in zip(ports, covered, strict=True) if is_covered is True]
        if opened:
            listed = ", ".join(map(str, opened))
            yield Violation(
                f"{rule.label} opens admin port{'s' if len(opened) > 1 else ''} {listed} to {public[0]} "
                f"(protocol {describe(rule.protocol)}, {port_range(rule)})"
            )
        elif UNKNOWN in covered:
            yield Unverifiable(f"{rule.label}.port")


def _missing_description(value: Any) -> bool:
    return value is not UNKNOWN and not (isinstance(value, str) and value.strip())


@resource_rule(
    "security-group-rule-description",
    "Every security group rule says why it exists.",
    Severity.LOW,
    "Give every ingress and egress rule a description.",
    RULE_TYPES,
)
def rule_description(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type not in SECURITY_GROUPS:
        if _missing_description(resource.get("description")):
            yield Violation("the rule has no description: say what the rule is for")
        return
    for key in ("ingress", "egress"):
        yield from list_items(resource.get(key), key, "rules").each(
            lambda where, rule: (
                Violation(f"{where} has no description: say what the rule is for")
                if _missing_description(lookup(rule, "description"))
                else None
            )
        )
