"""The reviewed list of harmless types is real, one line per reason, and never holds an escape hatch."""

from __future__ import annotations

import re

import pytest

from policies.toms_pack.harmless_types import ESCAPE_HATCHES, HARMLESS_TYPES, harmless_reason
from policies.toms_pack.pack import all_rules
from policies.toms_pack.reference import DOCS_FILE
from policies.toms_pack.rules.closed_world import judged_types
from tests.policies.provider_types import aws_resource_types

TOKEN = re.compile(r"^[a-z0-9-]+:[a-zA-Z0-9]+(?:/[a-zA-Z0-9]+)?:[A-Za-z0-9]+$")


def test_no_escape_hatch_is_ever_harmless() -> None:
    required = {
        "aws:cloudformation/stack:Stack",
        "aws:cloudformation/stackSet:StackSet",
        "aws:cloudcontrol/resource:Resource",
        "command:local:Command",
        "command:remote:Command",
    }
    assert required <= ESCAPE_HATCHES
    assert not ESCAPE_HATCHES & set(HARMLESS_TYPES)


def test_every_aws_entry_names_a_type_of_the_installed_provider() -> None:
    listed = {token for token in HARMLESS_TYPES if token.startswith("aws:")}
    assert listed, "the harmless list names no AWS type"
    assert listed - aws_resource_types() == set()
    assert {token for token in ESCAPE_HATCHES if token.startswith("aws:")} <= aws_resource_types()


@pytest.mark.parametrize("token", sorted(HARMLESS_TYPES))
def test_each_entry_is_a_type_token_with_a_one_line_reason(token: str) -> None:
    assert TOKEN.match(token), token
    reason = harmless_reason(token)
    assert reason is not None and reason == reason.strip() and "\n" not in reason
    assert len(reason) >= 30, f"{token}: say why the type cannot weaken a measure"


def test_an_unlisted_type_has_no_reason() -> None:
    assert harmless_reason("aws:rds/instance:Instance") is None
    assert harmless_reason("aws:cloudformation/stack:Stack") is None


def test_the_policy_reference_lists_every_type_with_its_policies_and_every_harmless_reason() -> None:
    all_rules()
    text = DOCS_FILE.read_text(encoding="utf-8")
    for token in judged_types():
        assert f"| `{token}` | [`" in text, token
    for token, reason in HARMLESS_TYPES.items():
        assert f"| `{token}` | {reason} |" in text, token
    for token in ESCAPE_HATCHES:
        assert f"- `{token}`" in text, token
