"""Waivers: only named resources, only with a reason and an unexpired date, always reported as advisory."""

from __future__ import annotations

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


def test_valid_waiver_suppresses_the_named_resource_and_reports_it(pack: PolicyPackProcess) -> None:
    with configured(pack, waive("rds-multi-az", waiver("legacy-db"))):
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
    with configured(pack, waive("ec2-encrypted-volumes", waiver("legacy-nodes", reason=reason))):
        diagnostics = pack.analyze(subject)
    assert [(d.policy_name, d.enforcement_level) for d in diagnostics] == [("waived-findings", "advisory")]
    assert "blockDeviceMappings[0].ebs.encrypted is not set" in diagnostics[0].message


def test_waiver_names_a_resource_by_urn(pack: PolicyPackProcess) -> None:
    subject = resource(RDS, "legacy-db", multiAz=False)
    with configured(pack, waive("rds-multi-az", waiver(subject.resolved_urn()))):
        assert [d.policy_name for d in pack.analyze(subject)] == ["waived-findings"]


def test_expired_waiver_no_longer_applies(pack: PolicyPackProcess) -> None:
    with configured(pack, waive("rds-multi-az", waiver("legacy-db", expires=PAST))):
        diagnostics = pack.analyze(resource(RDS, "legacy-db", multiAz=False))
    assert [(d.policy_name, d.mandatory) for d in diagnostics] == [("rds-multi-az", True)]
    assert f"the waiver for this resource expired on {PAST}" in diagnostics[0].message


def test_waiver_without_reason_is_refused_by_the_cli_schema(pack: PolicyPackProcess) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        pack.configure(waive("rds-multi-az", waiver("legacy-db", reason=None)))
    assert any("rds-multi-az: waivers.0: 'reason' is a required property" in p for p in raised.value.problems)
    pack.configure(BASE_CONFIG)


@pytest.mark.parametrize(
    ("bad_waiver", "complaint"),
    [
        (waiver("legacy-db", reason=None), "'reason' is a required property"),
        (waiver("legacy-db", reason="   "), "does not match"),
        (waiver("legacy-db", expires="next year"), "does not match"),
        (waiver("legacy-db", expires="2026-02-30"), "is not a calendar date"),
    ],
)
def test_pack_reports_a_broken_waiver_as_a_violation_not_a_waiver(
    pack: PolicyPackProcess, bad_waiver: dict, complaint: str
) -> None:
    """A config that bypassed the CLI's schema check still never waives anything silently."""
    with configured(pack, waive("rds-multi-az", bad_waiver), validate=False):
        diagnostics = pack.analyze(resource(RDS, "legacy-db", multiAz=False))
    assert {d.policy_name for d in diagnostics} == {"rds-multi-az"}
    assert all(d.mandatory for d in diagnostics)
    assert any(
        "pack config error for policy rds-multi-az" in d.message and complaint in d.message
        for d in diagnostics
    )
    assert any("multiAz is false" in d.message for d in diagnostics)


def test_stack_policy_waiver_is_reported_by_the_stack_report(pack: PolicyPackProcess) -> None:
    stack = compliant_stack()
    del stack["subscription"]
    with configured(
        pack, waive("log-group-exported", waiver("log-group", reason="exporter in next release"))
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
def test_waiver_longer_than_a_year_and_a_day_is_a_config_violation(
    pack: PolicyPackProcess, expires: str
) -> None:
    """The CLI's schema cannot know today's date, so the pack itself refuses a waiver that runs too long."""
    with configured(pack, waive("rds-multi-az", waiver("legacy-db", expires=expires))):
        diagnostics = pack.analyze(resource(RDS, "legacy-db", multiAz=False))
    assert {(d.policy_name, d.mandatory) for d in diagnostics} == {("rds-multi-az", True)}
    assert any(
        "pack config error for policy rds-multi-az: waivers.0.expires: the waiver for legacy-db expires on "
        f"{expires}, more than 366 days from today" in d.message
        for d in diagnostics
    ), [d.message for d in diagnostics]
    assert any("multiAz is false" in d.message for d in diagnostics)


def test_waiver_of_a_year_and_a_day_applies(pack: PolicyPackProcess) -> None:
    longest = (TODAY + timedelta(days=366)).isoformat()
    with configured(pack, waive("rds-multi-az", waiver("legacy-db", expires=longest))):
        diagnostics = pack.analyze(resource(RDS, "legacy-db", multiAz=False))
    assert [d.policy_name for d in diagnostics] == ["waived-findings"]
