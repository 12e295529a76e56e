"""What a rule yields: a `Violation` (mandatory unless waived), an `Advisory` (reported, never blocks) or
an `Unverifiable` (a value the engine does not know yet), and helpers for the common property checks.

A stack rule sets `resource` on each outcome to name the resource at fault; a resource rule leaves it
unset (the finding is about the resource being analysed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .values import (
    MISSING,
    UNKNOWN,
    Resource,
    as_int,
    as_list,
    describe,
    is_aws_managed_key_reference,
    is_customer_key_reference,
    is_set_reference,
)


@dataclass(frozen=True)
class Violation:
    """A finding: `message` says what is wrong and what to change. `resource` is set by stack rules."""

    message: str
    resource: Resource | None = None


@dataclass(frozen=True)
class Unverifiable:
    """A property whose value the engine does not know yet, so the rule cannot decide."""

    path: str
    resource: Resource | None = None


@dataclass(frozen=True)
class Advisory:
    """A finding that is reported on every run but does not block: the pack's advisory policies carry it."""

    message: str
    resource: Resource | None = None


Outcome = Violation | Advisory | Unverifiable


def require_true(resource: Resource, key: str, message: str) -> Iterator[Outcome]:
    """A boolean flag that must be `true`."""
    value = resource.get(key)
    if value is UNKNOWN:
        yield Unverifiable(key)
    elif value is not True:
        yield Violation(f"{key} is {describe(value)}: {message}")


def forbid_true(resource: Resource, key: str, message: str) -> Iterator[Outcome]:
    """A boolean flag that must not be `true` (absent means false)."""
    value = resource.get(key)
    if value is UNKNOWN:
        yield Unverifiable(key)
    elif value is MISSING or value is False:
        return
    elif value is True:
        yield Violation(f"{key} is true: {message}")
    else:
        yield Violation(f"{key} is {describe(value)}, expected a boolean: {message}")


def require_reference(resource: Resource, key: str, message: str) -> Iterator[Outcome]:
    if not is_set_reference(resource.get(key)):
        yield Violation(f"{key} is {describe(resource.get(key))}: {message}")


def require_customer_key(resource: Resource, key: str, message: str) -> Iterator[Outcome]:
    """A KMS key reference that must name a customer-managed key, not an AWS-managed `alias/aws/...` key."""
    value = resource.get(key)
    if is_aws_managed_key_reference(value):
        yield Violation(f"{key} is {describe(value)}, an AWS-managed key: {message}")
    elif not is_customer_key_reference(value):
        yield Violation(f"{key} is {describe(value)}: {message}")


def require_int_between(
    resource: Resource, key: str, low: int | None, high: int | None, message: str
) -> Iterator[Outcome]:
    """A whole number within `[low, high]` (either bound may be None); unset is a violation."""
    value = resource.get(key)
    if value is UNKNOWN:
        yield Unverifiable(key)
        return
    number = as_int(value)
    if number is None:
        yield Violation(f"{key} is {describe(value)}, expected a whole number: {message}")
    elif (low is not None and number < low) or (high is not None and number > high):
        bounds = (
            f"between {low} and {high}"
            if low is not None and high is not None
            else (f"at least {low}" if low is not None else f"at most {high}")
        )
        yield Violation(f"{key} is {number}, expected {bounds}: {message}")


def optional_int_at_most(resource: Resource, key: str, high: int, message: str) -> Iterator[Outcome]:
    """A whole number that may be left unset (AWS's own default applies) but, when set, is at most `high`."""
    if resource.get(key) is MISSING:
        return
    yield from require_int_between(resource, key, None, high, message)


def known_list(value: Any, where: str, expected: str) -> list[Any] | Outcome:
    """A list property's items (absent counts as empty); Unverifiable when it or one of its items is
    unknown, a Violation naming `expected` when it is not a list."""
    listed = as_list(value)
    if value is UNKNOWN or (listed is not None and UNKNOWN in listed):
        return Unverifiable(where)
    if listed is None:
        return Violation(f"{where} is {describe(value)}, expected {expected}")
    return listed
