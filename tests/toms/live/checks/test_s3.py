"""S3 checks on answers written out here: the archive's lifecycle as the program builds it. The moto-built
accounts in tests/toms/live/test_audit.py run every S3 check end to end."""

from __future__ import annotations

from typing import Any

import pytest

from tests.toms.live.checks.answers import fake_context
from tests.toms.moto_baseline import stack_config
from toms.live.checks import Resource
from toms.live.checks import s3 as s3_checks


class _Lifecycle:
    """An S3 client that answers one lifecycle configuration."""

    def __init__(self, *rules: dict[str, Any]) -> None:
        self.rules = list(rules)

    def get_bucket_lifecycle_configuration(self, Bucket: str) -> dict[str, Any]:
        return {"Rules": self.rules}


@pytest.mark.parametrize(
    ("rule", "expected_message"),
    [
        (
            {"Status": "Enabled", "Filter": {}, "Expiration": {"Days": 90}},
            "noncurrent versions never removed, expected 1 day",
        ),
        (
            {"Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 90},
             "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
            "no enabled lifecycle rule expires every object",
        ),
        (
            {"Status": "Disabled", "Filter": {}, "Expiration": {"Days": 90},
             "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
            "no enabled lifecycle rule expires every object",
        ),
        (
            {"Status": "Enabled", "Filter": {}, "Expiration": {"Days": 90},
             "NoncurrentVersionExpiration": {"NoncurrentDays": 30}},
            "noncurrent versions removed after 30 days, expected 1 day",
        ),
    ],
)  # fmt: skip
def test_a_lifecycle_not_shaped_as_the_program_builds_it_fails(
    rule: dict[str, Any], expected_message: str
) -> None:
    context = fake_context(stack_config("acme"), s3=_Lifecycle(rule))
    passed, _, message = s3_checks.lifecycle(context, Resource("arn:aws:s3:::bucket", {"Bucket": "bucket"}))
    assert (passed, message) == (False, expected_message)
