"""KMS keys: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from tests.policies.casetable import (
    Case,
    compliant,
    test_case_in_process,
    test_case_over_protocol,
    violating,
)
from tests.policies.samples import DELETE, resource

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

KEY = "aws:kms/key:Key"

CASES: dict[str, list[Case]] = {
    "kms-key-rotation": [
        violating(resource(KEY, enableKeyRotation=DELETE), "enableKeyRotation is not set"),
        compliant(resource(KEY)),
    ],
    "kms-deletion-window": [
        violating(resource(KEY, deletionWindowInDays=7), "expected at least 30"),
        compliant(resource(KEY)),
    ],
}
