"""The closed world: a resource whose type no policy judges and no reviewer declared harmless is blocked.

Without this rule the pack would judge the forty-odd types its policies name and wave every other type
through, including the escape hatches (a CloudFormation stack, a Cloud Control resource, a shell command)
that can create anything. A type is reviewed when a policy judges it (its rule names the type) or when
`harmless_types.HARMLESS_TYPES` lists it with a reason. The pack config may let a type through until a
date, with a reason, exactly like a waiver; every run reports such an allowance as advisory.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from pulumi_policy import Severity

from ..harmless_types import ESCAPE_HATCHES, HARMLESS_TYPES
from ..kit import (
    REGISTRY,
    Advisory,
    Exemption,
    ExemptionError,
    Outcome,
    Resource,
    Settings,
    Violation,
    exemption_schema,
    parse_exemption,
    resource_rule,
    today,
)

POLICY = "resource-type-not-reviewed"
RESOURCE_TYPE_PATTERN = r"^[A-Za-z0-9_-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_]+$"


@functools.cache
def _judged_types(rule_count: int) -> frozenset[str]:
    del rule_count  # the cache key: rules registered later (tests, other packs) give a new set
    return frozenset(
        token for rule in REGISTRY.rules() if rule.reviews_types for token in rule.resource_types
    )


def judged_types() -> frozenset[str]:
    """Every resource type some policy of the pack judges."""
    return _judged_types(len(REGISTRY.rules()))


def is_reviewed(resource_type: str) -> bool:
    return resource_type in judged_types() or resource_type in HARMLESS_TYPES


def _allowances(raw_entries: Any) -> Iterator[tuple[str, Exemption]]:
    """Each `allowedTypes` entry as (type, exemption); ExemptionError for an expiry that is not allowed."""
    on_date = today()
    for index, raw in enumerate(raw_entries):
        token = str(raw["type"])
        yield token, parse_exemption(raw, f"allowedTypes.{index}", f"the allowance for {token}", on_date)


def _allowances_error(settings: Settings) -> str | None:
    try:
        list(_allowances(settings["allowedTypes"]))
    except ExemptionError as error:
        return str(error)
    return None


def _valid_allowances(settings: Settings) -> dict[str, Exemption]:
    """The allowances to apply: none at all while one of them is broken (reported as a config error)."""
    if _allowances_error(settings) is not None:
        return {}
    return dict(_allowances(settings["allowedTypes"]))


def _how_to_allow(resource_type: str) -> str:
    judge = (
        "it creates whatever its template or command says, which no policy can see, so it can never be "
        "listed as harmless; replace it with the resources it would create, or"
        if resource_type in ESCAPE_HATCHES
        else "judge it with a policy (policies/toms_pack/rules/), or after reviewing every input list it "
        "with a one-line reason in policies/toms_pack/harmless_types.py, or"
    )
    return (
        f"{judge} let it through for a while with an entry in the pack config: "
        f'"{POLICY}": {{"allowedTypes": [{{"type": "{resource_type}", "reason": "...", '
        '"expires": "YYYY-MM-DD"}]}'
    )


@resource_rule(
    POLICY,
    "Every resource type is judged by a policy or reviewed as harmless; any other type is blocked.",
    Severity.HIGH,
    "Judge the type with a policy, or review it and list it with a reason in "
    "policies/toms_pack/harmless_types.py; meanwhile an allowedTypes entry with a reason and an expiry "
    "(at most a year ahead) in the pack config lets it through, reported as advisory on every run.",
    (),
    properties={
        "allowedTypes": {
            "type": "array",
            "description": "Types let through although no policy judges them, each until `expires` "
            "(YYYY-MM-DD, at most a year ahead) with a `reason`; reported as advisory on every run.",
            "default": [],
            "items": exemption_schema(
                {"type": {"type": "string", "pattern": RESOURCE_TYPE_PATTERN}}, ("type",)
            ),
        }
    },
    config_checks=(_allowances_error,),
    applies_when=lambda resource: resource.custom and not is_reviewed(resource.type),
)
def type_not_reviewed(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    allowance = _valid_allowances(settings).get(resource.type)
    if allowance is not None and allowance.active(today()):
        yield Advisory(
            f"{resource.type} is not judged by any policy; the pack config lets it through {allowance.terms}"
        )
        return
    expired = (
        f" (the pack config's allowance for it expired on {allowance.expires.isoformat()})"
        if allowance is not None
        else ""
    )
    yield Violation(
        f"no policy judges {resource.type} and it is not on the reviewed list of harmless types{expired}: "
        f"{_how_to_allow(resource.type)}"
    )
