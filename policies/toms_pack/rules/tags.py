"""Required tags on every taggable AWS resource, counting the provider's default tags."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
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
from .ec2 import EBS_VOLUME, EC2_INSTANCE, LAUNCH_TEMPLATE
from .ecs import ECS_SERVICE, ECS_TASK_DEFINITION
from .edge import LOAD_BALANCERS, TARGET_GROUPS
from .kms import KMS_KEY
from .logs import CLOUDTRAIL, LOG_GROUP
from .network import SECURITY_GROUP
from .rds import RDS_CLUSTER, RDS_INSTANCE

# Taggable types this pack polices; any other AWS resource with a `tags` input is checked as well.
TAGGABLE_TYPES: tuple[str, ...] = (
    RDS_INSTANCE,
    RDS_CLUSTER,
    *LOAD_BALANCERS,
    *TARGET_GROUPS,
    ECS_SERVICE,
    ECS_TASK_DEFINITION,
    "aws:ecs/cluster:Cluster",
    LOG_GROUP,
    KMS_KEY,
    CLOUDTRAIL,
    SECURITY_GROUP,
    EC2_INSTANCE,
    LAUNCH_TEMPLATE,
    EBS_VOLUME,
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
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


def is_taggable(resource: Resource) -> bool:
    return resource.type in TAGGABLE_TYPES or (resource.type.startswith("aws:") and "tags" in resource.props)


@resource_rule(
    "required-tags",
    "Every taggable resource carries the required tags (the provider's default tags count).",
    Severity.LOW,
    "Add the missing tags, preferably as the AWS provider's defaultTags.",
    (),
    applies_when=is_taggable,
    properties={
        "tags": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
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
    missing = [tag for tag in settings.strings("tags") if present.get(tag, "") in ("", None, MISSING)]
    if missing:
        yield Violation(f"missing required tags: {', '.join(missing)}")
