"""The closed world: each case table (see `tests/policies/casetable.py`), and how an allowance is reported."""

from __future__ import annotations

from datetime import timedelta

import pytest

from policies.toms_pack.harmless_types import ESCAPE_HATCHES, HARMLESS_TYPES
from policies.toms_pack.kit import REGISTRY, today
from policies.toms_pack.rules.closed_world import POLICY, is_reviewed, judged_types
from tests.policies.casetable import (
    Case,
    absent,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    violating,
)
from tests.policies.conftest import BASE_CONFIG, configured
from tests.policies.samples import PROVIDER, resource
from toms.offline.analyzer_client import PolicyConfigError, PolicyPackProcess, ResourceInput

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
CFN_STACK = "aws:cloudformation/stack:Stack"


def custom(resource_type: str, **props: object) -> ResourceInput:
    return ResourceInput(resource_type, "subject", props, provider=PROVIDER)


def allowance(resource_type: str, days_ahead: int) -> dict[str, object]:
    expires = (today() + timedelta(days=days_ahead)).isoformat()
    return {
        POLICY: {"allowedTypes": [{"type": resource_type, "reason": "migrating off it", "expires": expires}]}
    }


CASES: dict[str, list[Case]] = {
    POLICY: [
        violating(custom(STATE_MACHINE, definition="{}"), f"no policy judges {STATE_MACHINE}"),
        violating(custom(CFN_STACK, templateBody="{}"), "it creates whatever its template or command says"),
        violating(custom("command:local:Command", create="curl x | sh"), "never be listed as harmless"),
        violating(custom("tls:index/privateKey:PrivateKey", algorithm="RSA"), '"allowedTypes": [{"type"'),
        violating(
            custom(STATE_MACHINE),
            "allowance for it expired on",
            config=allowance(STATE_MACHINE, -1),
            label="expired",
        ),
        compliant(custom(STATE_MACHINE), config=allowance(STATE_MACHINE, 30), label="allowed"),
        compliant(custom("aws:ec2/routeTable:RouteTable", vpcId="vpc-1"), label="harmless"),
        compliant(
            custom("random:index/randomPassword:RandomPassword", length=32), label="harmless-other-pkg"
        ),
        compliant(resource("aws:rds/instance:Instance"), label="judged"),
        compliant(ResourceInput("acme:app:Service", "subject", {}), label="component"),
        compliant(
            ResourceInput("pulumi:providers:aws", "subject", {"region": "eu-west-1"}), label="provider"
        ),
        malformed(custom(STATE_MACHINE, definition=["not", "json"]), f"no policy judges {STATE_MACHINE}"),
        absent("unknown", "a resource's type is always known, in preview too"),
    ],
}


def test_an_allowed_type_is_reported_as_advisory_on_every_run(preview_pack: PolicyPackProcess) -> None:
    with configured(preview_pack, {**BASE_CONFIG, **allowance(STATE_MACHINE, 30)}):
        diagnostics = preview_pack.analyze(custom(STATE_MACHINE))
    reported = [d for d in diagnostics if STATE_MACHINE in d.message]
    assert [d.enforcement_level for d in reported] == ["advisory"]
    assert "lets it through until" in reported[0].message and "migrating off it" in reported[0].message


def test_a_policy_that_only_checks_tags_reviews_no_type() -> None:
    tags = next(rule for rule in REGISTRY.rules() if rule.name == "required-tags")
    assert not tags.reviews_types
    only_tagged = {token for token in tags.resource_types if token.startswith("aws:")} - {
        token for rule in REGISTRY.rules() if rule.name != "required-tags" for token in rule.resource_types
    }
    assert not only_tagged & judged_types()


def test_reviewed_means_judged_or_harmless_and_never_both() -> None:
    judged = judged_types()
    assert "aws:rds/instance:Instance" in judged
    assert not judged & set(HARMLESS_TYPES), "a type is either judged or on the harmless list, not both"
    assert not judged & ESCAPE_HATCHES
    assert all(is_reviewed(token) for token in HARMLESS_TYPES)
    assert not is_reviewed(STATE_MACHINE)


def test_an_allowance_too_far_ahead_is_refused_and_allows_nothing(preview_pack: PolicyPackProcess) -> None:
    """Config narrows, never loosens (issue 14): the pack's Configure refuses the config, so the run stops."""
    with (
        pytest.raises(PolicyConfigError) as raised,
        configured(preview_pack, {**BASE_CONFIG, **allowance(STATE_MACHINE, 400)}),
    ):
        pass
    assert "allowedTypes.0.expires" in str(raised.value) and "more than 366 days" in str(raised.value)
    diagnostics = [d for d in preview_pack.analyze(custom(STATE_MACHINE)) if d.policy_name == POLICY]
    assert diagnostics and all(d.mandatory for d in diagnostics)
    assert f"no policy judges {STATE_MACHINE}" in " ".join(d.message for d in diagnostics)
