"""Each coverage status, from the evidence that leads to it: one test per status, through the real preview of
acme (its pack config changed where a test needs a weakened policy) and evidence written with the tools' own
models. A status the issue found wrong is tested on the measure it was found on."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from policies.toms_pack import catalogue
from tests.conftest import example_stack_preview
from tests.toms.report.reporting import (
    AUDIT_FINISHED,
    REPORT_TIME,
    audit_result,
    drill_evidence,
    html_text,
    item,
    make_report,
    write,
)
from toms.preview.model import Finding as PolicyFinding
from toms.preview.run import policy_config_dir, stack_target
from toms.report import command as report_command
from toms.report.coverage import (
    AUDIT_MAX_AGE,
    DEFERRED,
    DRILL_MAX_AGE,
    ENFORCED,
    INCOMPLETE,
    LIVE_ERROR,
    LIVE_FAIL,
    NOT_VERIFIED,
    ORGANISATIONAL,
    PARTLY_ORGANISATIONAL,
    PREVIEW_VIOLATION,
    RULES,
    STALE,
    STATUSES,
    VERIFIED,
    WEAKENED,
    coverage,
)
from toms.report.model import Report
from toms.report.policy_state import PolicyResult
from toms.report.render import render_html, render_markdown


def with_policy_config(tmp_path: Path, change: dict[str, object], audit: Path | None = None) -> Report:
    """acme's report with its pack config changed (the preview runs again with the changed config)."""
    config = json.loads((policy_config_dir() / "acme.json").read_text(encoding="utf-8"))
    config.update(change)
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return report_command.build_report(stack_target("acme", path), audit, now=lambda: REPORT_TIME)


def both(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path / "audit.json", audit_result()), write(tmp_path / "drill.json", drill_evidence())


def test_the_legend_states_a_rule_for_every_status() -> None:
    report = make_report("acme")
    markdown, html = render_markdown(report), render_html(report)
    assert len(STATUSES) == len(set(STATUSES)) == 12
    for status, rule in RULES:
        assert f"**{status}**: {rule}" in markdown
        assert rule in html_text(html)


def test_verified_live_needs_fresh_passing_evidence_of_every_check(tmp_path: Path) -> None:
    report = make_report("acme", *both(tmp_path))

    storage = item(report, "storage").coverage
    assert storage.status == VERIFIED
    assert storage.label == f"{VERIFIED} (2026-03-02)"
    assert item(report, "testing").coverage.label == f"{VERIFIED} (2026-03-01)"
    # The first page says how old the evidence is.
    assert "| Live audit | " in render_markdown(report) and "| 8 days |" in render_markdown(report)


def test_an_audit_older_than_35_days_is_stale_not_verified(tmp_path: Path) -> None:
    old = REPORT_TIME - AUDIT_MAX_AGE - timedelta(days=1)
    audit = write(tmp_path / "audit.json", audit_result(finished=old))
    just_in_time = write(tmp_path / "recent.json", audit_result(finished=REPORT_TIME - AUDIT_MAX_AGE))

    stale = item(make_report("acme", audit), "storage").coverage
    assert stale.status == STALE
    assert f"is {AUDIT_MAX_AGE.days + 1} days old, older than 35 days" in "; ".join(stale.reasons)
    assert item(make_report("acme", just_in_time), "storage").coverage.status == VERIFIED


def test_a_drill_of_2024_does_not_verify_the_yearly_restore_test_in_2026(tmp_path: Path) -> None:
    drill = write(
        tmp_path / "drill.json", drill_evidence(started=REPORT_TIME.replace(year=2024, month=1, day=15))
    )

    testing = item(make_report("acme", None, drill), "testing").coverage
    assert testing.status == STALE
    assert any("the restore drill of 2024-01-15 is" in reason and "older than 366 days" in reason
               for reason in testing.reasons)  # fmt: skip
    assert DRILL_MAX_AGE.days == 366


def test_the_yearly_restore_test_without_a_drill_is_not_verified() -> None:
    # Measure 7's only "policies" are the waiver reporters: they enforce nothing, so code and policy cannot
    # stand in for the drill.
    report = make_report("acme")
    testing = item(report, "testing")
    assert testing.number == 7
    assert testing.coverage.status == NOT_VERIFIED
    assert testing.coverage.reasons == ("no restore drill given",)
    assert {policy.result for policy in testing.policies} == {
        "reports the waived findings of other policies; enforces nothing itself"
    }


def test_an_advisory_policy_weakens_its_measures_and_the_first_page_names_it(tmp_path: Path) -> None:
    # A level below mandatory needs a reason and an expiry (issue 14); the pack refuses it otherwise.
    expires = (REPORT_TIME + timedelta(days=90)).date().isoformat()
    lowered = {"enforcementLevel": "advisory", "reason": "key migration CHG-42", "expires": expires}
    report = with_policy_config(tmp_path, {"rds-storage-encrypted-cmk": lowered})

    for measure_id in ("encryption", "storage"):
        coverage_of = item(report, measure_id).coverage
        assert item(report, measure_id).number in (1, 10)
        assert coverage_of.status == WEAKENED, measure_id
        assert (
            f"rds-storage-encrypted-cmk is advisory for this client until {expires}: key migration CHG-42: "
            "a violation is reported, not blocked"
        ) in coverage_of.reasons
    assert [(policy.name, numbers) for policy, numbers in report.weakened_policies] == [
        ("rds-storage-encrypted-cmk", "1, 10")
    ]
    assert (
        f"| rds-storage-encrypted-cmk | runs advisory (measures 1, 10) | every resource | key migration CHG-42 | "
        f"{expires} |" in render_markdown(report)
    )


def test_a_policy_lowered_without_reason_and_expiry_says_so() -> None:
    # The pack refuses such a config at Configure time; the report still never presents it as a full policy.
    measure = catalogue.MEASURES_BY_ID["storage"]
    policies = (PolicyResult("rds-storage-encrypted-cmk", "disabled", (), (), REPORT_TIME.date()),)
    storage = coverage(measure, (), policies, audit_result(), None, REPORT_TIME)
    assert storage.status == WEAKENED
    assert (
        "rds-storage-encrypted-cmk is disabled for this client (the config gives no reason and expiry): it is "
        "not evaluated" in storage.reasons
    )


def test_a_waived_policy_weakens_its_measure_with_reason_and_expiry_where_it_applies(tmp_path: Path) -> None:
    expires = (REPORT_TIME + timedelta(days=90)).date().isoformat()
    # Waivers name resources by URN or type chain (issue 14), never by a logical name other resources share.
    database = "toms:database:EncryptedDatabase$aws:rds/instance:Instance::acme-db"
    waiver = {"resources": [database], "reason": "single-AZ until the Q3 migration", "expires": expires}
    report = with_policy_config(tmp_path, {"rds-multi-az": {"waivers": [waiver]}})

    resilience = item(report, "resilience")
    assert resilience.number == 5
    assert resilience.coverage.status == WEAKENED
    assert f"rds-multi-az waived for {database} until {expires}: single-AZ until the Q3 migration" in (
        resilience.coverage.reasons
    )
    policy = next(policy for policy in resilience.policies if policy.name == "rds-multi-az")
    assert f"waived until {expires}" in policy.result
    markdown = render_markdown(report)
    assert (
        f"| rds-multi-az | waiver | {database} | single-AZ until the Q3 migration | {expires} |" in markdown
    )
    # The waiver shows under the measure it weakens, not only under the waiver reporters' measure 7.
    assert "waived until" not in "; ".join(item(report, "testing").coverage.reasons)


def test_a_policy_that_could_not_run_in_the_preview_is_decided_at_deployment() -> None:
    # The example stacks are decided in the preview (no value a policy reads is left to AWS), so the case
    # is the engine's own message for a task definition built from values known only at deployment.
    measure = catalogue.MEASURES_BY_ID["resilience"]
    message = (
        "can't run policy 'ecs-task-read-only-root' from policy pack 'toms@v0.0.1' during preview: "
        "containerDefinitions unknown until the resources it depends on exist"
    )
    finding = PolicyFinding(
        "ecs-task-read-only-root", "advisory", "high", message, "urn:x", "aws:x", "x", "task"
    )
    policies = (PolicyResult("ecs-task-read-only-root", "mandatory", (finding,), (), REPORT_TIME.date()),)
    resilience = coverage(measure, (), policies, audit_result(), None, REPORT_TIME)
    assert resilience.status == DEFERRED
    assert "ecs-task-read-only-root could not run in the preview: decided at deployment" in resilience.reasons
    # The example stacks' own previews leave nothing to deployment.
    assert item(make_report("acme"), "resilience").coverage.status != DEFERRED


def test_the_alembic_review_is_partly_organisational_even_with_passing_trail_checks(tmp_path: Path) -> None:
    report = make_report("acme", *both(tmp_path))
    change_review = item(report, "change-review").coverage
    assert item(report, "change-review").number == 4
    assert change_review.status == PARTLY_ORGANISATIONAL
    assert change_review.reasons[0] == "the infrastructure part is verified live (2026-03-02)"
    assert "alembic" in change_review.reasons[1]


def test_failing_evidence_shows_as_fail_and_an_error_as_error(tmp_path: Path) -> None:
    failing = write(
        tmp_path / "audit.json", audit_result(failing={"rds-encryption": "storage is not encrypted"})
    )
    report = make_report("acme", failing, write(tmp_path / "drill.json", drill_evidence(passed=False)))
    assert item(report, "encryption").coverage.label == f"{LIVE_FAIL} (2026-03-01)" or (
        item(report, "encryption").coverage.label == f"{LIVE_FAIL} (2026-03-02)"
    )
    assert item(report, "testing").coverage.status == LIVE_FAIL
    markdown = render_markdown(report)
    assert "| live audit | rds-encryption FAIL |" in markdown  # on the first page
    assert "| restore drill | FAIL | toms-acme |" in markdown

    errored = audit_result()
    findings = [
        finding.model_copy(update={"status": "ERROR", "message": "AccessDenied"})
        if finding.check == "kms-rotation"
        else finding
        for finding in errored.findings
    ]
    document = json.loads(errored.to_json())
    document["findings"] = [json.loads(finding.model_dump_json()) for finding in findings]
    document["summary"] = {"PASS": len(findings) - 1, "FAIL": 0, "ERROR": 1}
    path = tmp_path / "error.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert item(make_report("acme", path), "encryption").coverage.status == LIVE_ERROR


def test_a_documented_exception_in_live_evidence_weakens_its_measure_and_is_not_a_pass(
    tmp_path: Path,
) -> None:
    audit = audit_result()
    reason = "no WAF web ACL, by the client's documented exception: lb-waf-associated waived until 2026-09-01"
    findings = [
        finding.model_copy(update={"status": "EXCEPTION", "message": reason})
        if finding.check == "lb-waf"
        else finding
        for finding in audit.findings
    ]
    assert any(finding.status == "EXCEPTION" for finding in findings)
    document = json.loads(audit.to_json())
    document["findings"] = [json.loads(finding.model_dump_json()) for finding in findings]
    document["summary"] = {"PASS": len(findings) - 1, "FAIL": 0, "ERROR": 0, "EXCEPTION": 1}
    path = tmp_path / "exception.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    report = make_report("acme", path)
    ongoing = item(report, "ongoing-security").coverage
    assert ongoing.status == WEAKENED
    assert any(reason in text and "lb-waf EXCEPTION" in text for text in ongoing.reasons)
    assert "1 EXCEPTION" in render_markdown(report)


def test_an_audit_that_misses_a_check_verifies_nothing_it_misses(tmp_path: Path) -> None:
    audit = write(tmp_path / "audit.json", audit_result(leave_out=("archive-lifecycle",)))
    report = make_report("acme", audit)
    retention = item(report, "retention").coverage
    assert retention.status == ENFORCED
    assert "the audit has no finding for archive-lifecycle" in retention.reasons
    assert "| archive-lifecycle | no finding |" in render_markdown(report)


def test_organisational_measures_are_organisational_only() -> None:
    physical = item(make_report("acme"), "physical").coverage
    assert physical.status == ORGANISATIONAL
    assert "shared responsibility" in physical.reasons[0]


@pytest.mark.parametrize(
    ("level", "messages", "missing", "expected"),
    [
        ("mandatory", (), ("toms:database:EncryptedDatabase",), INCOMPLETE),
        ("", (), (), INCOMPLETE),
        ("mandatory", ("violation",), (), PREVIEW_VIOLATION),
        ("disabled", (), (), WEAKENED),
    ],
)
def test_passing_live_evidence_cannot_verify_what_is_not_built_or_enforced(
    level: str, messages: tuple[str, ...], missing: tuple[str, ...], expected: str
) -> None:
    measure = catalogue.MEASURES_BY_ID["storage"]
    findings = tuple(
        PolicyFinding(measure.policies[0], level, "high", message, "urn:x", "aws:x", "x", "resource")
        for message in messages
    )
    policies = (PolicyResult(measure.policies[0], level, findings, (), REPORT_TIME.date()),)
    audit = audit_result()
    assert audit.finished_at == AUDIT_FINISHED

    assert coverage(measure, missing, policies, audit, None, REPORT_TIME).status == expected


def test_every_status_is_reachable_and_counted_on_the_first_page(tmp_path: Path) -> None:
    report = make_report("acme", *both(tmp_path))
    counted = dict(report.status_counts)
    assert sum(counted.values()) == len(catalogue.MEASURES)
    assert example_stack_preview("acme").pack.name == report.pack_name
    for status, count in counted.items():
        assert f"| {status} | {count} |" in render_markdown(report)
