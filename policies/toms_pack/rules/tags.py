"""Required tags on every AWS resource whose type takes tags, counting the provider's default tags."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pulumi_policy import Severity

from .. import standards
from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    Violation,
    describe,
    lookup,
    resource_rule,
)

# Every AWS resource type whose schema has a `tags` input (generated from pulumi-aws, kept current by
# tests/policies/test_required_tags.py).
TAGGABLE_TYPES: frozenset[str] = frozenset(
    line.strip()
    for line in (Path(__file__).with_name("taggable-types.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


def _tag_map(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, str):  # provider inputs carry objects as JSON text
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None


def _default_tags(resource: Resource) -> Mapping[str, Any]:
    default_tags = _tag_map(resource.provider_props.get("defaultTags"))
    return _tag_map(lookup(default_tags, "tags")) or {} if default_tags is not None else {}


@resource_rule(
    "required-tags",
    "Every resource whose type takes tags carries the required tags (the provider's default tags count).",
    Severity.LOW,
    "Add the missing tags, preferably as the AWS provider's defaultTags.",
    TAGGABLE_TYPES,
    # Checking tags does not review what a type does: the closed world still asks for a judging policy.
    reviews_types=False,
    properties={
        "requiredTags": {
            "type": "array",
            "description": "Tag names every taggable resource must carry; may add tags, never drop "
            f"{' or '.join(standards.REQUIRED_TAGS)}.",
            "items": {"type": "string", "minLength": 1},
            "allOf": [{"contains": {"const": tag}} for tag in standards.REQUIRED_TAGS],
            "uniqueItems": True,
            "default": list(standards.REQUIRED_TAGS),
        }
    },
)
def required_tags(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    own = resource.get("tags")
    if own is UNKNOWN:
        yield Unverifiable("tags")
        return
    own_tags: Mapping[str, Any] = {}
    if own is not MISSING:
        parsed = _tag_map(own)
        if parsed is None:
            yield Violation(f"tags is {describe(own)}, expected a map of tag names to values")
            return
        own_tags = parsed
    present = {**_default_tags(resource), **own_tags, **(_tag_map(resource.get("tagsAll")) or {})}
    missing = [tag for tag in settings.strings("requiredTags") if present.get(tag, "") in ("", None, MISSING)]
    if missing:
        yield Violation(f"missing required tags: {', '.join(missing)}")
