"""What a rule yields: a `Violation` (mandatory unless waived), an `Advisory` (reported, never blocks) or
an `Unverifiable` (a value the engine does not know yet), and helpers for the common property checks.

A stack rule sets `resource` on each outcome to name the resource at fault; a resource rule leaves it
unset (the finding is about the resource being analysed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
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
    lookup,
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


def decide(value: Any, predicate: Callable[[Any], bool]) -> Any:
    """`predicate(value)`, or UNKNOWN when the value is unknown: the three-valued test `Items.any` and
    `Items.some` take."""
    return UNKNOWN if value is UNKNOWN else predicate(value)


@dataclass(frozen=True)
class Items:
    """A list property read item by item (`list_items`): its known items and the places of its unknown ones.

    One reading for every rule: an unknown item leaves only itself undecided. A rule that judges items one
    by one (`each`) still reports a breach found in a known item, and Unverifiable for each unknown one; a
    rule that needs one item to do something (`some`) is satisfied by a known item that does it, and
    undecided only while no known item does and an unknown one might; a rule that needs certain values
    (`require_all`) is broken when more are missing than unknown items could hold. When the list itself
    cannot be read, `problem` says why (the whole list unknown, or not a list) and every check yields it.
    """

    where: str
    known: tuple[tuple[str, Any], ...] = ()
    unknown: tuple[str, ...] = ()
    resource: Resource | None = None
    problem: Violation | Unverifiable | None = None

    def __len__(self) -> int:
        return len(self.known) + len(self.unknown)

    @property
    def values(self) -> list[Any]:
        """The known items."""
        return [item for _, item in self.known]

    @property
    def undecided(self) -> bool:
        """Whether part of the list, or all of it, is unknown."""
        return bool(self.unknown) or isinstance(self.problem, Unverifiable)

    def about(self, resource: Resource) -> Items:
        """The same reading with its outcomes naming `resource` (a stack rule's resource at fault); the
        message of a `problem` keeps its wording."""
        problem = None if self.problem is None else dataclasses.replace(self.problem, resource=resource)
        return dataclasses.replace(self, resource=resource, problem=problem)

    def unverifiable(self) -> Iterator[Violation | Unverifiable]:
        """The problem reading the list, else Unverifiable for each unknown item."""
        if self.problem is not None:
            yield self.problem
        for path in self.unknown:
            yield Unverifiable(path, self.resource)

    def each(self, judge: Callable[[str, Any], Iterable[Outcome] | Outcome | None]) -> Iterator[Outcome]:
        """What `judge(path, item)` finds in each known item (outcomes, one outcome or None), then
        Unverifiable for each unknown item."""
        for path, item in self.known:
            found = judge(path, item)
            if isinstance(found, Violation | Advisory | Unverifiable):
                yield found
            elif found is not None:
                yield from found
        yield from self.unverifiable()

    def any(self, test: Callable[[Any], Any]) -> Any:
        """Whether some item passes `test` (True, False or UNKNOWN): True when a known item does, UNKNOWN
        when none does but an unknown item, or a known one `test` cannot decide, might. A list that is
        not a list has no item that passes."""
        verdicts = [test(item) for item in self.values]
        if True in verdicts:
            return True
        undecided = self.undecided or UNKNOWN in verdicts
        return UNKNOWN if undecided else False

    def some(self, test: Callable[[Any], Any], message: str) -> Iterator[Outcome]:
        """Nothing when a known item passes `test` (True); else Unverifiable for each item that is unknown
        or that `test` cannot decide (UNKNOWN), or, when there is none, a Violation with `message`."""
        if self.problem is not None:
            yield self.problem
            return
        verdicts = [(path, test(item)) for path, item in self.known]
        if any(verdict is True for _, verdict in verdicts):
            return
        undecided = [path for path, verdict in verdicts if verdict is UNKNOWN] + list(self.unknown)
        for path in undecided:
            yield Unverifiable(path, self.resource)
        if not undecided:
            yield Violation(message, self.resource)

    def setting(self, name: str, accepted: Callable[[Any], bool], *, any_case: bool = False) -> Any:
        """The value a list of name/value entries (parameters, option settings) gives setting `name`
        (compared in any case when the service does so): a value `accepted` refuses when a known entry
        gives one (the program sets it, whatever other entries say); else UNKNOWN when an entry's value is
        unknown or an unknown entry (or one whose name is unknown) might set it, since it may set the same
        name again; else the accepted value; MISSING when no entry sets it. The list's `problem` is the
        rule's to report first."""

        def fold(text: str) -> str:
            return text.casefold() if any_case else text

        values, undecided = [], bool(self.unknown)
        for item in self.values:
            entry_name = lookup(item, "name")
            if entry_name is UNKNOWN:
                undecided = True
            elif isinstance(entry_name, str) and fold(entry_name) == fold(name):
                values.append(lookup(item, "value"))
        refused = [value for value in values if value is not UNKNOWN and not accepted(value)]
        if refused:
            return refused[0]
        if undecided or UNKNOWN in values:
            return UNKNOWN
        return values[0] if values else MISSING

    def require_all(self, required: Iterable[Any], consequence: str) -> Iterator[Outcome]:
        """Nothing when known items hold every `required` value; a Violation "<where> lacks ..." when more
        are missing than there are unknown items to hold them; else Unverifiable for each unknown item."""
        if self.problem is not None:
            yield self.problem
            return
        present = self.values
        absent = [value for value in required if value not in present]
        if not absent:
            return
        if len(absent) <= len(self.unknown):
            yield from self.unverifiable()
            return
        room = (
            f" (its {len(self.unknown)} unknown item{'s' if len(self.unknown) > 1 else ''} can hold at most "
            f"{len(self.unknown)} of them)"
            if self.unknown
            else ""
        )
        lacking = ", ".join(map(str, absent))
        yield Violation(f"{self.where} lacks {lacking}{room}: {consequence}", self.resource)


def list_items(value: Any, where: str, noun: str, resource: Resource | None = None) -> Items:
    """A list property's items (absent counts as empty). When the whole list is unknown its `problem` is
    Unverifiable; when it is not a list, a Violation "<where> is <value>, expected a list of <noun>".
    `resource` names the resource at fault for a stack rule (and prefixes the message with its name)."""
    if value is UNKNOWN:
        return Items(where, resource=resource, problem=Unverifiable(where, resource))
    listed = as_list(value)
    if listed is None:
        prefix = f"{resource.name}: " if resource is not None else ""
        message = f"{prefix}{where} is {describe(value)}, expected a list of {noun}"
        return Items(where, resource=resource, problem=Violation(message, resource))
    places = [(f"{where}[{index}]", item) for index, item in enumerate(listed)]
    return Items(
        where,
        tuple((path, item) for path, item in places if item is not UNKNOWN),
        tuple(path for path, item in places if item is UNKNOWN),
        resource,
    )
