"""IAM policy documents as the rules read them: statements with normalised principals, actions and conditions.

Key policies, trust policies, identity policies and resource policies (buckets, queues, topics,
repositories, secrets) all arrive as a JSON string (sometimes an object) in one input. AWS accepts a
single statement or a list, a single string or a list for every element, and any letter case for
actions; `parse` turns all of that into one shape so each rule asks one question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class PolicyDocumentError(ValueError):
    """The value is not a policy document; the message says what was expected."""


@dataclass(frozen=True)
class Statement:
    effect: str
    # Principal kind ("AWS", "Service", "Federated", "CanonicalUser", or "*" for `"Principal": "*"`)
    # to the principals of that kind.
    principals: Mapping[str, tuple[str, ...]]
    not_principal: bool
    actions: tuple[str, ...]
    not_actions: bool
    resources: tuple[str, ...]
    not_resources: bool
    # Condition operator to {condition key (lower case): values}.
    conditions: Mapping[str, Mapping[str, tuple[str, ...]]]

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def condition_keys(self) -> frozenset[str]:
        return frozenset(key for keys in self.conditions.values() for key in keys)

    def condition_values(self, key: str) -> tuple[str, ...]:
        """Every value any operator compares `key` (case-insensitive) with."""
        wanted = key.lower()
        return tuple(
            value
            for tests in self.conditions.values()
            for k, values in tests.items()
            if k == wanted
            for value in values
        )

    def bound_by(self, keys: frozenset[str]) -> bool:
        """True when a condition pins one of `keys` to specific values.

        Negated operators (`StringNotEquals`...) and `...IfExists` (true when the key is absent) do not
        pin anything, and neither does a value that is only a wildcard.
        """
        for operator, tests in self.conditions.items():
            lowered = operator.lower()
            if "not" in lowered.split(":")[-1] or lowered.endswith("ifexists"):
                continue
            for key, values in tests.items():
                if key in keys and values and not any(value.strip("*?") == "" for value in values):
                    return True
        return False

    @property
    def is_public(self) -> bool:
        """The statement names everyone: `"Principal": "*"`, an `AWS: "*"` principal, or a NotPrincipal."""
        if self.not_principal:
            return True
        return "*" in self.principals.get("*", ()) or "*" in self.principals.get("AWS", ())

    def grants_action(self, action: str) -> bool:
        """True when the statement's Action covers `action` (wildcards as IAM matches them)."""
        wanted = action.lower()
        matched = any(_wildcard(pattern).fullmatch(wanted) for pattern in self.actions)
        return matched != self.not_actions

    def covers_every_resource(self) -> bool:
        return not self.not_resources and "*" in self.resources


@dataclass(frozen=True)
class PolicyDocument:
    statements: tuple[Statement, ...]


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.lower().split("*")).replace(r"\?", "."))


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise PolicyDocumentError(f"{where} is {json.dumps(value)[:80]}, expected a string or a list of strings")


def _element(statement: Mapping[str, Any], name: str, index: int) -> tuple[tuple[str, ...], bool]:
    """The values of `name` or `Not<name>`, and whether it was the `Not` form (absent: empty, False)."""
    if name in statement:
        return _strings(statement[name], f"Statement[{index}].{name}"), False
    if f"Not{name}" in statement:
        return _strings(statement[f"Not{name}"], f"Statement[{index}].Not{name}"), True
    return (), False


def _principals(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    if value == "*":
        return {"*": ("*",)}
    if isinstance(value, Mapping):
        return {str(kind): _strings(names, f"{where}.{kind}") for kind, names in value.items()}
    raise PolicyDocumentError(f'{where} is {json.dumps(value)[:80]}, expected "*" or an object')


def _conditions(value: Any, index: int) -> dict[str, dict[str, tuple[str, ...]]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PolicyDocumentError(f"Statement[{index}].Condition is not an object")
    result: dict[str, dict[str, tuple[str, ...]]] = {}
    for operator, tests in value.items():
        if not isinstance(tests, Mapping):
            raise PolicyDocumentError(f"Statement[{index}].Condition.{operator} is not an object")
        result[str(operator)] = {
            str(key).lower(): tuple(str(v) for v in (values if isinstance(values, list) else [values]))
            for key, values in tests.items()
        }
    return result


def parse(value: Any) -> PolicyDocument:
    """The document in `value` (a JSON string or an object); PolicyDocumentError when it is not one."""
    document = value
    if isinstance(value, str):
        try:
            document = json.loads(value)
        except json.JSONDecodeError as error:
            raise PolicyDocumentError(f"not valid JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(document, Mapping):
        raise PolicyDocumentError("expected a JSON object with a Statement")
    raw = document.get("Statement")
    raw_statements = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(raw_statements, list):
        raise PolicyDocumentError("Statement is missing or neither an object nor a list")
    statements = []
    for index, raw_statement in enumerate(raw_statements):
        if not isinstance(raw_statement, Mapping):
            raise PolicyDocumentError(f"Statement[{index}] is not an object")
        effect = raw_statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise PolicyDocumentError(
                f"Statement[{index}].Effect is {json.dumps(effect)}, expected Allow or Deny"
            )
        if "Principal" in raw_statement:
            principals, not_principal = (
                _principals(raw_statement["Principal"], f"Statement[{index}].Principal"),
                False,
            )
        elif "NotPrincipal" in raw_statement:
            principals = _principals(raw_statement["NotPrincipal"], f"Statement[{index}].NotPrincipal")
            not_principal = True
        else:
            principals, not_principal = {}, False
        actions, not_actions = _element(raw_statement, "Action", index)
        resources, not_resources = _element(raw_statement, "Resource", index)
        statements.append(
            Statement(
                effect,
                principals,
                not_principal,
                tuple(action.lower() for action in actions),
                not_actions,
                resources,
                not_resources,
                _conditions(raw_statement.get("Condition"), index),
            )
        )
    return PolicyDocument(tuple(statements))


_ACCOUNT_ID = re.compile(r"^\d{12}$")
_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):")


def principal_account(principal: str) -> str | None:
    """The account an `AWS` principal belongs to (`123456789012`, or an IAM/STS ARN); None for others."""
    if _ACCOUNT_ID.match(principal):
        return principal
    match = _PRINCIPAL_ARN.match(principal)
    return match.group(1) if match else None


# Condition keys that tie a request to the caller's (or the source resource's) account or organisation.
ACCOUNT_CONDITION_KEYS = frozenset(
    {
        "kms:calleraccount",
        "aws:principalaccount",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:principalorgid",
        "aws:sourceorgid",
        "aws:principalarn",
        "aws:sourceowner",
    }
)
# Condition keys that tie a request to the AWS service making it on the caller's behalf.
SERVICE_CONDITION_KEYS = frozenset(
    {"kms:viaservice", "aws:calledvia", "aws:principalservicename", "aws:sourcearn"}
)
