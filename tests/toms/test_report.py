"""`toms report`: every annex line, each client's own values, live evidence, well-formed HTML, bad evidence.

Each example stack is previewed once (program under mocks + the policy pack as its own process) and the
preview is reused by the tests of that stack; the retention test previews a modified copy of a stack file.
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config import ClientConfig, parse_client_config
from policies.toms_pack import catalogue
from tests.conftest import EXAMPLE_STACKS, REPO
from toms import __version__
from toms import audit as audit_tool
from toms import report as report_command
from toms.__main__ import main
from toms.preview.model import Finding as PolicyFinding
from toms.preview.model import PreviewTarget, StackPreview
from toms.preview.run import POLICY_CONFIG_DIR, preview, program_target, stack_target
from toms.project import read_stack_file
from toms.report_evidence import AuditEvidence
from toms.report_model import (
    ENFORCED,
    INCOMPLETE,
    LIVE_FAIL,
    ORGANISATIONAL,
    PREVIEW_VIOLATION,
    VERIFIED,
    PolicyResult,
    Report,
    coverage,
)
from toms.report_render import render_html, render_markdown, value_rows
from toms.report_values import MeasureFacts
from toms.restore_drill import Step

AUDIT_STARTED = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
AUDIT_FINISHED = AUDIT_STARTED + timedelta(seconds=41)
DRILL_STARTED = datetime(2026, 3, 1, 22, 0, 0, tzinfo=UTC)
XHTML = "{http://www.w3.org/1999/xhtml}"


@functools.cache
def cached_preview(stack: str) -> StackPreview:
    return preview(stack_target(stack))


def _preview_of(target: PreviewTarget) -> StackPreview:
    return cached_preview(target.stack)


def stack_config(stack: str) -> ClientConfig:
    path = REPO / "stacks" / f"Pulumi.{stack}.yaml"
    return parse_client_config(read_stack_file(path), str(path))


def make_report(stack: str, audit: Path | None = None, drill: Path | None = None) -> Report:
    return report_command.build_report(stack_target(stack), audit, drill, run_preview=_preview_of)


def values(report: Report, measure_id: str) -> set[tuple[str, str]]:
    """(setting, value) pairs the report shows for a measure."""
    item = next(item for item in report.measures if item.measure.id == measure_id)
    return {(row[3], row[4]) for row in value_rows(item)}


def parse_xhtml(document: str) -> ET.Element:
    """The report's HTML parsed by a strict XML parser (after the doctype line); any malformation raises."""
    return ET.fromstring(document.split("\n", 1)[1])  # noqa: S314 - the report we just generated


def html_text(document: str) -> str:
    root = parse_xhtml(document)
    return " ".join(" ".join(element.itertext()) for element in root.iter(f"{XHTML}body"))


# --- evidence files -----------------------------------------------------------------------------------------


def audit_json(client: str, region: str, failing: dict[str, str] | None = None) -> dict[str, Any]:
    """Evidence as `toms audit --json` writes it: every check the audit runs, PASS unless listed."""
    failing = failing or {}
    findings = [
        audit_tool.Finding(
            check,
            "FAIL" if check in failing else "PASS",
            f"arn:aws:example:{region}:111122223333:{check}",
            {"checked": True},
            failing.get(check, f"{check} as the baseline builds it"),
        )
        for check in audit_tool.ALL_CHECKS
    ]
    return audit_tool.report_json(
        findings, client=client, region=region, started_at=AUDIT_STARTED, finished_at=AUDIT_FINISHED
    )


def drill_json(region: str, db_instance: str, *, passed: bool = True) -> dict[str, Any]:
    """Evidence as `toms restore-drill --evidence` writes it."""
    steps = [
        Step(name, DRILL_STARTED + timedelta(minutes=index), DRILL_STARTED + timedelta(minutes=index + 1))
        for index, name in enumerate(("restore", "wait-available", "verify", "delete", "wait-deleted"))
    ]
    if not passed:
        steps[2].status = "failed"
        steps[2].detail = "restored instance is not encrypted with the source's key"
    return {
        "tool": "toms restore-drill",
        "toms_version": __version__,
        "region": region,
        "source": {
            "db_instance": db_instance,
            "arn": f"arn:aws:rds:{region}:111122223333:db:{db_instance}",
            "engine": "postgres",
            "engine_version": "16.8",
            "kms_key_id": f"arn:aws:kms:{region}:111122223333:key/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01",
        },
        "snapshot": {
            "id": f"rds:{db_instance}-2026-03-01-03-10",
            "type": "automated",
            "created_at": "2026-03-01T03:10:00Z",
        },
        "temporary_instance": f"{db_instance}-drill-20260301220000",
        "steps": [step.to_json() for step in steps],
        "restore_seconds": 612.5,
        "result": "PASS" if passed else "FAIL",
        "error": None if passed else "verify: restored instance is not encrypted with the source's key",
        "started_at": "2026-03-01T22:00:00Z",
        "finished_at": "2026-03-01T22:12:00Z",
    }


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


ACME_DB = "toms-acme"


# --- every example stack -------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_report_has_every_annex_line_and_the_stacks_own_values(stack: str) -> None:
    config = stack_config(stack)
    report = make_report(stack)
    markdown, html = render_markdown(report), render_html(report)
    text = html_text(html)

    assert [item.measure.id for item in report.measures] == [m.id for m in catalogue.MEASURES]
    assert len(report.measures) == 19
    for measure in catalogue.MEASURES:
        assert measure.commitment in markdown
        assert measure.line in text
    retention = config.retention
    assert ("events kept", f"{retention.log_days} days") in values(report, "retention")
    assert ("automated backups kept", f"{retention.backup_days} days") in values(report, "retention")
    assert ("each object locked for", f"{retention.archive_retention_days} days") in values(report, "logging")
    assert ("lock mode", config.archive.lock_mode) in values(report, "logging")
    assert ("TLS policy", config.load_balancer.tls_policy) in values(report, "transmission")
    assert ("replicas (desired tasks)", str(config.service.replicas)) in values(report, "resilience")
    assert ("autoscaling maximum", str(config.service.autoscaling_max)) in values(report, "resilience")
    assert ("instance class", config.database.instance_class) in values(report, "resilience")
    multi_az = "on" if config.database.multi_az else "off"
    assert ("Multi-AZ (standby in a second zone)", multi_az) in values(report, "resilience")
    assert ("automatic key rotation", "on") in values(report, "encryption")
    assert ("deletion window", "30 days") in values(report, "encryption")
    zones = next(value for setting, value in values(report, "resilience") if setting == "availability zones")
    assert zones.startswith(f"{config.network.az_count} ({config.region}a")
    # The same values reach both files.
    assert f"| events kept | {retention.log_days} days |" in markdown
    assert f"{retention.backup_days} days" in text


def test_two_reports_of_the_same_stack_differ_only_in_their_generation_time() -> None:
    # Each report runs its own preview, whose registrations arrive in whatever order the runtime makes them.
    first, second = (
        report_command.build_report(stack_target("globex"), None, None, run_preview=preview) for _ in range(2)
    )
    assert [line for line in render_markdown(first).splitlines() if not line.startswith("Generated")] == [
        line for line in render_markdown(second).splitlines() if not line.startswith("Generated")
    ]


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_organisational_measures_are_stated_as_such(stack: str) -> None:
    report = make_report(stack)
    text = html_text(render_html(report))
    for item in report.measures:
        if item.measure.kind == "organisational":
            assert item.coverage.mark == ORGANISATIONAL
            assert item.policies == () and item.facts.aspects == ()
            assert item.measure.organisational_part in text
        else:
            assert item.coverage.mark != ORGANISATIONAL


def test_without_evidence_no_measure_claims_to_be_verified() -> None:
    report = make_report("acme")
    marks = {item.measure.id: item.coverage.mark for item in report.measures}
    assert VERIFIED not in marks.values()
    assert marks["retention"] == ENFORCED
    assert "no audit evidence was given" in render_markdown(report)


def test_a_retention_change_in_the_stack_file_shows_up_in_the_report(tmp_path: Path) -> None:
    program = tmp_path / "program"
    (program / "stacks").mkdir(parents=True)
    shutil.copy(REPO / "Pulumi.yaml", program)
    shutil.copy(REPO / "__main__.py", program)
    # What the program imports from its folder, and its virtualenv (where toms preview runs it).
    for name in ("components", "policies", "toms"):
        (program / name).symlink_to(REPO / name)
    (program / ".venv").symlink_to(Path(sys.prefix))
    document = yaml.safe_load((REPO / "stacks" / "Pulumi.acme.yaml").read_text(encoding="utf-8"))
    document["config"]["toms:retention"] = {"logDays": 180, "backupDays": 21, "archiveDays": 365}
    (program / "stacks" / "Pulumi.acme.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    target = program_target(program, "acme", [], None, POLICY_CONFIG_DIR / "acme.json")

    report = report_command.build_report(target)

    retention = values(report, "retention")
    assert ("events kept", "180 days") in retention
    assert ("events kept", "90 days") not in retention
    assert ("automated backups kept", "21 days") in retention
    assert ("each object locked for", "365 days") in values(report, "logging")
    assert "| events kept | 180 days |" in render_markdown(report)


# --- live evidence -------------------------------------------------------------------------------------------


def test_passing_audit_and_drill_mark_measures_verified_with_their_date(tmp_path: Path) -> None:
    audit = write_json(tmp_path / "audit.json", audit_json("acme", "eu-west-1"))
    drill = write_json(tmp_path / "drill.json", drill_json("eu-west-1", ACME_DB))

    report = make_report("acme", audit, drill)

    by_id = {item.measure.id: item for item in report.measures}
    for item in report.measures:
        if item.measure.audit_checks:
            assert item.coverage.mark == VERIFIED, item.measure.id
    # The oldest evidence a mark rests on dates it: the drill ran the day before the audit.
    assert by_id["testing"].coverage.label == f"{VERIFIED} (2026-03-01)"
    assert by_id["logging"].coverage.label == f"{VERIFIED} (2026-03-02)"
    assert by_id["identification"].coverage.mark == ENFORCED  # no live check exists for it
    markdown, text = render_markdown(report), html_text(render_html(report))
    for document in (markdown, text):
        assert "Measured restore time: 612.5 s" in document
        assert "2026-03-02 09:00:41 UTC" in document
        assert "cloudtrail-validation" in document
    assert "| rds-backup-retention | PASS |" in markdown


def test_failing_evidence_shows_as_fail_never_verified(tmp_path: Path) -> None:
    failing = {"rds-encryption": "storage is not encrypted"}
    audit = write_json(tmp_path / "audit.json", audit_json("acme", "eu-west-1", failing))
    drill = write_json(tmp_path / "drill.json", drill_json("eu-west-1", ACME_DB, passed=False))

    report = make_report("acme", audit, drill)

    marks = {item.measure.id: item.coverage for item in report.measures}
    assert marks["encryption"].label == f"{LIVE_FAIL} (2026-03-02)"
    assert marks["storage"].mark == LIVE_FAIL
    assert marks["testing"].mark == LIVE_FAIL
    assert marks["logging"].mark == VERIFIED
    markdown = render_markdown(report)
    assert (
        "| rds-encryption | FAIL | arn:aws:example:eu-west-1:111122223333:rds-encryption | storage is not encrypted |"
        in markdown
    )
    assert "Result: FAIL" in markdown
    assert "Error: verify: restored instance is not encrypted with the source's key" in markdown
    coverage_row = next(line for line in markdown.splitlines() if line.startswith("| 1 |"))
    assert LIVE_FAIL in coverage_row and VERIFIED not in coverage_row


def test_an_audit_that_does_not_cover_every_check_verifies_nothing_it_misses(tmp_path: Path) -> None:
    document = audit_json("acme", "eu-west-1")
    document["findings"] = [f for f in document["findings"] if f["check"] != "archive-lifecycle"]
    report = make_report("acme", write_json(tmp_path / "audit.json", document))

    retention = next(item for item in report.measures if item.measure.id == "retention")
    assert retention.coverage.mark == ENFORCED
    assert "live evidence passes for 2 of its 3 checks" in retention.coverage.notes
    assert "| archive-lifecycle | no finding |" in render_markdown(report)


@pytest.mark.parametrize(
    ("level", "findings", "expected"),
    [
        ("disabled", (), INCOMPLETE),
        ("mandatory", ("violation",), PREVIEW_VIOLATION),
    ],
)
def test_passing_live_evidence_does_not_verify_a_measure_the_pack_does_not_enforce(
    level: str, findings: tuple[str, ...], expected: str
) -> None:
    # The verified mark says "built, enforced by the pack, and every live check passed": a policy disabled
    # for the client or violated in its preview contradicts the middle of that, whatever the audit says.
    measure = next(m for m in catalogue.MEASURES if m.kind != "organisational" and m.policies and
                   m.audit_checks and catalogue.RESTORE_DRILL not in m.audit_checks)  # fmt: skip
    audit = AuditEvidence.model_validate(audit_json("acme", "eu-west-1"))
    facts = MeasureFacts(measure, (), ())
    policy_findings = tuple(
        PolicyFinding(measure.policies[0], level, "high", message, "urn:x", "aws:x", "x", "resource")
        for message in findings
    )
    policies = (PolicyResult(measure.policies[0], level, policy_findings),)

    assert coverage(measure, facts, policies, audit, None).mark == expected


# --- output --------------------------------------------------------------------------------------------------


def test_html_is_well_formed_self_contained_and_escapes_evidence(tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script> & <img src="https://example.com/x.png">'
    audit = write_json(tmp_path / "audit.json", audit_json("acme", "eu-west-1", {"kms-rotation": hostile}))
    report = make_report("acme", audit)
    html = render_html(report)

    assert html.startswith("<!DOCTYPE html>\n")
    root = parse_xhtml(html)
    tags = {element.tag.removeprefix(XHTML) for element in root.iter()}
    assert tags.isdisjoint({"script", "img", "link", "iframe", "object"})
    assert not [e for e in root.iter() if {"src", "href"} & set(e.attrib)]
    assert root.find(f"{XHTML}head/{XHTML}style") is not None
    assert "@media print" in html
    assert hostile in html_text(html)
    assert "<script>" not in render_markdown(report)


def test_command_writes_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(report_command, "preview", _preview_of)
    out = tmp_path / "out" / "reports"
    drill = write_json(tmp_path / "drill.json", drill_json("eu-west-1", ACME_DB))

    assert main(["report", "--stack", "acme", "--drill", str(drill), "--out", str(out)]) == 0

    assert sorted(path.name for path in out.iterdir()) == ["acme-toms.html", "acme-toms.md"]
    assert (
        (out / "acme-toms.md")
        .read_text(encoding="utf-8")
        .startswith("# Technical and organisational measures: acme\n")
    )
    parse_xhtml((out / "acme-toms.html").read_text(encoding="utf-8"))
    assert "acme-toms.md" in capsys.readouterr().out


# --- bad input -----------------------------------------------------------------------------------------------


def _bad_audits(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    valid = audit_json("acme", "eu-west-1")
    missing = {key: value for key, value in valid.items() if key != "findings"}
    bad_status = json.loads(json.dumps(valid))
    bad_status["findings"][0]["status"] = "OK"
    unknown_check = json.loads(json.dumps(valid))
    unknown_check["findings"][0]["check"] = "rds-colour"
    drill_instead = drill_json("eu-west-1", ACME_DB)
    (tmp_path / "text.json").write_text("PASS PASS PASS", encoding="utf-8")
    return {
        "not json": (tmp_path / "text.json", "not JSON"),
        "no findings": (write_json(tmp_path / "missing.json", missing), "findings: Field required"),
        "bad status": (write_json(tmp_path / "status.json", bad_status), "findings[0].status"),
        "unknown check": (write_json(tmp_path / "check.json", unknown_check), "'rds-colour' is not an audit check"),
        "a drill file": (write_json(tmp_path / "drill.json", drill_instead), "tool: Input should be 'toms audit'"),
        "another client": (write_json(tmp_path / "globex.json", audit_json("globex", "eu-west-1")),
                           "client: the audit is of 'globex'; expected 'acme'"),
        "another region": (write_json(tmp_path / "region.json", audit_json("acme", "us-east-1")),
                           "region: the audit ran in us-east-1; expected eu-west-1"),
        "a list": (write_json(tmp_path / "list.json", [valid]), "a JSON object at the top level"),
        "no file": (tmp_path / "absent.json", "no such file"),
    }  # fmt: skip


@pytest.mark.parametrize(
    "case",
    ["not json", "no findings", "bad status", "unknown check", "a drill file", "another client",
     "another region", "a list", "no file"],
)  # fmt: skip
def test_bad_audit_file_exits_2_naming_the_file(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, expected = _bad_audits(tmp_path)[case]
    out = tmp_path / "out"

    assert main(["report", "--stack", "acme", "--audit", str(path), "--out", str(out)]) == 2

    error = capsys.readouterr().err
    assert error.startswith(f"toms report: error: {path}: ")
    assert expected in error
    assert "Traceback" not in error
    assert not out.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"result": "MAYBE"}, "result: Input should be 'PASS' or 'FAIL'"),
        ({"region": "eu-north-1"}, "region: the drill ran in eu-north-1; expected eu-west-1"),
        ({"steps": "all good"}, "steps: Input should be a valid list"),
        ({"restore_seconds": -3}, "restore_seconds: Input should be greater than or equal to 0"),
        ({"tool": "toms audit"}, "tool: Input should be 'toms restore-drill'"),
    ],
)
def test_bad_drill_file_exits_2_naming_the_file(
    change: dict[str, Any], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_json(tmp_path / "drill.json", {**drill_json("eu-west-1", ACME_DB), **change})

    assert main(["report", "--stack", "acme", "--drill", str(path), "--out", str(tmp_path / "out")]) == 2

    error = capsys.readouterr().err
    assert error.startswith(f"toms report: error: {path}: ")
    assert expected in error


def test_drill_of_another_database_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(report_command, "preview", _preview_of)
    path = write_json(tmp_path / "drill.json", drill_json("eu-west-1", "toms-globex"))

    assert main(["report", "--stack", "acme", "--drill", str(path), "--out", str(tmp_path / "out")]) == 2

    assert (
        "source.db_instance: the drill restored 'toms-globex'; expected the client's database (toms-acme)"
        in (capsys.readouterr().err)
    )


def test_unknown_stack_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--stack", "umbrella", "--out", str(tmp_path)]) == 2
    assert "Pulumi.umbrella.yaml: no such stack file" in capsys.readouterr().err
