"""Audit checks, one module per AWS service, in the manner of Prowler: each module declares how its service's
resources of the client are discovered (once per audit) and registers its checks by id beside their verdicts.

Adding a check touches three places: a function decorated with `@check("<id>", service=..., kind=...)` in
the service's module here, its cases in `tests/toms/live/checks/test_<service>.py`, and the id in the
measure it verifies in `policies/toms_pack/catalogue.py` (a test fails for a check no measure names, and
for a catalogued check nothing registers).

A check receives the audit's `AuditContext` and one discovered `Resource` and returns a `Verdict` (or, when
registered with `per_item=True`, one `Verdict` per item it finds, each with the item's ARN). A call AWS
refuses becomes an ERROR finding for that check and resource; the audit goes on.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple

from components.config import ClientConfig
from policies.toms_pack import standards
from toms.live.session import AwsSession

# The service modules, in the order the audit runs them and lists their findings.
SERVICE_MODULES: tuple[str, ...] = ("rds", "elbv2", "ecs", "logs", "s3", "cloudtrail", "kms", "cloudwatch")


class Verdict(NamedTuple):
    """A check's verdict: passed, the values it looked at, and a sentence saying what it found."""

    passed: bool
    observed: dict[str, Any]
    message: str


class DocumentedException(NamedTuple):
    """What a check finds when the measure is off for this client by its own documented exception: its stack
    file turns it off and its pack config waives the policy with a reason and an expiry. Reported as
    EXCEPTION, which is neither a pass nor a failure; the message names the setting and the waiver."""

    observed: dict[str, Any]
    message: str


class ItemVerdict(NamedTuple):
    """One verdict of a `per_item` check, about the item `resource` (an ARN) of the discovered resource."""

    resource: str
    verdict: Verdict | DocumentedException


@dataclass(frozen=True)
class Resource:
    """A resource of the client as discovery found it: its ARN and what the service's APIs said of it."""

    arn: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Discovery:
    """How one service finds the client's resources of one kind."""

    service: str
    kind: str
    # The ARN pattern of every resource of the kind, for findings about the kind as a whole.
    scope: Callable[[AuditContext], str]
    find: Callable[[AuditContext], list[Resource]]


@dataclass(frozen=True)
class Check:
    id: str
    service: str
    kind: str
    title: str
    evaluate: Callable[[AuditContext, Resource], Verdict | DocumentedException | Iterable[ItemVerdict]]
    per_item: bool = False


CHECKS: dict[str, Check] = {}
DISCOVERIES: dict[tuple[str, str], Discovery] = {}


def discovers(
    service: str, kind: str, scope: Callable[[AuditContext], str]
) -> Callable[[Callable[[AuditContext], list[Resource]]], Callable[[AuditContext], list[Resource]]]:
    """Registers a service's discovery of one kind of resource."""

    def register(find: Callable[[AuditContext], list[Resource]]) -> Callable[[AuditContext], list[Resource]]:
        if (service, kind) in DISCOVERIES:
            raise ValueError(f"two discoveries of {kind} in {service}")
        DISCOVERIES[(service, kind)] = Discovery(service, kind, scope, find)
        return find

    return register


def check(
    check_id: str, *, service: str, kind: str, title: str, per_item: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers a check by id for the resources of `kind` that `service` discovers."""

    def register(evaluate: Callable[..., Any]) -> Callable[..., Any]:
        if check_id in CHECKS:
            raise ValueError(f"audit check {check_id!r} is registered twice")
        CHECKS[check_id] = Check(check_id, service, kind, title, evaluate, per_item)
        return evaluate

    return register


def load_checks() -> dict[str, Check]:
    """Every registered check, after importing every service module."""
    for name in SERVICE_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return CHECKS


def checks_of(service: str, kind: str) -> list[Check]:
    return [
        registered
        for registered in load_checks().values()
        if (registered.service, registered.kind) == (service, kind)
    ]


@dataclass
class AuditContext:
    """What every discovery and check of one audit shares: the session, the client, what the client's stack
    file expects (None: the pack's default bounds), the clock, the client's pack config (its waivers are
    the client's documented exceptions) and each discovery's result, fetched once."""

    session: AwsSession
    client: str
    expected: ClientConfig | None
    now: Callable[[], datetime]
    policy_config: Mapping[str, Any] = field(default_factory=dict)
    _found: dict[tuple[str, str], list[Resource]] = field(default_factory=dict)

    @property
    def region(self) -> str:
        return self.session.region

    def client_for(self, service: str) -> Any:
        return self.session.client(service)

    def found(self, service: str, kind: str) -> list[Resource]:
        """The client's resources of a kind; discovered on first use, then remembered. May raise a
        ClientError / BotoCoreError, which the auditor reports."""
        key = (service, kind)
        if key not in self._found:
            load_checks()
            self._found[key] = DISCOVERIES[key].find(self)
        return self._found[key]

    def is_client_resource(self, tags: Mapping[str, str]) -> bool:
        return (
            tags.get(standards.TAG_CLIENT) == self.client
            and tags.get(standards.TAG_MANAGED_BY) == standards.MANAGED_BY
        )

    def client_tags(self, **more_tags: str) -> dict[str, str]:
        return {
            standards.TAG_CLIENT: self.client,
            standards.TAG_MANAGED_BY: standards.MANAGED_BY,
            **more_tags,
        }

    def tagged_arns(self, resource_type: str, **more_tags: str) -> list[str]:
        """ARNs of the client's resources of a type, from the Resource Groups Tagging API."""
        paginator = self.client_for("resourcegroupstaggingapi").get_paginator("get_resources")
        pages = paginator.paginate(
            TagFilters=[
                {"Key": key, "Values": [value]} for key, value in self.client_tags(**more_tags).items()
            ],
            ResourceTypeFilters=[resource_type],
        )
        return sorted(mapping["ResourceARN"] for page in pages for mapping in page["ResourceTagMappingList"])

    @cached_property
    def client_key_ids(self) -> frozenset[str]:
        """The key ids of the client's own KMS keys (the kms module's discovery)."""
        return frozenset(resource.data["KeyId"] for resource in self.found("kms", "KMS key"))

    def is_client_key(self, reference: str | None) -> bool:
        """True when a key reference (key id, key ARN, alias name or alias ARN) names one of the client's own
        keys in this account and region. A key of another account, an AWS managed key or no key is not."""
        if not reference:
            return False
        if reference.startswith("arn:"):
            parts = reference.split(":", 5)
            if len(parts) < 6 or (parts[1], parts[4]) != (self.session.partition, self.session.account_id):
                return False
            if parts[3] != self.region:
                return False
            resource = parts[5]
        else:
            resource = reference
        if resource.startswith("key/"):
            return resource.removeprefix("key/") in self.client_key_ids
        if resource.startswith("alias/"):
            key = self.client_for("kms").describe_key(KeyId=resource)["KeyMetadata"]
            return bool(key.get("KeyId") in self.client_key_ids)
        return resource in self.client_key_ids


def batches(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
