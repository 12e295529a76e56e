"""`toms report`: every annex line, each client's own values, the first page, well-formed HTML, bad evidence.

Each example stack is previewed once (program under mocks + the policy pack as its own process) and the
preview is reused by the tests of that stack; the retention test previews a modified copy of a stack file.
Coverage statuses are tested in `test_coverage.py`.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from policies.toms_pack import catalogue
from tests.conftest import EXAMPLE_STACKS, REPO, reused_pack_process
from tests.toms.report.reporting import (
    REPORT_TIME,
    XHTML,
    audit_result,
    drill_evidence,
    html_text,
    make_report,
    parse_xhtml,
    preview_of,
    stack_config,
    values,
    write,
)
from toms.__main__ import main
from toms.markdown import md
from toms.preview.model import PreviewTarget, StackPreview
from toms.preview.run import policy_config_dir, preview, program_target, stack_target
from toms.report import command as report_command
from toms.report.coverage import ORGANISATIONAL, VERIFIED
from toms.report.render import css_string, render_html, render_markdown

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
    assert ("each object locked for", f"{retention.archive_retention_days} days") in values(
        report, "retention"
    )
    assert ("lock mode", config.archive.lock_mode) in values(report, "retention")
    assert ("TLS policy", config.load_balancer.tls_policy) in values(report, "transmission")
    assert ("replicas (desired tasks)", str(config.service.replicas)) in values(report, "resilience")
    assert ("autoscaling maximum", str(config.service.autoscaling_max)) in values(report, "resilience")
    assert ("instance class", config.database.instance_class) in values(report, "resilience")
    multi_az = "on" if config.database.multi_az else "off"
    assert ("Multi-AZ (standby in a second zone)", multi_az) in values(report, "resilience")
    assert ("automatic key rotation", "on") in values(report, "encryption")
    assert ("deletion window", "30 days") in values(report, "encryption")
    assert ("account", config.account_id) in {("account", report.account)}
    zones = next(value for setting, value in values(report, "resilience") if setting == "availability zones")
    assert zones.startswith(f"{config.network.az_count} ({config.region}a")
    # The same values reach both files.
    assert f"| events kept | {retention.log_days} days |" in markdown
    assert f"{retention.backup_days} days" in text


def test_two_reports_of_the_same_stack_differ_only_in_their_generation_time() -> None:
    # Each report runs its own preview, whose registrations arrive in whatever order the runtime makes them.
    def run_preview(target: PreviewTarget) -> StackPreview:
        return preview(target, pack=reused_pack_process())

    first, second = (
        report_command.build_report(stack_target("globex"), None, None, run_preview=run_preview)
        for _ in range(2)
    )
    assert [
        line for line in render_markdown(first).splitlines() if not line.startswith("| Report date |")
    ] == [line for line in render_markdown(second).splitlines() if not line.startswith("| Report date |")]


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_organisational_measures_are_stated_as_such(stack: str) -> None:
    report = make_report(stack)
    text = html_text(render_html(report))
    for item in report.measures:
        if item.measure.kind == "organisational":
            assert item.coverage.status == ORGANISATIONAL
            assert item.policies == () and item.facts.aspects == ()
            assert item.measure.organisational_part in text
        else:
            assert item.coverage.status != ORGANISATIONAL


def test_without_evidence_no_measure_claims_to_be_verified() -> None:
    report = make_report("acme")
    assert VERIFIED not in {entry.coverage.status for entry in report.measures}
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
    target = program_target(program, "acme", [], None, policy_config_dir() / "acme.json")

    report = report_command.build_report(target, now=lambda: REPORT_TIME)

    retention = values(report, "retention")
    assert ("events kept", "180 days") in retention
    assert ("events kept", "90 days") not in retention
    assert ("automated backups kept", "21 days") in retention
    assert ("each object locked for", "365 days") in values(report, "retention")
    assert "| events kept | 180 days |" in render_markdown(report)


# --- output --------------------------------------------------------------------------------------------------


def test_html_is_well_formed_self_contained_and_escapes_evidence(tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script> & <img src="https://example.com/x.png">'
    audit = write(tmp_path / "audit.json", audit_result(failing={"kms-rotation": hostile}))
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
    monkeypatch.setattr(report_command, "preview", preview_of)
    out = tmp_path / "out" / "reports"
    drill = write(tmp_path / "drill.json", drill_evidence())

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
    valid = json.loads(audit_result().to_json())
    missing = {key: value for key, value in valid.items() if key != "findings"}
    no_account = {key: value for key, value in valid.items() if key != "account"}
    bad_status = json.loads(json.dumps(valid))
    bad_status["findings"][0]["status"] = "OK"
    miscounted = json.loads(json.dumps(valid))
    miscounted["summary"]["PASS"] += 1
    unknown_check = json.loads(json.dumps(valid))
    unknown_check["findings"][0]["check"] = "rds-colour"
    (tmp_path / "text.json").write_text("PASS PASS PASS", encoding="utf-8")

    def document(name: str, content: Any) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(content), encoding="utf-8")
        return path

    future = REPORT_TIME.replace(year=2027)
    return {
        "not json": (tmp_path / "text.json", "not JSON"),
        "no findings": (document("missing.json", missing), "findings: Field required"),
        "no account": (document("no-account.json", no_account), "account: Field required"),
        "bad status": (document("status.json", bad_status), "findings[0].status"),
        "miscounted": (document("count.json", miscounted), "summary does not count the findings"),
        "unknown check": (document("check.json", unknown_check), "'rds-colour' is not an audit check"),
        "a drill file": (write(tmp_path / "drill.json", drill_evidence()), "tool: Input should be 'toms audit'"),
        "another client": (write(tmp_path / "globex.json", audit_result("globex", region="eu-west-1",
                                                                     account="111122223333")),
                           "client: the audit is of 'globex'; expected 'acme'"),
        "another account": (write(tmp_path / "account.json", audit_result(account="123456789012")),
                            "account: the evidence was taken in account 123456789012; expected 111122223333, "
                            "the only account stacks/Pulumi.acme.yaml deploys acme into"),
        "another region": (write(tmp_path / "region.json", audit_result(region="us-east-1")),
                           "region: the evidence was taken in us-east-1; expected eu-west-1"),
        "from the future": (write(tmp_path / "future.json", audit_result(finished=future)),
                            "finished_at: 2027-03-10T12:00:00+00:00 is after this report's time"),
        "a list": (document("list.json", [valid]), "a JSON object at the top level"),
        "no file": (tmp_path / "absent.json", "no such file"),
    }  # fmt: skip


@pytest.mark.parametrize(
    "case",
    ["not json", "no findings", "no account", "bad status", "miscounted", "unknown check", "a drill file",
     "another client", "another account", "another region", "from the future", "a list", "no file"],
)  # fmt: skip
def test_bad_audit_file_exits_2_naming_the_file(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, expected = _bad_audits(tmp_path)[case]
    out = tmp_path / "out"

    with pytest.raises(report_command.EvidenceError) as refused:
        make_report("acme", path)
    assert str(refused.value).startswith(f"{path}: ")
    assert expected in str(refused.value)
    # The command says the same in one line and writes nothing.
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
        ({"region": "eu-north-1"}, "region: the evidence was taken in eu-north-1; expected eu-west-1"),
        ({"account": "999999999999"}, "account: the evidence was taken in account 999999999999"),
        ({"partition": "aws-cn"}, "partition: the evidence was taken in partition aws-cn; expected aws"),
        ({"account": None}, "account: Input should be a valid string"),
        ({"steps": "all good"}, "steps: Input should be a valid list"),
        ({"restore_seconds": -3}, "restore_seconds: Input should be greater than or equal to 0"),
        ({"tool": "toms audit"}, "tool: Input should be 'toms restore-drill'"),
    ],
)
def test_bad_drill_file_exits_2_naming_the_file(
    change: dict[str, Any],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "drill.json"
    path.write_text(json.dumps({**json.loads(drill_evidence().to_json()), **change}), encoding="utf-8")

    def no_preview(*_: Any) -> None:
        raise AssertionError("a drill file that cannot be used is refused before the stack is previewed")

    monkeypatch.setattr(report_command, "preview", no_preview)

    assert main(["report", "--stack", "acme", "--drill", str(path), "--out", str(tmp_path / "out")]) == 2

    error = capsys.readouterr().err
    assert error.startswith(f"toms report: error: {path}: ")
    assert expected in error


def test_drill_of_another_database_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(report_command, "preview", preview_of)
    path = write(tmp_path / "drill.json", drill_evidence("toms-globex"))

    assert main(["report", "--stack", "acme", "--drill", str(path), "--out", str(tmp_path / "out")]) == 2

    assert (
        "source.db_instance: the drill restored 'toms-globex'; expected the client's database (toms-acme)"
        in (capsys.readouterr().err)
    )


def test_unknown_stack_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--stack", "umbrella", "--out", str(tmp_path)]) == 2
    assert "Pulumi.umbrella.yaml: no such stack file" in capsys.readouterr().err


def test_the_output_folder_is_checked_before_the_preview_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_preview(*_: Any) -> None:
        raise AssertionError("the report previewed the stack before checking --out")

    monkeypatch.setattr(report_command, "preview", no_preview)
    a_file = tmp_path / "report.md"
    a_file.write_text("", encoding="utf-8")

    assert main(["report", "--stack", "acme", "--out", str(a_file)]) == 2
    assert (
        capsys.readouterr().err.strip() == f"toms report: error: --out {a_file}: is a file; expected a folder"
    )


def test_the_first_page_has_what_an_auditor_reads_first(tmp_path: Path) -> None:
    audit = write(tmp_path / "audit.json", audit_result(failing={"kms-rotation": "automatic rotation off"}))
    report = make_report("acme", audit, write(tmp_path / "drill.json", drill_evidence()))
    markdown = render_markdown(report)
    first_page = markdown.split("\n## Coverage\n", 1)[0]

    for line in (
        "| Client | acme |",
        "| AWS account | 111122223333 (aws) |",
        "| Region | eu-west-1 |",
        "| Report date | 2026-03-10 12:00:00 UTC |",
        f"| Live audit | {md(str(audit))} | 2026-03-02 09:00:41 UTC | 8 days | 26 PASS, 1 FAIL, 0 ERROR, 0 EXCEPTION |",
        f"| Restore drill | {md(str(tmp_path / 'drill.json'))} | 2026-03-01 22:12:00 UTC | 8 days | PASS for "
        "toms-acme |",
        "| live audit | kms-rotation FAIL | arn:aws:example:eu-west-1:111122223333:kms-rotation | automatic "
        "rotation off |",
    ):
        assert line in first_page, line
    for status, count in report.status_counts:
        assert f"| {status} | {count} |" in first_page
    assert "### Waivers and weakened policies" in first_page
    # The HTML puts the same on a page of its own.
    root = parse_xhtml(render_html(report))
    summary = next(e for e in root.iter(f"{XHTML}section") if e.get("id") == "summary")
    assert "111122223333 (aws)" in " ".join(summary.itertext())


def test_printed_pages_are_numbered_and_carry_the_client_and_date() -> None:
    html = render_html(make_report("acme"))
    assert 'content: "page " counter(page) " of " counter(pages)' in html
    assert '@top-left { content: "toms evidence: acme"' in html
    assert '@top-right { content: "report of 2026-03-10"' in html
    assert ".summary { break-after: page; }" in html


def test_the_running_header_cannot_break_out_of_its_css_string_or_style_element() -> None:
    hostile = 'x"; } body { display: none } </style><script>alert(1)</script> & \\'
    literal = css_string(hostile)
    assert literal.startswith('"') and literal.endswith('"')
    assert not set('<>&"\\') & set(literal[1:-1].replace("\\22 ", "").replace("\\3c ", "").replace(
        "\\3e ", "").replace("\\26 ", "").replace("\\5c ", ""))  # fmt: skip
