"""KMS keys: rotated yearly, and a deletion window long enough to notice a mistake."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Severity

from .. import standards
from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    require_int_between,
    require_true,
    resource_rule,
)

KMS_KEY = "aws:kms/key:Key"


@resource_rule(
    "kms-key-rotation",
    "Symmetric KMS keys rotate their key material automatically.",
    Severity.HIGH,
    "Set enableKeyRotation: true.",
    (KMS_KEY,),
)
def key_rotation(resource: Resource, _: Settings) -> Iterator[Outcome]:
    spec = resource.get("customerMasterKeySpec")
    if spec is UNKNOWN:
        yield Unverifiable("customerMasterKeySpec")
        return
    if spec not in (MISSING, "SYMMETRIC_DEFAULT"):
        return  # AWS rotates only symmetric encryption keys.
    yield from require_true(resource, "enableKeyRotation", "set enableKeyRotation: true")


@resource_rule(
    "kms-deletion-window",
    "KMS keys wait at least the configured number of days before deletion.",
    Severity.MEDIUM,
    f"Set deletionWindowInDays to {standards.KMS_DELETION_WINDOW_DAYS}.",
    (KMS_KEY,),
    properties={
        "minDays": {
            "type": "integer",
            "minimum": 7,
            "maximum": 30,
            "default": standards.KMS_DELETION_WINDOW_DAYS,
        },
    },
)
def deletion_window(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    if resource.get("deletionWindowInDays") is MISSING:
        return  # AWS then applies 30 days, the longest window and so at least any allowed minimum.
    yield from require_int_between(
        resource,
        "deletionWindowInDays",
        settings.int("minDays"),
        None,
        "a scheduled key deletion must leave time to notice and cancel it",
    )
