"""CloudTrail checks on answers written out here: log file validation on, log files encrypted with the
client's own key. The moto-built accounts in tests/toms/live/test_audit.py run every CloudTrail check end to
end."""

from __future__ import annotations

from typing import Any

import pytest

from tests.toms.live.checks.answers import fake_context
from toms.live.checks import Resource
from toms.live.checks import cloudtrail as cloudtrail_checks

TRAIL = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/toms-acme-audit"
CLIENT_KEY = "arn:aws:kms:eu-west-1:111122223333:key/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01"


@pytest.mark.parametrize(
    ("trail", "passed", "message"),
    [
        ({"LogFileValidationEnabled": True}, True, "log file validation on"),
        ({"LogFileValidationEnabled": False}, False, "log file validation off"),
        ({}, False, "log file validation off"),
    ],
)
def test_log_file_validation(trail: dict[str, Any], passed: bool, message: str) -> None:
    verdict = cloudtrail_checks.validation(fake_context(None), Resource(TRAIL, trail))
    assert (verdict.passed, verdict.message) == (passed, message)


@pytest.mark.parametrize(
    ("key", "passed", "message"),
    [
        (CLIENT_KEY, True, "log files encrypted with the client's KMS key"),
        (
            CLIENT_KEY.replace("111122223333", "999999999999"),
            False,
            "log files encrypted with a KMS key that is not the client's own key",
        ),
        (None, False, "log files not encrypted with KMS"),
    ],
)
def test_log_files_are_encrypted_with_the_clients_own_key(
    key: str | None, passed: bool, message: str
) -> None:
    context = fake_context(None)
    context.is_client_key = lambda reference: reference == CLIENT_KEY
    verdict = cloudtrail_checks.kms(context, Resource(TRAIL, {"KmsKeyId": key}))
    assert (verdict.passed, verdict.message, verdict.observed) == (passed, message, {"kms_key_id": key})
