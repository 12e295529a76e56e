"""KMS keys: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import DELETE, resource
from toms.offline.analyzer_client import UNKNOWN

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

KEY = "aws:kms/key:Key"

CASES: dict[str, list[Case]] = {
    "kms-key-rotation": [
        violating(resource(KEY, enableKeyRotation=DELETE), "enableKeyRotation is not set"),
        compliant(resource(KEY)),
        unknown(resource(KEY, enableKeyRotation=UNKNOWN), "enableKeyRotation"),
        malformed(resource(KEY, enableKeyRotation="yes"), 'enableKeyRotation is "yes"'),
    ],
    "kms-deletion-window": [
        violating(resource(KEY, deletionWindowInDays=7), "expected at least 30"),
        compliant(resource(KEY)),
        unknown(resource(KEY, deletionWindowInDays=UNKNOWN), "deletionWindowInDays"),
        malformed(resource(KEY, deletionWindowInDays="30d"), "expected a whole number"),
    ],
}
