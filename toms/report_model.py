"""The evidence report's content, independent of its format: per measure, its coverage mark, the values the
program builds, the policies' verdicts and the live evidence (`toms/report.py` assembles it,
`toms/report_render.py` writes it out)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from policies.toms_pack import catalogue
from toms.preview.model import Finding as PolicyFinding
from toms.report_evidence import AuditEvidence, AuditFinding, DrillEvidence
from toms.report_values import MeasureFacts

# The coverage marks, strongest claim first; the legend explains each in the report.
VERIFIED = "verified live"
ENFORCED = "enforced by code and policy"
ORGANISATIONAL = "organisational only"
LIVE_FAIL = "FAIL in live evidence"
LIVE_ERROR = "ERROR in live evidence"
PREVIEW_VIOLATION = "violates a policy in the preview"
INCOMPLETE = "incomplete"

MARK_MEANINGS: tuple[tuple[str, str], ...] = (
    (VERIFIED, "built by the program, enforced by the policy pack, and every live check of it passed "
     "(date of the evidence)"),
    (ENFORCED, "built by the program and enforced by the policy pack on every preview; no live evidence "
     "given for all of its checks"),
    (ORGANISATIONAL, "a process or document, not an infrastructure control; what backs it is stated"),
    (LIVE_FAIL, "a live check or the restore drill failed (date of the evidence)"),
    (LIVE_ERROR, "a live check could not run (date of the evidence)"),
    (PREVIEW_VIOLATION, "the policy pack reports a mandatory violation in this client's preview"),
    (INCOMPLETE, "a component or policy this measure needs is not built, not in the pack or disabled"),
)  # fmt: skip


@dataclass(frozen=True)
class PolicyResult:
    name: str
    # The enforcement level once the client's policy config is applied; "" when the pack lacks the policy.
    level: str
    findings: tuple[PolicyFinding, ...]

    @property
    def in_pack(self) -> bool:
        return bool(self.level)

    @property
    def result(self) -> str:
        if not self.in_pack:
            return "not in the policy pack"
        if self.level == "disabled":
            return "disabled, not evaluated"
        if not self.findings:
            return "no violation"
        counts = Counter(finding.enforcement_level for finding in self.findings)
        return ", ".join(
            f"{count} {level} finding{'s' if count != 1 else ''}" for level, count in counts.items()
        )


@dataclass(frozen=True)
class CheckEvidence:
    check: str
    findings: tuple[AuditFinding, ...]


@dataclass(frozen=True)
class Coverage:
    mark: str
    # The date of the live evidence the mark rests on, for live marks.
    evidence_date: date | None
    notes: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.mark} ({self.evidence_date.isoformat()})" if self.evidence_date else self.mark


@dataclass(frozen=True)
class MeasureReport:
    number: int
    measure: catalogue.Measure
    coverage: Coverage
    facts: MeasureFacts
    policies: tuple[PolicyResult, ...]
    # None when no audit was given; else one entry per audit check of the measure.
    audit: tuple[CheckEvidence, ...] | None
    # The drill, for the measures it verifies, when given.
    drill: DrillEvidence | None

    @property
    def uses_drill(self) -> bool:
        return catalogue.RESTORE_DRILL in self.measure.audit_checks


@dataclass(frozen=True)
class Report:
    client: str
    stack: str
    region: str
    generated_at: datetime
    toms_version: str
    pack_name: str
    pack_version: str
    stack_file: str
    policy_config_file: str
    preview_counts: Mapping[str, int]
    audit: AuditEvidence | None
    audit_file: str
    drill: DrillEvidence | None
    drill_file: str
    measures: tuple[MeasureReport, ...]


def evidence_checks(measure: catalogue.Measure) -> tuple[str, ...]:
    return tuple(check for check in measure.audit_checks if check != catalogue.RESTORE_DRILL)


def coverage(
    measure: catalogue.Measure,
    facts: MeasureFacts,
    policies: tuple[PolicyResult, ...],
    audit: AuditEvidence | None,
    drill: DrillEvidence | None,
) -> Coverage:
    """The coverage mark of one measure: live evidence first (a failure always shows), then the preview."""
    if measure.kind == "organisational":
        return Coverage(ORGANISATIONAL, None, ())
    notes: list[str] = []
    notes += [f"{component} is not built by the program" for component in facts.missing_components]
    notes += [f"policy {policy.name} is not in the policy pack" for policy in policies if not policy.in_pack]
    notes += [f"policy {policy.name} is disabled for this client" for policy in policies
              if policy.level == "disabled"]  # fmt: skip
    violations = [policy.name for policy in policies if any(f.mandatory for f in policy.findings)]
    if violations:
        notes.append(f"mandatory violations in the preview: {', '.join(violations)}")

    statuses: list[str] = []
    dates: list[date] = []
    covered = 0
    checks = evidence_checks(measure)
    if audit is not None:
        for check in checks:
            findings = audit.findings_for((check,))
            statuses += [finding.status for finding in findings]
            covered += bool(findings)
        if any(audit.findings_for((check,)) for check in checks):
            dates.append(audit.finished_at.astimezone(UTC).date())
    if catalogue.RESTORE_DRILL in measure.audit_checks and drill is not None:
        statuses.append(drill.result)
        covered += 1
        dates.append((drill.finished_at or drill.started_at).astimezone(UTC).date())
    evidence_date = min(dates) if dates else None
    if "FAIL" in statuses:
        return Coverage(LIVE_FAIL, evidence_date, tuple(notes))
    if "ERROR" in statuses:
        return Coverage(LIVE_ERROR, evidence_date, tuple(notes))
    incomplete = bool(facts.missing_components) or any(
        not p.in_pack or p.level == "disabled" for p in policies
    )
    # Verified claims built and enforced as well as checked live: passing checks cannot stand in for a
    # policy that is missing, disabled or violated in the preview.
    if measure.audit_checks and covered == len(measure.audit_checks) and not incomplete and not violations:
        return Coverage(VERIFIED, evidence_date, tuple(notes))
    if measure.audit_checks and covered:
        notes.append(f"live evidence passes for {covered} of its {len(measure.audit_checks)} checks")
    if incomplete:
        return Coverage(INCOMPLETE, None, tuple(notes))
    if violations:
        return Coverage(PREVIEW_VIOLATION, None, tuple(notes))
    return Coverage(ENFORCED, None, tuple(notes))
