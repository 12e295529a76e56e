"""`make sample-report`: the sample evidence report in docs/sample-report/, from evidence taken with the real
`toms audit` and `toms restore-drill` code against moto (acme's baseline built in acme's account as the
program builds it), then written by `toms report` with the report's clock set an hour after the evidence.

`render` alone rewrites the report from the checked-in evidence; `tests/toms/report/test_sample_report.py`
does that into a temporary folder and fails when docs/sample-report/ differs.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from moto import mock_aws
from rich.console import Console

from components.database import instance_identifier
from tests.toms.moto_baseline import build_baseline, fake_aws_environment, in_account, stack_config
from toms.live.auditor import run_audit
from toms.live.drill import RestoreDrill
from toms.live.models import AuditResult, DrillEvidence
from toms.live.session import AwsSession
from toms.preview.run import stack_target
from toms.report.command import build_report, write_report

REPO = Path(__file__).resolve().parents[3]
SAMPLE_DIR = REPO / "docs" / "sample-report"
AUDIT_FILE = SAMPLE_DIR / "evidence" / "acme-audit.json"
DRILL_FILE = SAMPLE_DIR / "evidence" / "acme-drill.json"
CLIENT = "acme"


def take_evidence() -> None:
    """Audit and drill acme's baseline in moto; write both evidence files."""
    config = stack_config(CLIENT)
    with fake_aws_environment(), mock_aws(), in_account(config.account_id):
        build_baseline(config)
        session = AwsSession(config.region)
        audit = run_audit(session, CLIENT, config, expected_from=f"stacks/Pulumi.{CLIENT}.yaml")
        drill = RestoreDrill(
            session, instance_identifier(CLIENT), waiter_delay=0.01, console=Console(file=io.StringIO())
        ).run(clean_up_previous=False)
    AUDIT_FILE.write_text(audit.to_json(), encoding="utf-8")
    DRILL_FILE.write_text(drill.to_json(), encoding="utf-8")


def render(out_dir: Path) -> tuple[Path, Path]:
    """The report of the checked-in evidence, dated an hour after the later of the two."""
    audit = AuditResult.model_validate_json(AUDIT_FILE.read_text(encoding="utf-8"))
    drill = DrillEvidence.model_validate_json(DRILL_FILE.read_text(encoding="utf-8"))
    report_time = max(audit.finished_at, drill.finished_at) + timedelta(hours=1)
    report = build_report(stack_target(CLIENT), AUDIT_FILE, DRILL_FILE, now=lambda: report_time)
    return write_report(report, out_dir)


def main() -> None:
    take_evidence()
    for path in render(SAMPLE_DIR):
        print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
