"""Shared by the report's tests: previews of the example stacks (tests/conftest.py, once per process), evidence
written with the tools' own models, and the report's HTML read back as XML."""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

from components.config import ClientConfig, parse_client_config
from policies.toms_pack import catalogue
from tests.conftest import REPO, example_stack_preview
from toms import __version__
from toms.live.checks import load_checks
from toms.live.models import (
    AuditFinding,
    AuditResult,
    AuditStatus,
    AuditSummary,
    DrillEvidence,
    DrillSnapshot,
    DrillSource,
    DrillStep,
)
from toms.preview.model import PreviewTarget, StackPreview
from toms.preview.run import stack_target
from toms.project import read_stack_file
from toms.report import command as report_command
from toms.report.model import Report
from toms.report.render import value_rows

# The report's own clock in these tests: the audit ran 8 days before it, the drill 9.
REPORT_TIME = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
AUDIT_STARTED = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
AUDIT_FINISHED = AUDIT_STARTED + timedelta(seconds=41)
DRILL_STARTED = datetime(2026, 3, 1, 22, 0, 0, tzinfo=UTC)
XHTML = "{http://www.w3.org/1999/xhtml}"
ACME_DB = "toms-acme"


def preview_of(target: PreviewTarget) -> StackPreview:
    return example_stack_preview(target.stack)


@functools.cache
def stack_config(stack: str) -> ClientConfig:
    path = REPO / "stacks" / f"Pulumi.{stack}.yaml"
    return parse_client_config(read_stack_file(path), str(path))


def make_report(
    stack: str, audit: Path | None = None, drill: Path | None = None, *, now: datetime = REPORT_TIME
) -> Report:
    return report_command.build_report(
        stack_target(stack), audit, drill, run_preview=preview_of, now=lambda: now
    )


def item(report: Report, measure_id: str) -> report_command.MeasureReport:
    return next(entry for entry in report.measures if entry.measure.id == measure_id)


def values(report: Report, measure_id: str) -> set[tuple[str, str]]:
    """(setting, value) pairs the report shows for a measure."""
    return {(row[3], row[4]) for row in value_rows(item(report, measure_id))}


def parse_xhtml(document: str) -> ET.Element:
    """The report's HTML parsed by a strict XML parser (after the doctype line); any malformation raises."""
    return ET.fromstring(document.split("\n", 1)[1])  # noqa: S314 - the report we just generated


def html_text(document: str) -> str:
    root = parse_xhtml(document)
    return " ".join(" ".join(element.itertext()) for element in root.iter(f"{XHTML}body"))


def audit_result(
    client: str = "acme",
    *,
    failing: dict[str, str] | None = None,
    account: str | None = None,
    region: str | None = None,
    finished: datetime = AUDIT_FINISHED,
    leave_out: tuple[str, ...] = (),
) -> AuditResult:
    """Evidence as `toms audit --json` writes it: every registered check, PASS unless listed as failing."""
    config = stack_config(client if client in ("acme", "globex", "initech") else "acme")
    failing = failing or {}
    region = region or config.region
    account = account or config.account_id
    findings = [
        AuditFinding(
            check=check,
            status="FAIL" if check in failing else "PASS",
            resource=f"arn:aws:example:{region}:{account}:{check}",
            measures=[measure.id for measure in catalogue.measures_for_audit_check(check)],
            observed={"checked": True},
            message=failing.get(check, f"{check} as the baseline builds it"),
        )
        for check in load_checks()
        if check not in leave_out
    ]
    return AuditResult(
        toms_version=__version__,
        account=account,
        partition="aws",
        region=region,
        started_at=finished - timedelta(seconds=41),
        finished_at=finished,
        client=client,
        expected_from=f"stacks/Pulumi.{client}.yaml",
        summary=AuditSummary.of(findings),
        findings=findings,
    )


def drill_evidence(
    db_instance: str = ACME_DB,
    *,
    passed: bool = True,
    account: str | None = None,
    region: str | None = None,
    started: datetime = DRILL_STARTED,
) -> DrillEvidence:
    """Evidence as `toms restore-drill --evidence` writes it."""
    config = stack_config("acme")
    account, region = account or config.account_id, region or config.region
    names = ("restore", "wait-available", "verify", "delete", "wait-deleted")
    status: list[AuditStatus | str] = ["ok"] * len(names)
    if not passed:
        status[2] = "failed"
    steps = [
        DrillStep(
            name=name,
            started_at=started + timedelta(minutes=index),
            finished_at=started + timedelta(minutes=index + 1),
            seconds=60.0,
            status="ok" if status[index] == "ok" else "failed",
            detail="restored instance is not encrypted with the source's key"
            if status[index] != "ok"
            else "",
        )
        for index, name in enumerate(names)
    ]
    return DrillEvidence(
        toms_version=__version__,
        account=account,
        partition="aws",
        region=region,
        started_at=started,
        finished_at=started + timedelta(minutes=12),
        source=DrillSource(
            db_instance=db_instance,
            arn=f"arn:aws:rds:{region}:{account}:db:{db_instance}",
            engine="postgres",
            engine_version="16.8",
            kms_key_id=f"arn:aws:kms:{region}:{account}:key/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01",
        ),
        snapshot=DrillSnapshot(
            id=f"rds:{db_instance}-2026-03-01-03-10",
            type="automated",
            created_at=datetime(2026, 3, 1, 3, 10, tzinfo=UTC),
        ),
        temporary_instance=f"{db_instance}-drill-20260301220000",
        steps=steps,
        restore_seconds=612.5,
        result="PASS" if passed else "FAIL",
        error=None if passed else "verify failed: restored instance is not encrypted with the source's key",
    )


def write(path: Path, evidence: AuditResult | DrillEvidence) -> Path:
    path.write_text(evidence.to_json(), encoding="utf-8")
    return path
