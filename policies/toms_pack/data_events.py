"""CloudTrail event selectors as the pack and the live audit read them: which accesses (reads, writes) of
every object of one S3 bucket a trail's selectors record.

The pack reads a trail's inputs (Pulumi's names: `fieldSelectors`, `equals`, `startsWiths`, `dataResources`),
the audit the answer of GetEventSelectors (AWS's: `FieldSelectors`, `Equals`, `StartsWith`, `DataResources`);
both turn them into the selectors below and ask `BucketObjects.recorded`, so one reading decides both.

An advanced selector records an access of every object when it selects `Data` events of `AWS::S3::Object`
(Equals only), `readOnly` absent (both) or `true`/`false`, and `resources.ARN` absent (every bucket) or only
`StartsWith` a prefix of the bucket's objects, with `NotStartsWith`; any other field or operator selects some
events only. The one exclusion allowed is, for writes, the prefix the trail delivers its own log files under
(recording those would make each delivery the event of the next); any other exclusion inside the bucket, and
any exclusion for reads, leaves objects unrecorded. A basic selector records its `ReadWriteType` for every
object when one of its `AWS::S3::Object` values is a prefix of the bucket's objects (`arn:aws:s3` alone: all).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

READ, WRITE = "reads", "writes"
BOTH = frozenset({READ, WRITE})
S3_OBJECT = "AWS::S3::Object"
# An S3 ARN prefix in any partition: `arn:aws:s3`, `arn:aws:s3:::bucket/prefix`.
S3_ARN = re.compile(r"^arn:[a-z-]+:s3")
# The fields of an advanced selector for S3 object data events; any other field narrows what it records.
DATA_EVENT_FIELDS = frozenset({"eventCategory", "resources.type", "readOnly", "resources.ARN"})
_READ_ONLY = {"true": READ, "false": WRITE}
# The operator a field selector is given when its field appears twice in one selector: both conditions hold,
# so it selects some events only, like any operator the reading does not accept there.
REPEATED = "Repeated"
_READ_WRITE_TYPE = {"ReadOnly": frozenset({READ}), "WriteOnly": frozenset({WRITE}), "All": BOTH}


@dataclass(frozen=True)
class AdvancedSelector:
    """Field name -> AWS operator name (`Equals`, `StartsWith`, `NotStartsWith`...) -> values."""

    fields: Mapping[str, Mapping[str, tuple[Any, ...]]]

    @classmethod
    def of(cls, field_selectors: list[tuple[str, dict[str, tuple[Any, ...]]]]) -> AdvancedSelector:
        """From (field, operators) pairs in the order given; a field given twice gets `REPEATED`."""
        fields: dict[str, dict[str, tuple[Any, ...]]] = {}
        for name, operators in field_selectors:
            fields[name] = {**fields[name], **operators, REPEATED: ()} if name in fields else operators
        return cls(fields)


@dataclass(frozen=True)
class BasicSelector:
    read_write_type: Any
    # (resource type, values) of each data resource.
    data_resources: tuple[tuple[Any, tuple[Any, ...]], ...]


@dataclass
class BucketObjects:
    """The objects of one bucket, and the key prefix under which the trail delivers its own log files into it
    (None when it delivers elsewhere)."""

    bucket: str
    own_prefix: str | None
    # Set by `recorded` when a selector leaves out the writes of the trail's own log files.
    own_writes_left_out: bool = field(default=False, init=False)

    @property
    def objects(self) -> str:
        """The bucket's object ARNs after the partition: `:::bucket/`."""
        return f":::{self.bucket}/"

    def covered_by(self, prefix: Any) -> bool:
        """True when an S3 ARN prefix takes in every object of the bucket."""
        match = S3_ARN.match(prefix) if isinstance(prefix, str) else None
        return match is not None and self.objects.startswith(prefix[match.end() :])

    def _inside(self, prefix: str) -> str | None:
        """The key prefix inside the bucket that an S3 ARN prefix names, or None when it is elsewhere."""
        match = S3_ARN.match(prefix)
        rest = prefix[match.end() :] if match else ""
        return rest.removeprefix(self.objects) if match and rest.startswith(self.objects) else None

    def advanced(self, selector: AdvancedSelector) -> frozenset[str]:
        fields = selector.fields
        if set(fields) - DATA_EVENT_FIELDS:
            return frozenset()
        if _equals_only(fields.get("eventCategory")) != ("Data",):
            return frozenset()
        if _equals_only(fields.get("resources.type")) != (S3_OBJECT,):
            return frozenset()
        read_only = fields.get("readOnly")
        if read_only is None:
            accesses = set(BOTH)
        else:
            accesses = {_READ_ONLY[value] for value in _equals_only(read_only) or () if value in _READ_ONLY}
        arn = fields.get("resources.ARN")
        if arn is None:
            return frozenset(accesses)
        if set(arn) - {"StartsWith", "NotStartsWith"}:
            return frozenset()  # Equals, EndsWith, NotEquals, NotEndsWith: some objects only
        if "StartsWith" in arn and not any(self.covered_by(prefix) for prefix in arn["StartsWith"]):
            return frozenset()
        own_left_out = False
        for excluded in arn.get("NotStartsWith", ()):
            if not isinstance(excluded, str) or self.covered_by(excluded):
                return frozenset()
            inside = self._inside(excluded)
            if inside is None:
                continue  # another bucket's objects
            own = self.own_prefix is not None and inside.startswith(f"{self.own_prefix}/")
            accesses -= {READ} if own else BOTH
            own_left_out |= own
        self.own_writes_left_out |= own_left_out and WRITE in accesses
        return frozenset(accesses)

    def basic(self, selector: BasicSelector) -> frozenset[str]:
        for kind, values in selector.data_resources:
            if kind == S3_OBJECT and any(self.covered_by(value) for value in values):
                return _READ_WRITE_TYPE.get(selector.read_write_type, frozenset())
        return frozenset()

    def recorded(self, advanced: list[AdvancedSelector], basic: list[BasicSelector]) -> frozenset[str]:
        """The accesses of every object of the bucket that the selectors record together."""
        found: set[str] = set()
        for selector in advanced:
            found |= self.advanced(selector)
        for basic_selector in basic:
            found |= self.basic(basic_selector)
        return frozenset(found)


def _equals_only(operators: Mapping[str, tuple[Any, ...]] | None) -> tuple[Any, ...] | None:
    """A field's Equals values when Equals is its only operator; None otherwise."""
    if operators is None or set(operators) != {"Equals"}:
        return None
    return tuple(operators["Equals"])
