"""KMS checks: the key policy gives no use of the client's key by wildcard. Verdicts on key policies
written out here; the moto-built accounts in tests/toms/live/test_audit.py run the same check end to end."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from tests.toms.moto_baseline import WILDCARD_KEY_POLICY, client_key_policy, stack_config
from toms.live.checks import Resource
from toms.live.checks import kms as kms_checks

KEY = "arn:aws:kms:eu-west-1:111122223333:key/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01"


class _Kms:
    def __init__(self, policy: dict[str, Any]) -> None:
        self.policy = policy

    def get_key_policy(self, KeyId: str, PolicyName: str) -> dict[str, Any]:
        assert (KeyId, PolicyName) == (KEY, "default")
        return {"Policy": json.dumps(self.policy)}


def key_verdict(policy: dict[str, Any]) -> tuple[bool, dict[str, Any], str]:
    context = SimpleNamespace(client_for=lambda service: _Kms(policy))
    passed, observed, message = kms_checks.no_wildcard_use(context, Resource(KEY, {}))
    return passed, observed, message


def statement(principal: Any, action: Any, sid: str = "Use") -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}


def test_the_programs_key_policy_passes() -> None:
    assert key_verdict(client_key_policy(stack_config("acme"))) == (
        True,
        {"wildcard_use_statements": {}},
        "use of the key is granted only to named principals and services",
    )


def test_the_key_policy_the_issue_found_fails_naming_its_statement() -> None:
    passed, observed, message = key_verdict(WILDCARD_KEY_POLICY)
    assert not passed
    assert "ServicesUseTheKeyForThisAccount" in observed["wildcard_use_statements"]
    assert message.endswith("ServicesUseTheKeyForThisAccount")


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::111122223333:root", "*"]}])
@pytest.mark.parametrize("action", ["kms:*", "*", "kms:Decrypt", ["kms:ReEncrypt*"], "kms:createGRANT"])
def test_any_spelling_of_everyone_using_the_key_fails(principal: Any, action: Any) -> None:
    policy = {"Statement": [statement(principal, action)]}
    assert key_verdict(policy)[0] is False


@pytest.mark.parametrize(
    "policy_statement",
    [
        # Everyone may describe the key: not use.
        statement({"AWS": "*"}, ["kms:DescribeKey", "kms:GetKeyPolicy"]),
        # Use, but by a named role.
        statement({"AWS": "arn:aws:iam::111122223333:role/toms-acme-task"}, "kms:Decrypt"),
        # A deny for everyone takes nothing away from the check.
        {**statement("*", "kms:*"), "Effect": "Deny"},
    ],
)
def test_named_use_descriptions_and_denies_pass(policy_statement: dict[str, Any]) -> None:
    assert key_verdict({"Statement": [policy_statement]})[0] is True
