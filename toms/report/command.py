"""`python -m toms report`: the annex's measures as implemented for one client, for the client's auditor.

The annex is laid out from the measure catalogue (`policies/toms_pack/catalogue.py`), never from prose kept
by hand. For each measure the report shows what the program builds for the client (values read from the
resources of an offline preview of the client's stack: one program run and one policy pack session), the
policies that enforce it with their enforcement level, waivers and verdict in that preview, the live
evidence of `toms audit --json` and `toms restore-drill --evidence` when given, and the coverage status
those lead to (`toms/report/coverage.py`). Evidence of another account, partition or region than the
stack's is refused.

Exit codes: 0 the report was written, 2 a usage, stack, evidence or policy pack problem (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from components.config import StackConfigError, parse_client_config
from policies.toms_pack import catalogue
from toms import __version__
from toms.offline.mock_runtime import ProgramError
from toms.output_paths import OutputPathError, check_output_folder, write_text
from toms.preview.console import shown_path
from toms.preview.fleet import collect_previews, default_jobs
from toms.preview.model import PreviewError, PreviewFailure, PreviewOutcome, PreviewTarget, StackPreview
from toms.preview.run import default_pack, load_policy_config, preview, repo_stacks, stack_target
from toms.project import ProjectFileError
from toms.report import fleet
from toms.report.coverage import coverage, evidence_checks
from toms.report.evidence import EvidenceError, check_drill_source, load_audit, load_drill
from toms.report.model import CheckEvidence, MeasureReport, Report
from toms.report.policy_state import policy_results
from toms.report.render import render_html, render_markdown
from toms.report.values import database_identifiers, from_preview, measure_facts

COMMAND = "report"
HELP = "Write a client's evidence report: every annex measure, how it is built, enforced and verified."


class ReportError(Exception):
    """The report cannot be made as asked; the message names the file and what was expected."""


def build_report(
    target: PreviewTarget,
    audit_file: Path | None = None,
    drill_file: Path | None = None,
    *,
    run_preview: Callable[[PreviewTarget], StackPreview] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Report:
    """Preview the stack once, read the evidence, and put together the report. Raises ReportError."""
    generated_at = now().replace(microsecond=0)
    source = shown_path(target.stack_file) or target.stack
    try:
        config = parse_client_config(target.config, source, stack=target.stack)
    except StackConfigError as error:
        raise ReportError(str(error)) from None
    # Evidence is read and bound before the preview, so a wrong file is refused at once.
    audit = load_audit(audit_file, config, source, generated_at) if audit_file else None
    drill = load_drill(drill_file, config, source, generated_at) if drill_file else None
    policy_config = load_policy_config(target.policy_config_file)
    stack_preview = (run_preview or preview)(target)
    resources = from_preview(stack_preview.resources)
    if drill is not None and drill_file is not None:
        check_drill_source(drill, drill_file, database_identifiers(resources))
    facts = measure_facts(resources, config.region)
    in_pack = {policy.name for policy in stack_preview.pack.policies}
    measures = []
    for number, measure in enumerate(catalogue.MEASURES, start=1):
        policies = policy_results(
            measure.policies,
            stack_preview.levels,
            in_pack,
            stack_preview.findings,
            policy_config,
            generated_at.date(),
        )
        measure_facts_ = facts[measure.id]
        measures.append(
            MeasureReport(
                number=number,
                measure=measure,
                coverage=coverage(
                    measure, measure_facts_.missing_components, policies, audit, drill, generated_at
                ),
                facts=measure_facts_,
                policies=policies,
                audit=tuple(
                    CheckEvidence(check, tuple(audit.findings_for((check,))))
                    for check in evidence_checks(measure)
                )
                if audit is not None
                else None,
                drill=drill if catalogue.RESTORE_DRILL in measure.audit_checks else None,
            )
        )
    return Report(
        client=config.client,
        stack=target.stack,
        account=config.account_id,
        partition=config.partition,
        region=config.region,
        generated_at=generated_at,
        toms_version=__version__,
        pack_name=stack_preview.pack.name,
        pack_version=stack_preview.pack.version,
        stack_file=shown_path(target.stack_file),
        policy_config_file=shown_path(target.policy_config_file),
        preview_counts={level: stack_preview.count(level) for level in ("mandatory", "advisory")},
        preview_findings=stack_preview.findings,
        audit=audit,
        audit_file=shown_path(audit_file),
        drill=drill,
        drill_file=shown_path(drill_file),
        measures=tuple(measures),
    )


def report_paths(client: str, out_dir: Path) -> tuple[Path, Path]:
    return out_dir / f"{client}-toms.md", out_dir / f"{client}-toms.html"


def write_report(report: Report, out_dir: Path) -> tuple[Path, Path]:
    """Write `<client>-toms.md` and `<client>-toms.html` into `out_dir`; both or neither."""
    markdown, html = render_markdown(report), render_html(report)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ReportError(f"--out {out_dir}: cannot create the folder: {error}") from None
    paths = report_paths(report.client, out_dir)
    written: list[Path] = []
    try:
        for path, content in zip(paths, (markdown, html), strict=True):
            write_text(path, content, "--out")
            written.append(path)
    except OutputPathError as error:
        for path in written:
            path.unlink(missing_ok=True)
        raise ReportError(str(error)) from None
    return paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--stack", metavar="CLIENT", help="the client's stack, e.g. acme")
    which.add_argument(
        "--all", action="store_true", help="every client's report, and index.html with the whole fleet"
    )
    parser.add_argument("--audit", type=Path, metavar="FILE", help="evidence from `toms audit --json`")
    parser.add_argument(
        "--drill", type=Path, metavar="FILE", help="evidence from `toms restore-drill --evidence`"
    )
    parser.add_argument(
        "--audit-dir",
        type=Path,
        metavar="DIR",
        help="with --all: each client's audit evidence as <client>.json (`toms audit --all --out` writes it)",
    )
    parser.add_argument(
        "--drill-dir",
        type=Path,
        metavar="DIR",
        help="with --all: each client's drill evidence as <client>.json",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="with --all: stacks previewed at once (default: the number of cores)",
    )
    parser.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder to write the report to"
    )


def run(args: argparse.Namespace) -> int:
    if args.all:
        if args.audit or args.drill:
            print(
                "toms report: error: --audit, --drill go with --stack (--all reads --audit-dir, --drill-dir)",
                file=sys.stderr,
            )
            return 2
        if args.jobs is not None and args.jobs < 1:
            print(f"toms report: error: --jobs {args.jobs}: expected at least 1", file=sys.stderr)
            return 2
        return run_all(args)
    if args.audit_dir or args.drill_dir or args.jobs is not None:
        print("toms report: error: --audit-dir, --drill-dir and --jobs go with --all", file=sys.stderr)
        return 2
    try:
        check_output_folder(args.out, "--out")
        report = build_report(stack_target(args.stack), args.audit, args.drill)
        markdown_path, html_path = write_report(report, args.out)
    except (
        OutputPathError,
        PreviewError,
        ProgramError,
        ProjectFileError,
        EvidenceError,
        ReportError,
    ) as error:
        print(f"toms report: error: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {markdown_path} and {html_path}")
    return 0


# --- report --all ---------------------------------------------------------------------------------------


def _evidence_file(folder: Path | None, client: str) -> Path | None:
    if folder is None:
        return None
    path = folder / f"{client}.json"
    return path if path.is_file() else None


def _client_row(
    target: PreviewTarget,
    outcome: PreviewOutcome,
    args: argparse.Namespace,
    now: Callable[[], datetime],
) -> fleet.IndexRow:
    if isinstance(outcome, PreviewFailure):
        return fleet.problem_row(target.stack, f"the preview failed: {outcome.message}")
    try:
        report = build_report(
            target,
            _evidence_file(args.audit_dir, target.stack),
            _evidence_file(args.drill_dir, target.stack),
            run_preview=lambda _: outcome,
            now=now,
        )
        _, html = write_report(report, args.out)
    except (EvidenceError, ReportError) as error:
        for path in report_paths(target.stack, args.out):
            path.unlink(missing_ok=True)  # an earlier run's report must not read as this run's
        return fleet.problem_row(target.stack, str(error))
    return fleet.report_row(report, html.name)


def run_all(args: argparse.Namespace, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> int:
    """Every stack previewed in parallel (as `preview --all`), each client's report, then the fleet index."""
    generated_at = now().replace(microsecond=0)
    try:
        for option, folder in (("--audit-dir", args.audit_dir), ("--drill-dir", args.drill_dir)):
            if folder is not None and not folder.is_dir():
                raise ReportError(f"{option} {folder}: no such folder")
        check_output_folder(args.out, "--out")
        args.out.mkdir(parents=True, exist_ok=True)
        rows: list[fleet.IndexRow] = []
        targets: list[PreviewTarget] = []
        for stack in repo_stacks():
            try:
                targets.append(stack_target(stack))
            except (PreviewError, ProgramError, ProjectFileError) as error:
                rows.append(fleet.problem_row(stack, str(error)))
        # Each client's report is written as its preview comes in; only its index row is kept.
        rows += collect_previews(
            targets,
            default_pack(),
            args.jobs or default_jobs(),
            keep=lambda target, outcome: _client_row(target, outcome, args, lambda: generated_at),
        )
        index = fleet.fleet_index(rows, generated_at)
        write_text(args.out / fleet.INDEX_FILE, fleet.render_index(index), "--out")
    except (OutputPathError, ReportError) as error:
        print(f"toms report: error: {error}", file=sys.stderr)
        return 2
    written = sum(1 for row in index.rows if row.report)
    print(
        f"Wrote {written} client reports and {shown_path(args.out / fleet.INDEX_FILE)}: "
        f"{index.needing_attention} of {len(index.rows)} clients need attention"
    )
    for row in index.rows:
        if row.problem:
            print(f"  {row.client}: no report: {row.problem}", file=sys.stderr)
    return 0 if written == len(index.rows) else 2
