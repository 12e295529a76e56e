"""Waivers: only resources named by URN (or type chain and name), only with a reason and an unexpired date,
always reported as advisory; a waiver that matches nothing is reported; a broken waiver stops the run."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from tests.policies.conftest import BASE_CONFIG, configured
from tests.policies.samples import compliant_stack, resource
from toms.offline.analyzer_client import PolicyConfigError, PolicyPackProcess

RDS = "aws:rds/instance:Instance"
TODAY = datetime.now(UTC).date()
FUTURE = (TODAY + timedelta(days=30)).isoformat()
PAST = (TODAY - timedelta(days=1)).isoformat()


def waiver(
    *resources: str, reason: str | None = "migration to Multi-AZ scheduled", expires: str = FUTURE
) -> dict:
    entry: dict = {"resources": list(resources), "expires": expires}
    if reason is not None:
        entry["reason"] = reason
    return entry


def waive(policy: str, *waivers: dict) -> dict:
    return {**BASE_CONFIG, policy: {"waivers": list(waivers)}}


LEGACY_DB = "aws:rds/instance:Instance::legacy-db"


def test_valid_waiver_suppresses_the_named_resource_and_reports_it(pack: PolicyPackProcess) -> None:
    with configured(pack, waive("rds-multi-az", waiver(LEGACY_DB))):
        diagnostics = pack.analyze(resource(RDS, "legacy-db", multiAz=False))
        other = pack.analyze(resource(RDS, "other-db", multiAz=False))
    assert [d.policy_name for d in diagnostics] == ["waived-findings"]
    assert diagnostics[0].enforcement_level == "advisory"
    assert f"rds-multi-az: waived until {FUTURE}: migration to Multi-AZ scheduled" in diagnostics[0].message
    assert "multiAz is false" in diagnostics[0].message
    assert [(d.policy_name, d.mandatory) for d in other] == [("rds-multi-az", True)]


def test_launch_template_finding_is_waivable(pack: PolicyPackProcess) -> None:
    template = "aws:ec2/launchTemplate:LaunchTemplate"
    snapshot_volume = {"deviceName": "/dev/xvda", "ebs": {"snapshotId": "snap-0123456789abcdef0"}}
    subject = resource(template, "legacy-nodes", blockDeviceMappings=[snapshot_volume])
    reason = "snapshot snap-0123456789abcdef0 is encrypted; node group moves to a CMK in CHG-77"
    with configured(pack, waive("ec2-encrypted-volumes", waiver(f"{template}::legacy-nodes", reason=reason))):
        diagnostics = pack.analyze(subject)
    assert [(d.policy_name, d.enforcement_level) for d in diagnostics] == [("waived-findings", "advisory")]
    assert "blockDeviceMappings[0].ebs.encrypted is not set" in diagnostics[0].message


def test_waiver_names_a_resource_by_urn(pack: PolicyPackProcess) -> None:
    subject = resource(RDS, "legacy-db", multiAz=False)
    with configured(pack, waive("rds-multi-az", waiver(subject.resolved_urn()))):
        assert [d.policy_name for d in pack.analyze(subject)] == ["waived-findings"]


def test_expired_waiver_no_longer_applies(pack: PolicyPackProcess) -> None:
    with configured(pack, waive("rds-multi-az", waiver(LEGACY_DB, expires=PAST))):
        diagnostics = pack.analyze(resource(RDS, "legacy-db", multiAz=False))
    assert [(d.policy_name, d.mandatory) for d in diagnostics] == [("rds-multi-az", True)]
    assert f"the waiver for this resource expired on {PAST}" in diagnostics[0].message


def test_waiver_without_reason_is_refused_by_the_cli_schema(pack: PolicyPackProcess) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        pack.configure(waive("rds-multi-az", waiver(LEGACY_DB, reason=None)))
    assert any("rds-multi-az: waivers.0: 'reason' is a required property" in p for p in raised.value.problems)
    pack.configure(BASE_CONFIG)


@pytest.mark.parametrize(
    ("bad_waiver", "complaint"),
    [
        (waiver(LEGACY_DB, reason=None), "'reason' is a required property"),
        (waiver(LEGACY_DB, reason="   "), "does not match"),
        (waiver(LEGACY_DB, expires="next year"), "does not match"),
        (waiver(LEGACY_DB, expires="2026-02-30"), "is not a calendar date"),
        (waiver("legacy-db"), "'legacy-db' does not match"),
    ],
)
def test_pack_refuses_a_broken_waiver_that_bypassed_the_cli(
    pack: PolicyPackProcess, bad_waiver: dict, complaint: str
) -> None:
    """A config that bypassed the CLI's schema check stops the run at Configure: nothing is waived silently."""
    with (
        pytest.raises(PolicyConfigError) as raised,
        configured(pack, waive("rds-multi-az", bad_waiver), validate=False),
    ):
        pass
    assert "policy pack config refused" in str(raised.value)
    assert "rds-multi-az: waivers.0" in str(raised.value) and complaint in str(raised.value)
    assert [d.policy_name for d in pack.analyze(resource(RDS, "legacy-db", multiAz=False))] == [
        "rds-multi-az"
    ]


def test_a_waiver_for_one_components_db_does_not_silence_anothers(pack: PolicyPackProcess) -> None:
    """Problem 5: two components each have a `db`; the waiver names one of them by its type chain."""
    legacy = "toms:database:LegacyDatabase$aws:rds/instance:Instance::db"
    subjects = [
        dataclasses.replace(resource(RDS, "db", multiAz=False), urn=f"urn:pulumi:test::toms::{chain}::db")
        for chain in (
            "toms:database:LegacyDatabase$aws:rds/instance:Instance",
            "toms:database:EncryptedDatabase$aws:rds/instance:Instance",
        )
    ]
    with configured(pack, waive("rds-multi-az", waiver(legacy))):
        waived, other = (pack.analyze(subject) for subject in subjects)
    assert [d.policy_name for d in waived] == ["waived-findings"]
    assert [(d.policy_name, d.mandatory) for d in other] == [("rds-multi-az", True)]


def test_a_waiver_that_matches_nothing_is_reported(pack: PolicyPackProcess) -> None:
    stack = compliant_stack()
    gone = "aws:rds/instance:Instance::decommissioned-db"
    with configured(pack, waive("rds-multi-az", waiver(gone))):
        diagnostics = pack.analyze_stack(stack.values())
    assert [(d.policy_name, d.enforcement_level) for d in diagnostics] == [
        ("waived-stack-findings", "advisory")
    ]
    assert f"rds-multi-az: the waiver for {gone} matches no resource of this stack" in diagnostics[0].message


def test_stack_policy_waiver_is_reported_by_the_stack_report(pack: PolicyPackProcess) -> None:
    stack = compliant_stack()
    del stack["subscription"]
    with configured(
        pack,
        waive(
            "log-group-exported",
            waiver("aws:cloudwatch/logGroup:LogGroup::log-group", reason="exporter in next release"),
        ),
    ):
        diagnostics = pack.analyze_stack(stack.values())
    assert [(d.policy_name, d.enforcement_level) for d in diagnostics] == [
        ("waived-stack-findings", "advisory")
    ]
    assert diagnostics[0].urn == stack["log-group"].resolved_urn()
    assert "log-group-exported: waived until" in diagnostics[0].message


@pytest.mark.parametrize(
    "expires", ["9999-12-31", (TODAY + timedelta(days=367)).isoformat()], ids=["forever", "a-day-too-long"]
)
def test_waiver_longer_than_a_year_and_a_day_is_refused(pack: PolicyPackProcess, expires: str) -> None:
    """The CLI's schema cannot know today's date, so the pack itself refuses a waiver that runs too long."""
    with (
        pytest.raises(PolicyConfigError) as raised,
        configured(pack, waive("rds-multi-az", waiver(LEGACY_DB, expires=expires))),
    ):
        pass
    assert (
        f"rds-multi-az: waivers.0.expires: the waiver for {LEGACY_DB} expires on {expires}, more than 366 days "
        "from today" in str(raised.value)
    )


def test_waiver_of_a_year_and_a_day_applies(pack: PolicyPackProcess) -> None:
    longest = (TODAY + timedelta(days=366)).isoformat()
    with configured(pack, waive("rds-multi-az", waiver(LEGACY_DB, expires=longest))):
        diagnostics = pack.analyze(resource(RDS, "legacy-db", multiAz=False))
    assert [d.policy_name for d in diagnostics] == ["waived-findings"]
