"""Values as rules see them: plain properties with `UNKNOWN` and `MISSING`, and resources in their stack.

The policy SDK hands properties over as proxies that raise on unknown values; `plain` copies them into
dicts and lists where an unknown value is the `UNKNOWN` marker, so a rule can decide what an unknown
means for it instead of crashing.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

_UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)


class _Marker:
    def __init__(self, label: str) -> None:
        self._label = label

    def __repr__(self) -> str:
        return self._label

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Marker("UNKNOWN")
"""A value the engine does not know yet (preview: it depends on another resource's output)."""
MISSING: Any = _Marker("MISSING")
"""A property that is not set at all."""


def is_unknown(value: object) -> bool:
    return value is UNKNOWN


def plain(value: Any) -> Any:
    """A copy of the policy SDK's property proxies as dicts and lists, with `UNKNOWN` for unknown values."""
    if isinstance(value, str):
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in value:
            try:
                result[str(key)] = plain(value[key])
            except UnknownValueError:
                result[str(key)] = UNKNOWN
        return result
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def lookup(value: Any, *path: str | int) -> Any:
    """The value at `path`: `UNKNOWN` if a step is unknown, `MISSING` if absent or not a container."""
    for step in path:
        if value is UNKNOWN:
            return UNKNOWN
        if isinstance(step, str) and isinstance(value, Mapping):
            value = value.get(step, MISSING)
        elif isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        else:
            return MISSING
        if value is None:
            return MISSING
    return value


EACH = "[]"
"""A step of a `values_at` path that stands for every item of a list."""


def values_at(value: Any, path: Sequence[str | int], where: str = "") -> Iterator[tuple[str, Any]]:
    """Every value at `path` below `value`, with where it sits (`rules[0].destinations[1].registryId`).

    An `EACH` step goes into every item of a list. Where a step is unknown or missing, that place is
    yielded with `UNKNOWN` or `MISSING`; where a list is expected and something else is found, it is
    yielded as it is, for the caller to call malformed.
    """
    if not path:
        yield where, value
        return
    step, rest = path[0], path[1:]
    if value is UNKNOWN or value is MISSING:
        yield where, value
    elif step == EACH:
        if not isinstance(value, list):
            yield where, value
            return
        for index, item in enumerate(value):
            yield from values_at(item, rest, f"{where}[{index}]")
    else:
        yield from values_at(lookup(value, step), rest, f"{where}.{step}" if where else str(step))


def as_int(value: Any) -> int | None:
    """An integral number as an int (the protocol sends every number as a double); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def as_list(value: Any) -> list[Any] | None:
    """A list property (absent counts as empty); None when the value has another shape."""
    if value is MISSING:
        return []
    if isinstance(value, list):
        return value
    return None


def _whole_numbers(value: Any) -> Any:
    """`value` with every integral float as the int it is: the protocol sends all numbers as doubles."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    return value


def describe(value: Any) -> str:
    """A value as a message shows it: JSON, whole numbers without `.0`, `not set` or `unknown`."""
    if value is MISSING:
        return "not set"
    if value is UNKNOWN:
        return "unknown"
    if isinstance(value, str | int | float | bool | list | dict):
        # An unknown item of a list (or value of an object) shows as the string "unknown".
        return json.dumps(_whole_numbers(value), default=lambda inner: describe(inner))
    return repr(value)


def is_set_reference(value: Any) -> bool:
    """True when a reference (an ARN, a key id, a name) is present.

    An unknown reference counts as present: in preview a key ARN or bucket name that comes from another
    resource's output is unknown, but it exists; only its value is not known yet.
    """
    return value is UNKNOWN or (isinstance(value, str) and value.strip() != "")


# `alias/aws/<service>` names an AWS-managed key, on its own or at the end of an alias ARN. Those keys'
# policies cannot be changed, so the client cannot control or revoke access to what they encrypt.
_AWS_MANAGED_KEY_ALIAS = re.compile(r"^(arn:aws[a-z-]*:kms:[^:]*:[^:]*:)?alias/aws/", re.IGNORECASE)


def is_aws_managed_key_reference(value: Any) -> bool:
    return isinstance(value, str) and _AWS_MANAGED_KEY_ALIAS.match(value.strip()) is not None


def is_customer_key_reference(value: Any) -> bool:
    """True when a KMS key reference is set and does not name an AWS-managed key by its alias.

    A key id or key ARN of an AWS-managed key cannot be told apart from a customer key's without asking
    AWS (DescribeKey's KeyManager), which a policy cannot do; only the alias gives it away.
    """
    return is_set_reference(value) and not is_aws_managed_key_reference(value)


@dataclass(frozen=True)
class Resource:
    """One resource as a rule sees it: plain properties, and for stack rules its place in the graph."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    provider_props: Mapping[str, Any] = field(default_factory=dict)
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # False for what the engine sends without a provider: components, providers and the root stack.
    # Only custom resources create something in the cloud.
    custom: bool = True

    def get(self, *path: str | int) -> Any:
        return lookup(self.props, *path)


@dataclass(frozen=True)
class Stack:
    """Every resource of the stack, with lookups by type and by reference."""

    resources: tuple[Resource, ...]

    def of_type(self, *types: str) -> list[Resource]:
        wanted = set(types)
        return [resource for resource in self.resources if resource.type in wanted]

    def by_urn(self, urn: str) -> Resource | None:
        return next((resource for resource in self.resources if resource.urn == urn), None)

    @functools.cached_property
    def _types(self) -> dict[str, str]:
        return {resource.urn: resource.type for resource in self.resources}

    def joins(
        self, source: Resource, key: str, target: Resource, match_on: Sequence[str], value: Any = None
    ) -> Any:
        """Whether `source.<key>` is `target`'s value: True, False, or UNKNOWN when that cannot be shown.

        A join is by value only: the input equals one of the target's `match_on` outputs (name, id, ARN),
        or, while the input is unknown (preview), the engine's property dependencies of that very input
        name the target and no other resource of its type (a listener a target group's ARN waits for does
        not make it another group's). A value computed from several resources of the target's type is
        not shown to be the target's: UNKNOWN when the target is among them or when the input depends on
        no resource at all (it may be, it may not), False when it names others only. `value` is the input
        when it sits inside `key` (an object property whose dependencies the engine records as `key`'s).
        """
        if value is None:
            value = source.get(key)
        if isinstance(value, str) and value:
            outputs = [target.get(attr) for attr in match_on]
            if value in outputs:
                return True
            return UNKNOWN if UNKNOWN in outputs else False
        if value is UNKNOWN:
            dependencies = tuple(source.property_dependencies.get(key, ()))
            same_type = [urn for urn in dependencies if self._types.get(urn) == target.type]
            if same_type == [target.urn]:
                return True
            return UNKNOWN if target.urn in dependencies or not dependencies else False
        return False

    def declares(
        self, source: Resource, key: str, types: Sequence[str], match_on: Sequence[str], value: Any = None
    ) -> Any:
        """Whether `source.<key>` names a resource of `types` this stack declares: True, False, or UNKNOWN
        when that cannot be shown in preview.

        By value, like `joins`: the input equals a `match_on` output of such a resource (UNKNOWN while one
        of those outputs is unknown); an unknown input counts as declared when every resource the engine
        says it depends on is of `types` (computed from those resources only), and as not declared when
        none is. `value` is the input when it sits inside `key` (an item of a list or object property).
        """
        if value is None:
            value = source.get(key)
        if isinstance(value, str) and value:
            outputs = [candidate.get(attr) for candidate in self.of_type(*types) for attr in match_on]
            if value in outputs:
                return True
            return UNKNOWN if UNKNOWN in outputs else False
        if value is UNKNOWN:
            kinds = {self._types.get(urn) for urn in source.property_dependencies.get(key, ())}
            if kinds and kinds <= set(types):
                return True
            return UNKNOWN if not kinds or kinds & set(types) else False
        return False

    def references(
        self,
        source: Resource,
        key: str,
        candidates: Sequence[Resource],
        match_on: Sequence[str],
        value: Any = None,
    ) -> tuple[list[Resource], list[Resource]]:
        """The candidates `source.<key>` is the value of, and those it may be but cannot be shown to be."""
        verdicts = [
            (candidate, self.joins(source, key, candidate, match_on, value)) for candidate in candidates
        ]
        return (
            [candidate for candidate, verdict in verdicts if verdict is True],
            [candidate for candidate, verdict in verdicts if verdict is UNKNOWN],
        )

    def configs_of(self, target: Resource, types: Sequence[str], key: str, match_on: Sequence[str]) -> Joined:
        """The resources of `types` whose `key` is `target`'s value, and those that may be but cannot be
        shown to be (see `joins`)."""
        joined: list[Resource] = []
        undecided: list[Resource] = []
        for config in self.of_type(*types):
            verdict = self.joins(config, key, target, match_on)
            if verdict is True:
                joined.append(config)
            elif verdict is UNKNOWN:
                undecided.append(config)
        return Joined(target, key, tuple(joined), tuple(undecided))


@dataclass(frozen=True)
class Joined:
    """The configuration resources of one kind that belong to a target, and those that cannot be joined."""

    target: Resource
    key: str
    configs: tuple[Resource, ...]
    undecided: tuple[Resource, ...]

    def undecided_note(self) -> str:
        """What could not be established, and how to make it decidable (empty when everything joined)."""
        if not self.undecided:
            return ""
        names = ", ".join(config.name for config in self.undecided)
        return (
            f"; {names} may point at {self.target.name} but cannot be shown to: its `{self.key}` is not "
            f"{self.target.name}'s own value (unknown in preview, and not computed from {self.target.name} "
            f"alone). Pass {self.target.name}'s own output (its name, id or ARN) as `{self.key}`, so the "
            "pack can join them in preview"
        )
