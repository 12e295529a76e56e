"""One reading of trail event selectors for the pack and the audit (policies/toms_pack/data_events.py): the
program's selectors, read from its Pulumi inputs by the pack and from the CloudTrail API's shape by the audit,
record the same accesses of the archive, and the same narrowing is refused by both."""

from __future__ import annotations

from typing import Any

import pytest

from components.log_archive import CLOUDTRAIL_PREFIX, archive_bucket_name
from policies.toms_pack.data_events import BOTH, READ, WRITE, BucketObjects
from policies.toms_pack.rules import monitoring
from tests.toms.moto_baseline import stack_config, trail_event_selectors
from toms.live.checks import cloudtrail

ACME = stack_config("acme")
ARCHIVE = archive_bucket_name("acme", ACME.account_id, ACME.region)


def pulumi_inputs() -> list[dict[str, Any]]:
    """The program's selectors as the pack receives them: Pulumi's camelCase names."""
    return trail_event_selectors(ACME, pulumi_names=True)


def by_pack(selectors: list[dict[str, Any]], own_prefix: str | None = CLOUDTRAIL_PREFIX) -> frozenset[str]:
    return BucketObjects(ARCHIVE, own_prefix).recorded([monitoring._advanced(s) for s in selectors], [])


def by_audit(selectors: list[dict[str, Any]], own_prefix: str | None = CLOUDTRAIL_PREFIX) -> frozenset[str]:
    return BucketObjects(ARCHIVE, own_prefix).recorded([cloudtrail._advanced(s) for s in selectors], [])


def test_the_programs_selectors_record_reads_and_writes_for_the_pack_and_the_audit() -> None:
    assert by_pack(pulumi_inputs()) == by_audit(trail_event_selectors(ACME)) == BOTH


def test_without_the_trail_delivering_into_the_archive_its_exclusion_loses_the_writes_for_both() -> None:
    assert by_pack(pulumi_inputs(), None) == by_audit(trail_event_selectors(ACME), None) == {READ}


@pytest.mark.parametrize(
    ("field", "pulumi_operator", "api_operator"),
    [
        ("eventName", "equals", "Equals"),
        # A second resources.ARN field: AWS requires both, so only some objects.
        ("resources.ARN", "startsWiths", "StartsWith"),
    ],
)
def test_a_narrowed_selector_records_nothing_for_both(
    field: str, pulumi_operator: str, api_operator: str
) -> None:
    pulumi = [
        {
            **selector,
            "fieldSelectors": [*selector["fieldSelectors"], {"field": field, pulumi_operator: ["x"]}],
        }
        for selector in pulumi_inputs()
    ]
    api = [
        {**selector, "FieldSelectors": [*selector["FieldSelectors"], {"Field": field, api_operator: ["x"]}]}
        for selector in trail_event_selectors(ACME)
    ]
    assert by_pack(pulumi) == by_audit(api) == frozenset()
    assert WRITE not in by_pack(pulumi)
