"""RDS checks on answers written out here: Multi-AZ as the stack file asks, backup retention within the
pack's bounds. The moto-built accounts in tests/toms/live/test_audit.py run every RDS check end to end."""

from __future__ import annotations

from typing import Any

import pytest

from tests.toms.live.checks.answers import fake_context
from tests.toms.moto_baseline import stack_config
from toms.live.checks import Resource
from toms.live.checks import rds as rds_checks


def test_a_stack_file_without_multi_az_expects_a_single_zone() -> None:
    single_zone = stack_config("acme").model_copy(
        update={"database": stack_config("acme").database.model_copy(update={"multi_az": False})}
    )
    assert rds_checks.multi_az_verdict({"MultiAZ": False}, single_zone) == (
        True,
        {"multi_az": {"expected": False, "actual": False}},
        "single-AZ instance",
    )
    assert rds_checks.multi_az_verdict({"MultiAZ": True}, single_zone)[0] is False
    assert (
        rds_checks.multi_az_verdict({"MultiAZ": False}, None)[2]
        == "single-AZ instance; expected Multi-AZ (database.multiAz)"
    )


@pytest.mark.parametrize(
    ("resource", "expected_message"),
    [
        ({"BackupRetentionPeriod": 3}, "backups kept 3 days, outside 7-35"),
        # One is one day, not "1 days".
        ({"BackupRetentionPeriod": 1}, "backups kept 1 day, outside 7-35"),
    ],
)
def test_backup_retention_outside_the_packs_bounds_fails(
    resource: dict[str, Any], expected_message: str
) -> None:
    passed, _, message = rds_checks.backup_retention(
        fake_context(None), Resource("arn:aws:example", resource)
    )
    assert (passed, message) == (False, expected_message)
